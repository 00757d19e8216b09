import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ref, refNpy } from '../../test/helpers/shared.ts';
import { diff } from '../../test/helpers/compare.ts';
import { openCheckpoint } from './open.ts';
import type { RawCheckpointReader } from './types.ts';

interface KeyInfo {
  key: string;
  shape: number[];
  dtype: string;
  kind: string;
  numel: number;
  contiguous: boolean;
  storage_offset: number;
}

let reader: RawCheckpointReader;
before(async () => {
  reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
});
after(async () => {
  await reader.close();
});

test(
  'lists the 211 tensors of the tiny fixture with the names, shapes and dtypes of keys.json',
  { timeout: 10_000 },
  async () => {
    const keys = JSON.parse(await readFile(ref('tiny', 'keys.json'), 'utf8')) as KeyInfo[];
    assert.equal(reader.format, 'pth');
    assert.equal(reader.list().length, 211);
    assert.deepEqual(
      reader.list().map((t) => t.name),
      keys.map((k) => k.key),
    );
    for (const k of keys) {
      const info = reader.info(k.key);
      assert.deepEqual(info.shape, k.shape, k.key);
      assert.equal(info.dtype, k.dtype, k.key);
    }
  },
);

test('every tensor reads back with its element count', { timeout: 20_000 }, async () => {
  const keys = JSON.parse(await readFile(ref('tiny', 'keys.json'), 'utf8')) as KeyInfo[];
  for (const k of keys) assert.equal((await reader.readFloat32(k.key)).length, k.numel, k.key);
});

test('spot values: text logit scale is log(1/0.07) and the text mask is causal', { timeout: 10_000 }, async () => {
  const scale = await reader.readFloat32('modality_postprocessors.text.1.log_logit_scale');
  assert.equal(scale.length, 1);
  assert.ok(Math.abs(scale[0] - Math.log(1 / 0.07)) < 1e-6, `log_logit_scale = ${scale[0]}`);
  const mask = await reader.readFloat32('modality_preprocessors.text.mask');
  for (let i = 0; i < 77; i++) {
    for (let j = 0; j < 77; j++) {
      const v = mask[i * 77 + j];
      if (j <= i) assert.equal(v, 0, `mask[${i}][${j}]`);
      else assert.equal(v, -Infinity, `mask[${i}][${j}]`);
    }
  }
});

test(
  'token embedding rows + pos_embed reproduce the official text preprocessor output',
  { timeout: 10_000 },
  async () => {
    // An independent check of whole tensors: PyTorch computed these tokens from the same weights.
    const ids = await refNpy('tiny', 'input_text.npy');
    const tokens = await refNpy('tiny', 'text_preproc_tokens.npy');
    const [, len] = ids.shape;
    const dim = tokens.shape[2];
    const emb = await reader.readFloat32('modality_preprocessors.text.token_embedding.weight');
    const pos = await reader.readFloat32('modality_preprocessors.text.pos_embed');
    assert.equal(emb.length, 49408 * dim);
    const idData = ids.data as BigInt64Array;
    const want = (tokens.data as Float32Array).subarray(0, len * dim);
    const got = new Float32Array(len * dim);
    for (let t = 0; t < len; t++) {
      const id = Number(idData[t]);
      for (let c = 0; c < dim; c++) got[t * dim + c] = emb[id * dim + c] + pos[t * dim + c];
    }
    const d = diff(got, want);
    console.log(`text tokens row 0: max |diff| = ${d.maxAbs.toExponential(2)}`);
    assert.ok(d.maxAbs < 1e-6, `max diff ${d.maxAbs}`);
  },
);
