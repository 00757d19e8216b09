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
import { modalityArch } from '../../src/model/architecture.ts';
import { buildEncoder } from '../../src/model/build.ts';
import { OPSET } from '../../src/model/convert.ts';
import { serializeModel } from '../../src/model/onnx/serialize.ts';
import { createSession } from '../../src/runtime/backend.ts';
import { Encoder } from '../../src/runtime/encoder.ts';
import { emulateHalfActivations } from '../helpers/half-activations.ts';
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
  // Activations in float16 too (on the CPU onnxruntime computes some float16 ops in float32
  // behind inserted Casts, but every tensor between nodes is rounded to float16, as on a GPU).
  ['fp16-compute', 0.999, 0.55],
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

test('fp16-compute: float16 from the stem to the head (weights used as stored), float32 in and out', async () => {
  const config = await loadConfigFile(ref('tiny', 'config.json'));
  for (const mod of MODALITIES) {
    const g = buildEncoder(modalityArch(config, mod), { precision: 'fp16-compute', fusedAttention: true });
    const casts = g.nodes.filter((n) => n.opType === 'Cast');
    // One Cast of a float32 input to float16 (text's input is token ids), one of the head's output to float32.
    assert.deepEqual(
      casts.map((n) => n.attrs.to),
      [...(mod === 'text' ? [] : [{ kind: 'int', v: 10 }]), { kind: 'int', v: 1 }],
      `${mod}: ${casts.map((n) => n.name).join(', ')}`,
    );
    const fromCheckpoint = g.initializers.filter((i) => i.source.kind === 'checkpoint');
    const float32 = fromCheckpoint.filter((i) => i.dtype !== 'float16').map((i) => i.role);
    assert.deepEqual(float32, mod === 'vision' ? [] : ['logit_scale'], `${mod}: only the logit scale stays float32`);
    const gemmWeights = new Set(g.nodes.filter((n) => n.opType === 'Gemm').map((n) => n.inputs[1]));
    for (const i of g.initializers) if (gemmWeights.has(i.name)) assert.equal(i.dtype, 'float16', i.name);
    assert.equal(g.inputs[0].dtype, mod === 'text' ? 'int64' : 'float32');
    assert.equal(g.outputs[0].dtype, 'float32');
  }
});

test('fp16-compute, with every activation rounded to float16 (CPU emulation): cosine >= 0.999 to the official fp32', async () => {
  const config = await loadConfigFile(ref('tiny', 'config.json'));
  const manifest = await readManifest(await tinyModelDir(false));
  const reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
  try {
    for (const mod of MODALITIES) {
      const g = buildEncoder(modalityArch(config, mod), { precision: 'fp16-compute', fusedAttention: true });
      await emulateHalfActivations(g, reader);
      const rounding = g.nodes.filter((n) => n.name.endsWith('.as_half/Cast')).length;
      const bytes = serializeModel(g, {
        opsetVersion: OPSET,
        extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
        producerVersion: 'test',
        locate: () => {
          throw new Error('weights are inline');
        },
      });
      const encoder = Encoder.create(mod, manifest.modalities[mod]!, await createSession(bytes, { threads: 1 }));
      try {
        const got = (await encoder.encode(await refNpy('tiny', `${inputs[mod]}.npy`))).output;
        const expected = (await refNpy('tiny', `output_${mod}.npy`)).data as Float32Array;
        const c = cosines(got.data, expected, got.shape[1]);
        const maxDiff = Math.max(...got.data.map((v, i) => Math.abs(v - expected[i])));
        console.log(
          `# fp16-compute (emulated, ${rounding} activations rounded) ${mod}: cosine to fp32 min ${Math.min(...c).toFixed(6)}, max abs diff ${maxDiff.toExponential(1)}`,
        );
        assert.ok(rounding > 10, `${mod}: activations are rounded`);
        assert.ok(maxDiff > 0, `${mod}: float16 rounding shows in the output`);
        assert.ok(Math.min(...c) >= 0.999, `${mod} cosine ${Math.min(...c)}`);
      } finally {
        await encoder.release();
      }
    }
  } finally {
    await reader.close();
  }
});
