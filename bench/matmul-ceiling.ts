/**
 * The machine's measured MatMul ceiling: onnxruntime fp32 MatMul and int8 DynamicQuantizeMatMul on
 * [1028×1280]·[1280×5120] (the huge vision MLP shape at batch 4), best of several runs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { Rng } from '../src/core/random.ts';
import { Graph } from '../src/model/graph.ts';
import { serializeModel } from '../src/model/onnx/serialize.ts';

const M = 1028,
  K = 1280,
  N = 5120;

async function time(g: Graph, threads: number): Promise<number> {
  const file = join(mkdtempSync(join(tmpdir(), 'ceiling-')), 'mm.onnx');
  writeFileSync(
    file,
    serializeModel(g, {
      opsetVersion: 17,
      producerVersion: 'bench',
      extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
      locate: () => {
        throw new Error('inline only');
      },
    }),
  );
  const s = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const x = new ort.Tensor('float32', new Rng(1).fillNormal(new Float32Array(M * K)), [M, K]);
  for (let i = 0; i < 3; i++) await s.run({ x });
  let best = Infinity;
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await s.run({ x });
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return (2 * M * K * N) / best / 1e6;
}

export async function matmulCeiling(
  threads: number,
): Promise<{ fp32_gflops: number; int8_gflops: number; shape: string }> {
  const rng = new Rng(2);
  const f = new Graph('fp32');
  const fx = f.input('x', 'float32', [M, K]);
  f.output(
    f.op('MatMul', [fx, f.inline('w', 'float32', [K, N], rng.fillNormal(new Float32Array(K * N), 0.02))], {}, 'y'),
    'float32',
    [M, N],
  );
  const q = new Graph('int8');
  const qx = q.input('x', 'float32', [M, K]);
  const w8 = new Int8Array(K * N).map(() => rng.int(255) - 127);
  const y = q.op(
    'DynamicQuantizeMatMul',
    [
      qx,
      q.inline('w', 'int8', [K, N], w8),
      q.inline('scale', 'float32', [N], new Float32Array(N).fill(0.001)),
      q.inline('zp', 'int8', [N], new Int8Array(N)),
    ],
    {},
    'y',
    'com.microsoft',
  );
  q.output(y, 'float32', [M, N]);
  return { fp32_gflops: await time(f, threads), int8_gflops: await time(q, threads), shape: `[${M}×${K}]·[${K}×${N}]` };
}
