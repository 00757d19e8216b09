/**
 * fp16 and int8 model directories: smaller on disk, and their embeddings stay close to the
 * official fp32 outputs (cosine per item, printed), on the reference tiny model.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '../../src/checkpoint/open.ts';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { MODALITIES } from '../../src/model/config.ts';
import { loadConfigFile } from '../../src/model/config-file.ts';
import { convertCheckpoint } from '../../src/model/convert.ts';
import type { Precision } from '../../src/model/graph.ts';
import { readManifest } from '../../src/model/manifest-file.ts';
import { ref, refNpy } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const inputs = {
  vision: 'input_vision',
  text: 'input_text',
  audio: 'input_audio',
  depth: 'input_depth',
  thermal: 'input_thermal',
  imu: 'input_imu',
} as const;

function cosines(a: Float32Array, b: Float32Array, dim: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < a.length / dim; r++) {
    let d = 0,
      na = 0,
      nb = 0;
    for (let j = r * dim; j < (r + 1) * dim; j++) {
      d += a[j] * b[j];
      na += a[j] ** 2;
      nb += b[j] ** 2;
    }
    out.push(d / Math.sqrt(na * nb));
  }
  return out;
}

for (const [precision, minCos, sizeRatio] of [
  ['fp16', 0.9999, 0.55],
  ['int8', 0.995, 0.5],
] as [Precision, number, number][]) {
  test(`${precision}: smaller weights, embeddings within cosine ${minCos} of the official fp32 outputs`, async () => {
    const dir = join(mkdtempSync(join(tmpdir(), `imagebind-${precision}-`)), 'model');
    const reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
    await convertCheckpoint(reader, {
      config: await loadConfigFile(ref('tiny', 'config.json')),
      modalities: MODALITIES,
      outDir: dir,
      precision,
    });
    await reader.close();
    const [m, fp32] = [await readManifest(dir), await readManifest(await tinyModelDir(false))];
    assert.equal(m.precision, precision);
    assert.equal(m.identity, fp32.identity, 'every precision of a checkpoint shares its embedding-space identity');
    const model = await ImageBind.load(dir, { threads: 1 });
    try {
      for (const mod of MODALITIES) {
        const ratio = m.modalities[mod]!.weightBytes / fp32.modalities[mod]!.weightBytes;
        const got = await model.embedTensor(mod, await refNpy('tiny', `${inputs[mod]}.npy`));
        const expected = (await refNpy('tiny', `output_${mod}.npy`)).data as Float32Array;
        const c = cosines(got.data, expected, got.shape[1]);
        console.log(
          `# ${precision} ${mod}: weights ×${ratio.toFixed(2)}, cosine to fp32 mean ${(c.reduce((a, b) => a + b) / c.length).toFixed(6)} min ${Math.min(...c).toFixed(6)}`,
        );
        assert.ok(Math.min(...c) >= minCos, `${mod} cosine ${Math.min(...c)}`);
        assert.ok(ratio <= sizeRatio, `${mod} weights ratio ${ratio}`);
      }
    } finally {
      await model.close();
    }
  });
}
