/**
 * Where the time goes: onnxruntime's profiler on the huge encoders (batch 1, 2 threads), op time
 * summed by operator type. Writes bench/profile.md and bench/results/profile.json.
 *   npx tsx bench/profile.ts [--models /tmp/imagebind-speed] [--precisions fp32,int8] [--modalities vision,text,audio]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import type { Modality } from '../src/model/config.ts';
import { readManifest } from '../src/model/manifest-file.ts';
import { randomInput } from '../src/runtime/benchmark.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const base = flag('--models', '/tmp/imagebind-speed');
const precisions = flag('--precisions', 'fp32,int8').split(',');
const modalities = flag('--modalities', 'vision,text,audio').split(',') as Modality[];
const RUNS = 3;

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string };
}
interface Profile {
  precision: string;
  modality: Modality;
  total_ms: number;
  /** Share of a run outside any kernel: feeding inputs, allocating outputs, scheduling. */
  outside_kernels: number;
  ops: { op: string; ms: number; share: number }[];
}

async function profile(precision: string, modality: Modality): Promise<Profile> {
  const dir = join(base, `huge-${precision}`);
  const manifest = await readManifest(dir);
  const entry = manifest.modalities[modality]!;
  const traceDir = mkdtempSync(join(tmpdir(), 'ort-profile-'));
  const prefix = join(traceDir, 'trace');
  const session = await ort.InferenceSession.create(join(dir, entry.graph), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: prefix,
  });
  // One graph item (one clip for audio, a 2-frame clip for vision), as the encoder feeds it.
  const shape = [1, ...entry.itemShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const t = randomInput(modality, entry, modality === 'vision' ? 2 : 1, 11, manifest.config.text_vocab_size);
  const feed = {
    input:
      t.dtype === 'int64'
        ? new ort.Tensor('int64', t.data as BigInt64Array, shape)
        : new ort.Tensor('float32', (t.data as Float32Array).slice(0, size), shape),
  };
  for (let i = 0; i < RUNS + 1; i++) await session.run(feed);
  session.endProfiling();
  await session.release();
  // onnxruntime appends a timestamp to the prefix.
  const file = readdirSync(traceDir).find((f) => f.startsWith('trace'));
  if (!file) throw new Error(`onnxruntime wrote no profile into ${traceDir}`);
  const events = JSON.parse(readFileSync(join(traceDir, file), 'utf8')) as TraceEvent[];
  rmSync(traceDir, { recursive: true, force: true });
  const byOp = new Map<string, number>();
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const runs = modelRuns.map((e) => e.dur);
  // Kernels of the warm-up run (the first) are left out, as its time is.
  const warmEnd = modelRuns.length ? modelRuns[0].ts + modelRuns[0].dur : 0;
  for (const e of events) {
    if (e.cat !== 'Node' || e.ts < warmEnd || !e.name.endsWith('_kernel_time') || !e.args?.op_name) continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
  }
  // Scale the timed runs' kernel sums to their mean run time (the rest is framework overhead).
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  const timed = runs.slice(1).reduce((a, b) => a + b, 0) / Math.max(1, runs.length - 1) / 1000;
  const ops = [...byOp]
    .sort((a, b) => b[1] - a[1])
    .map(([op, us]) => ({ op, ms: (us / total) * timed, share: us / total }));
  const kernelMsPerRun = total / Math.max(1, runs.length - 1) / 1000;
  return { precision, modality, total_ms: timed, outside_kernels: Math.max(0, 1 - kernelMsPerRun / timed), ops };
}

const results: Profile[] = [];
for (const p of precisions)
  for (const m of modalities) {
    results.push(await profile(p, m));
    console.error(p, m, results.at(-1)!.total_ms.toFixed(0), 'ms');
  }

const machine = machineInfo();
writeFileSync(
  join(root, 'bench/results/profile.json'),
  `${JSON.stringify({ benchmark: 'profile', machine, runs: RUNS, results }, null, 2)}\n`,
);
const table = (r: Profile) => [
  `### ${r.precision} ${r.modality} (batch 1): ${r.total_ms.toFixed(0)} ms per run, ${(100 * r.outside_kernels).toFixed(1)}% of it outside kernels`,
  '',
  '| operator | ms | share |',
  '|---|---:|---:|',
  ...r.ops
    .filter((o) => o.share >= 0.005)
    .map((o) => `| ${o.op} | ${o.ms.toFixed(1)} | ${(100 * o.share).toFixed(1)}% |`),
  `| (others, < 0.5% each) | ${r.ops
    .filter((o) => o.share < 0.005)
    .reduce((a, o) => a + o.ms, 0)
    .toFixed(1)} | ${(100 * r.ops.filter((o) => o.share < 0.005).reduce((a, o) => a + o.share, 0)).toFixed(1)}% |`,
  '',
];
writeFileSync(
  join(root, 'bench/profile.md'),
  [
    '# Profile: onnxruntime op time by operator type (random-weight `huge`, batch 1, 2 threads)',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, onnxruntime-node ${machine.onnxruntime}; ${machine.date.slice(0, 10)}. Reproduce: \`npx tsx bench/profile.ts\`.`,
    `onnxruntime's profiler (\`enableProfiling\`), ${RUNS} runs after a warm-up; kernel times summed per operator type and scaled to the mean run time.`,
    'Operator names are those of the optimised graph: onnxruntime has already fused LayerNorm, GELU, bias adds and attention.',
    '',
    'What this shows: in fp32 the Gemms (every Linear layer, already at 91–94% of the measured MatMul ceiling, see',
    'speed.md) take 83–94% of the time, so no other fusion or kernel could gain more than the remaining 6–17%. In int8 the',
    'quantized MatMuls shrink 3–4× and attention, still computed in fp32 by the fused kernel, becomes the second cost',
    '(8–18%): quantizing attention is the next lever, at the price of more drift from fp32. The time outside kernels',
    '(feeding inputs, which onnxruntime wraps without a copy, allocating the small outputs, scheduling) is given per',
    'table; it is what IO binding or reused output buffers could save.',
    '',
    ...results.flatMap(table),
  ].join('\n'),
);
