/**
 * What bounds huge text at batch 1 (bench/pytorch-anchor.ts): onnxruntime's profile of one run
 * (time per operator, and the Gemms' achieved rate from their shapes), then single Gemms of the
 * text trunk's shapes at 77 rows (one sequence) and 616 rows (eight), timed in onnxruntime and in
 * PyTorch under each OpenBLAS build, in alternating rounds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { readNpy } from '../../src/core/npy.ts';
import { Rng } from '../../src/core/random.ts';
import { Graph, attr } from '../../src/model/graph.ts';
import { serializeModel } from '../../src/model/onnx/serialize.ts';

/** huge text's Linear layers: [in, out] of qkv, out-projection, fc1, fc2. */
export const TEXT_SHAPES: readonly [number, number][] = [
  [1024, 3072],
  [1024, 1024],
  [1024, 4096],
  [4096, 1024],
];
export const ROWS = [77, 616];

export interface GemmRate {
  readonly engine: string;
  readonly m: number;
  readonly k: number;
  readonly n: number;
  /** Median GFLOP/s over all timed runs of all rounds. */
  readonly gflops: number;
}

export interface GemmStudy {
  /** ours fp32, text batch 1: run time and where it goes. */
  readonly profile: {
    readonly run_ms: number;
    readonly ops: { op: string; ms: number; share: number }[];
    readonly gemm_gflop: number;
    readonly gemm_ms: number;
    readonly gemm_gflops: number;
  };
  readonly rates: GemmRate[];
}

const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface TraceEvent {
  cat: string;
  name: string;
  ts: number;
  dur: number;
  args?: { op_name?: string; input_type_shape?: Record<string, number[]>[] };
}

async function profileText(dir: string, runs: number): Promise<GemmStudy['profile']> {
  const traceDir = mkdtempSync(join(tmpdir(), 'anchor-profile-'));
  const s = await ort.InferenceSession.create(join(dir, 'huge-fp32', 'text.onnx'), {
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 2,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: join(traceDir, 'trace'),
  });
  const x = await readNpy(join(dir, 'inputs', 'text_b1.npy'));
  const feed = { input: new ort.Tensor('int64', x.data as BigInt64Array, [...x.shape]) };
  for (let i = 0; i < runs + 1; i++) await s.run(feed);
  s.endProfiling();
  await s.release();
  const events = JSON.parse(
    readFileSync(
      join(
        traceDir,
        readdirSync(traceDir).find((f) => f.startsWith('trace'))!,
      ),
      'utf8',
    ),
  ) as TraceEvent[];
  rmSync(traceDir, { recursive: true, force: true });
  const modelRuns = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const warmEnd = modelRuns[0].ts + modelRuns[0].dur;
  const timed = modelRuns.slice(1);
  const byOp = new Map<string, number>();
  let gemmFlop = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || e.ts < warmEnd || !e.name.endsWith('_kernel_time') || !e.args?.op_name) continue;
    byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur / 1000 / timed.length);
    if (e.args.op_name === 'Gemm' || e.args.op_name === 'FusedGemm') {
      const [a, b] = (e.args.input_type_shape ?? []).map((t) => Object.values(t)[0]);
      if (a && b) gemmFlop += (2 * a[0] * a[1] * b[0]) / timed.length; // [M, K] · [N, K]ᵀ (transB)
    }
  }
  const runMs = median(timed.map((e) => e.dur / 1000));
  const ops = [...byOp]
    .map(([op, ms]) => ({ op, ms, share: ms / runMs }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 8);
  const gemmMs = (byOp.get('Gemm') ?? 0) + (byOp.get('FusedGemm') ?? 0);
  return { run_ms: runMs, ops, gemm_gflop: gemmFlop / 1e9, gemm_ms: gemmMs, gemm_gflops: gemmFlop / 1e6 / gemmMs };
}

/** onnxruntime Gemm (transB = 1, with bias, as our graphs) at each shape: GFLOP/s per timed run. */
async function ortRates(runs: number): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  const rng = new Rng(3);
  for (const [k, n] of TEXT_SHAPES) {
    const g = new Graph('gemm');
    const x = g.input('x', 'float32', ['m', k]);
    const w = g.inline('w', 'float32', [n, k], rng.fillNormal(new Float32Array(n * k), 0.02));
    const b = g.inline('b', 'float32', [n], new Float32Array(n));
    g.output(g.op('Gemm', [x, w, b], { transB: attr.i(1) }, 'y'), 'float32', ['m', n]);
    const file = join(mkdtempSync(join(tmpdir(), 'anchor-gemm-')), 'g.onnx');
    writeFileSync(
      file,
      serializeModel(g, {
        opsetVersion: 17,
        producerVersion: 'bench',
        locate: () => {
          throw new Error('inline only');
        },
      }),
    );
    const s = await ort.InferenceSession.create(file, { intraOpNumThreads: 2, interOpNumThreads: 1 });
    for (const m of ROWS) {
      const feed = { x: new ort.Tensor('float32', rng.fillNormal(new Float32Array(m * k)), [m, k]) };
      for (let i = 0; i < 3; i++) await s.run(feed);
      const rates: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await s.run(feed);
        rates.push((2 * m * k * n) / (performance.now() - t0) / 1e6);
      }
      out.set(`${m}x${k}x${n}`, rates);
    }
    await s.release();
  }
  return out;
}

const TORCH_GEMMS = `
import json, sys, time, torch
torch.set_num_threads(2)
shapes, rows, runs = json.loads(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3])
out = {}
with torch.no_grad():
    for k, n in shapes:
        w = torch.randn(n, k) * 0.02; b = torch.zeros(n)
        for m in rows:
            x = torch.randn(m, k)
            for _ in range(3): torch.nn.functional.linear(x, w, b)
            rates = []
            for _ in range(runs):
                t0 = time.perf_counter(); torch.nn.functional.linear(x, w, b)
                rates.append(2 * m * k * n / (time.perf_counter() - t0) / 1e9)
            out[f"{m}x{k}x{n}"] = rates
print(json.dumps(out))
`;

function torchRates(env: NodeJS.ProcessEnv, runs: number): Map<string, number[]> {
  const r = spawnSync(
    '/usr/bin/python3',
    ['-c', TORCH_GEMMS, JSON.stringify(TEXT_SHAPES), JSON.stringify(ROWS), String(runs)],
    { env, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`torch gemm timing failed: ${r.stderr.slice(-1000)}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number[]>));
}

export async function textGemmStudy(o: {
  dir: string;
  root: string;
  officialSrc: string;
  runs: number;
  torchEnv: (blas: 'pthread' | 'openmp') => NodeJS.ProcessEnv;
}): Promise<GemmStudy> {
  const profile = await profileText(o.dir, o.runs);
  const all = new Map<string, Map<string, number[]>>();
  const add = (engine: string, rates: Map<string, number[]>) => {
    const e = all.get(engine) ?? new Map<string, number[]>();
    for (const [k, v] of rates) e.set(k, [...(e.get(k) ?? []), ...v]);
    all.set(engine, e);
  };
  for (let round = 0; round < 3; round++) {
    add('onnxruntime', await ortRates(o.runs));
    add('torch-pthread', torchRates(o.torchEnv('pthread'), o.runs));
    add('torch-openmp', torchRates(o.torchEnv('openmp'), o.runs));
  }
  const rates: GemmRate[] = [];
  for (const [engine, byShape] of all)
    for (const [key, xs] of byShape) {
      const [m, k, n] = key.split('x').map(Number);
      rates.push({ engine, m, k, n, gflops: median(xs) });
    }
  return { profile, rates };
}
