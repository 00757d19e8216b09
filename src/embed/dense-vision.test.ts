/**
 * The dense vision graph against the official model's own intermediate tensors: the reference
 * tiny checkpoint's trunk output and block-0 output (PyTorch, shared/reference/tiny) pushed
 * through the official head (LayerNorm → Linear, per token) and normalisation in plain TypeScript,
 * next to what the dense graph computes from the image. Also: the image output equals the plain
 * encoder's, int8 directories work, the graph file is cached, and mismatched weights are refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCheckpoint } from '../checkpoint/open.ts';
import { ImageBindError } from '../core/errors.ts';
import type { Float32Tensor } from '../core/tensor.ts';
import { loadConfigFile } from '../model/config-file.ts';
import { convertCheckpoint } from '../model/convert.ts';
import { ref, refNpy } from '../../test/helpers/shared.ts';
import { tinyModelDir } from '../../test/helpers/tiny-model.ts';
import { ImageBind } from './imagebind.ts';

const D = 64,
  OUT = 32,
  TOKENS = 257;

async function weights(): Promise<(key: string) => Promise<Float32Array>> {
  const reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
  const cache = new Map<string, Float32Array>();
  for (const { name: key } of reader.list()) if (key.includes('vision')) cache.set(key, await reader.readFloat32(key));
  await reader.close();
  return async (key) => cache.get(key)!;
}

function layerNorm(x: Float64Array, w: Float32Array, b: Float32Array, eps: number): Float64Array {
  let mean = 0;
  for (const v of x) mean += v / x.length;
  let variance = 0;
  for (const v of x) variance += (v - mean) ** 2 / x.length;
  return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w[i] + b[i]);
}

/** y = x · W[rows]ᵀ + b, W row-major [out, in]. */
function linear(
  x: Float64Array,
  w: Float32Array,
  inDim: number,
  rows: [number, number],
  b?: Float32Array,
): Float64Array {
  const out = new Float64Array(rows[1] - rows[0]);
  for (let o = rows[0]; o < rows[1]; o++) {
    let s = b ? b[o] : 0;
    for (let i = 0; i < inDim; i++) s += x[i] * w[o * inDim + i];
    out[o - rows[0]] = s;
  }
  return out;
}

function unit(x: Float64Array): Float64Array {
  const n = Math.max(1e-12, Math.sqrt(x.reduce((a, v) => a + v * v, 0)));
  return x.map((v) => v / n);
}

/** The official head on every patch token of one item: normalize(Linear(LayerNorm(token))). */
async function head(tokens: Float64Array[], w: (k: string) => Promise<Float32Array>): Promise<Float64Array[]> {
  const [nw, nb, pw] = await Promise.all([
    w('modality_heads.vision.0.weight'),
    w('modality_heads.vision.0.bias'),
    w('modality_heads.vision.2.weight'),
  ]);
  return tokens.map((t) => unit(linear(layerNorm(t, nw, nb, 1e-6), pw, D, [0, OUT])));
}

function tokensOf(t: Float32Tensor, item: number): Float64Array[] {
  return Array.from({ length: TOKENS - 1 }, (_, p) =>
    Float64Array.from(t.data.subarray((item * TOKENS + 1 + p) * D, (item * TOKENS + 2 + p) * D)),
  );
}

function maxDiff(patches: Float32Tensor, item: number, expected: Float64Array[]): number {
  let m = 0;
  expected.forEach((e, p) => {
    for (let j = 0; j < OUT; j++) m = Math.max(m, Math.abs(patches.data[(item * (TOKENS - 1) + p) * OUT + j] - e[j]));
  });
  return m;
}

