/**
 * Training throughput of a plausible mini ImageBind per modality (batch 32, 2 threads by default):
 * `node --import tsx bench/train-throughput.ts [batch] [threads] [steps]`. Prints a
 * markdown table; also times one large MatMul to give onnxruntime's raw GFLOP/s on this machine.
 */
import { cpus } from 'node:os';
import { Rng } from '../src/core/random.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { modalityArch } from '../src/model/architecture.ts';
import { type Modality, resolveConfig } from '../src/model/config.ts';
import { Graph } from '../src/model/graph.ts';
import { tensorDataset } from '../src/train/data.ts';
import type { TrainSetup } from '../src/train/graph.ts';
import { GraphSession } from '../src/train/graph-session.ts';
import { randomInput } from '../test/helpers/train-configs.ts';
import { Trainer } from '../src/train/trainer.ts';

const [batch, threads, steps] = [
  Number(process.argv[2] ?? 32),
  Number(process.argv[3] ?? 2),
  Number(process.argv[4] ?? 5),
];

export const MINI = resolveConfig({
  out_embed_dim: 64,
  video_frames: 2,
  kernel_size: [2, 32, 32],
  vision_embed_dim: 64,
  vision_num_blocks: 4,
  vision_num_heads: 4,
  text_embed_dim: 64,
  text_num_blocks: 4,
  text_num_heads: 4,
  text_vocab_size: 1024,
  audio_embed_dim: 64,
  audio_num_blocks: 4,
  audio_num_heads: 4,
  audio_kernel_size: 16,
  audio_stride: 16,
  depth_embed_dim: 64,
  depth_num_blocks: 4,
  depth_num_heads: 4,
  depth_kernel_size: 32,
  thermal_embed_dim: 64,
  thermal_num_blocks: 4,
  thermal_num_heads: 4,
  thermal_kernel_size: 32,
  imu_embed_dim: 64,
  imu_num_blocks: 4,
  imu_num_heads: 4,
});

async function matmulGflops(): Promise<number> {
  const n = 1024;
  const g = new Graph('mm');
  const a = g.input('a', 'float32', [n, n]),
    b = g.input('b', 'float32', [n, n]);
  g.output(g.op('MatMul', [a, b]), 'float32', [n, n]);
  const s = await GraphSession.create(g, { threads });
  const x: Tensor = { dtype: 'float32', shape: [n, n], data: new Rng(1).fillNormal(new Float32Array(n * n)) };
  await s.run({ a: x, b: x });
  const reps = 20,
    t0 = performance.now();
  for (let i = 0; i < reps; i++) await s.run({ a: x, b: x });
  await s.release();
  return (2 * n ** 3 * reps) / ((performance.now() - t0) / 1000) / 1e9;
}

async function bench(setup: TrainSetup, label: string): Promise<string> {
  const mods: Modality[] = setup.kind === 'joint' ? [setup.query, setup.key] : [setup.modality];
  const rng = new Rng(2);
  const inputs = Object.fromEntries(mods.map((m) => [m, randomInput(modalityArch(MINI, m), batch, rng)]));
  const targets = { dtype: 'float32' as const, shape: [batch, 64], data: rng.fillNormal(new Float32Array(batch * 64)) };
  const data = tensorDataset(inputs, setup.kind === 'binding' ? targets : undefined);
  const t0 = performance.now();
  const t = await Trainer.create({
    config: MINI,
    setup,
    data,
    batchSize: batch,
    steps: steps + 1,
    lr: 1e-3,
    threads,
    progress: false,
  });
  const build = (performance.now() - t0) / 1000;
  await t.trainStep();
  const t1 = performance.now();
  for (let i = 0; i < steps; i++) await t.trainStep();
  const sec = (performance.now() - t1) / 1000 / steps;
  const evalBatch = await data.get(Array.from({ length: batch }, (_, i) => i));
  await t.evaluate(evalBatch);
  const fwd0 = performance.now();
  for (let i = 0; i < 3; i++) await t.evaluate(evalBatch);
  const fwd = (performance.now() - fwd0) / 1000 / 3;
  const params = t.trainable.reduce((n, k) => n + t.params.get(k)!.data.length, 0);
  await t.close();
  const tokens = mods.map((m) => modalityArch(MINI, m).numTokens).join('+');
  return `| ${label} | ${tokens} | ${(params / 1e6).toFixed(2)} M | ${(sec * 1000).toFixed(0)} ms | ${(batch / sec).toFixed(1)} | ${(fwd * 1000).toFixed(0)} ms | ${build.toFixed(1)} s |`;
}

console.log(
  `${cpus()[0]?.model ?? 'unknown CPU'}; batch ${batch}, ${threads} threads, mean of ${steps} steps after one warm-up`,
);
console.log(`onnxruntime MatMul 1024³: ${(await matmulGflops()).toFixed(0)} GFLOP/s\n`);
console.log('| setup | tokens | trainable | step | samples/s | forward+loss | graph build + session |');
console.log('|---|---|---|---|---|---|---|');
for (const m of ['vision', 'text', 'audio', 'depth', 'thermal', 'imu'] as const)
  console.log(await bench({ kind: 'binding', modality: m }, `${m} (binding)`));
console.log(await bench({ kind: 'joint', query: 'text', key: 'vision' }, 'text+vision (joint)'));