test('dense graph (tiny reference model): image output, unit patches, and the official head per token', async () => {
  const model = await ImageBind.load(await tinyModelDir(false));
  const input = (await refNpy('tiny', 'input_vision.npy')) as Float32Tensor;
  const w = await weights();
  try {
    const plain = await model.embedTensor('vision', input);
    for (const mode of ['tokens', 'value'] as const) {
      const dense = await model.denseVision(mode);
      assert.deepEqual(dense.grid, { rows: 16, cols: 16 });
      const out = await dense.encode(input);
      assert.deepEqual(out.patches.shape, [3, 256, OUT]);
      for (let i = 0; i < plain.data.length; i++) assert.ok(Math.abs(out.global.data[i] - plain.data[i]) < 1e-5);
      for (let p = 0; p < 3 * 256; p++) {
        const n = Math.hypot(...out.patches.data.subarray(p * OUT, (p + 1) * OUT));
        assert.ok(Math.abs(n - 1) < 1e-5, `patch ${p} norm ${n}`);
      }
    }
    // tokens: the official trunk output through the head.
    const trunk = (await refNpy('tiny', 'vision_trunk_out.npy')) as Float32Tensor;
    const tokens = await (await model.denseVision('tokens')).encode(input);
    let worst = 0;
    for (let item = 0; item < 3; item++)
      worst = Math.max(worst, maxDiff(tokens.patches, item, await head(tokensOf(trunk, item), w)));
    console.log(`dense tokens vs official trunk + head: max |diff| ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `tokens mode differs by ${worst}`);
    // value (MaskCLIP): the last block's value path on the official block-0 output (the last block's input).
    const b0 = (await refNpy('tiny', 'vision_block0_out.npy')) as Float32Tensor;
    const p = 'modality_trunks.vision.blocks.1';
    const [n1w, n1b, inW, inB, outW, outB] = await Promise.all(
      [
        'norm_1.weight',
        'norm_1.bias',
        'attn.in_proj_weight',
        'attn.in_proj_bias',
        'attn.out_proj.weight',
        'attn.out_proj.bias',
      ].map((k) => w(`${p}.${k}`)),
    );
    const value = await (await model.denseVision('value')).encode(input);
    worst = 0;
    for (let item = 0; item < 3; item++) {
      const paths = tokensOf(b0, item).map((t) => {
        const v = linear(layerNorm(t, n1w, n1b, 1e-6), inW, D, [2 * D, 3 * D], inB);
        return linear(v, outW, D, [0, D], outB);
      });
      worst = Math.max(worst, maxDiff(value.patches, item, await head(paths, w)));
    }
    console.log(`dense value vs official block-0 output + value path + head: max |diff| ${worst.toExponential(2)}`);
    assert.ok(worst < 1e-4, `value mode differs by ${worst}`);
  } finally {
    await model.close();
  }
});

test('dense graph: int8 directories, the cached graph file, and weights that do not fit', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'imagebind-dense-')), 'int8');
  const reader = await openCheckpoint(ref('tiny', 'imagebind_tiny.pth'));
  try {
    await convertCheckpoint(reader, {
      config: await loadConfigFile(ref('tiny', 'config.json')),
      modalities: ['vision'],
      outDir: dir,
      precision: 'int8',
    });
  } finally {
    await reader.close();
  }
  const cacheDir = join(dir, '..', 'cache');
  const input = (await refNpy('tiny', 'input_vision.npy')) as Float32Tensor;
  const first = await ImageBind.load(dir, { cacheDir });
  const plain = await first.embedTensor('vision', input);
  const a = await (await first.denseVision()).encode(input);
  await first.close();
  for (let i = 0; i < plain.data.length; i++) assert.ok(Math.abs(a.global.data[i] - plain.data[i]) < 1e-5);
  const files = readdirSync(cacheDir).filter((f) => f.startsWith('vision-dense-') && f.endsWith('.onnx'));
  assert.equal(files.length, 1, `cache holds ${readdirSync(cacheDir).join(', ')}`);
  // A second process-like load reuses the graph file (and onnxruntime's optimised copy) and agrees.
  const second = await ImageBind.load(dir, { cacheDir });
  const b = await (await second.denseVision()).encode(input);
  await second.close();
  assert.deepEqual(
    readdirSync(cacheDir).filter((f) => f.endsWith('.onnx')),
    files,
  );
  for (let i = 0; i < a.patches.data.length; i++) assert.ok(Math.abs(a.patches.data[i] - b.patches.data[i]) < 1e-6);

  // The manifest claims fp16 weights, but vision.onnx stores int8 ones: refused with a clear code.
  const broken = join(dir, '..', 'broken');
  cpSync(dir, broken, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(broken, 'manifest.json'), 'utf8'));
  writeFileSync(join(broken, 'manifest.json'), JSON.stringify({ ...manifest, precision: 'fp16' }));
  const bad = await ImageBind.load(broken);
  await assert.rejects(
    bad.denseVision(),
    (e: ImageBindError) => e.code === 'DENSE_GRAPH_MISMATCH' && /re-create/.test(e.message),
  );
  await bad.close();
});
