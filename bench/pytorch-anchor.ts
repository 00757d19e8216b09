/**
 * Issue 15, item 4: the fastest PyTorch as the anchor. The official implementation runs under both
 * of Debian's OpenBLAS builds (libopenblas0-pthread and libopenblas0-openmp, chosen per process
 * with LD_LIBRARY_PATH), next to our fp32 and int8 encoders, on the same random-weight huge
 * checkpoint and inputs as bench/speed.ts. Other sessions load this machine, so all four engines
 * stay loaded side by side and are timed in turns, request by request, in an order that rotates
 * every round; each figure is the median over all rounds, and the spread of the round medians is
 * kept. Then text at batch 1 is taken apart: onnxruntime's profiler gives the Gemms' share and rate,
 * and single Gemms of huge text's shapes at 77 rows (batch 1) and 616 rows (batch 8) say what the
 * 77-row GEMMs can reach at all, for onnxruntime and for PyTorch on each BLAS.
 *
 *   npx tsx bench/speed.ts --prepare-only --precisions fp32,int8      (checkpoint, conversions, inputs)
 *   nice -n 10 npx tsx bench/pytorch-anchor.ts [--dir /tmp/imagebind-speed] [--rounds 3] [--runs 2]
 *        [--modalities vision,text,...] [--batches 1,8]
 * Needs apt-get install python3-torch libopenblas0-pthread libopenblas0-openmp and the official source
 * (bench/speed.ts extracts it). Writes bench/results/pytorch-anchor.json and bench/pytorch-anchor.md.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { MODALITIES, type Modality } from '../src/model/config.ts';
import { machineInfo } from './machine.ts';
import { textGemmStudy, type GemmStudy } from './anchor/text-gemms.ts';
import { renderAnchorReport, type AnchorRow } from './anchor/report.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const dir = flag('--dir', '/tmp/imagebind-speed');
const rounds = Number(flag('--rounds', '3'));
const runs = Number(flag('--runs', '2'));
const modalities = flag('--modalities', MODALITIES.join(',')).split(',') as Modality[];
const batches = flag('--batches', '1,8').split(',').map(Number);
const officialSrc = flag('--official-src', '/tmp/imagebind-official');
const root = new URL('..', import.meta.url).pathname;
const ckpt = join(dir, 'huge-random.safetensors');
for (const need of [ckpt, join(dir, 'huge-fp32', 'manifest.json'), join(dir, 'huge-int8', 'manifest.json')])
  if (!existsSync(need))
    throw new Error(`${need} is missing: run npx tsx bench/speed.ts --prepare-only --precisions fp32,int8`);
if (!existsSync(join(officialSrc, 'imagebind'))) throw new Error(`no official source in ${officialSrc}`);

export const BLAS = {
  pthread: '/usr/lib/x86_64-linux-gnu/openblas-pthread',
  openmp: '/usr/lib/x86_64-linux-gnu/openblas-openmp',
} as const;

/** A clean environment for PyTorch on one BLAS build: 2 threads, no workplace OpenBLAS overrides. */
export function torchEnv(blas: keyof typeof BLAS): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OPENBLAS_')));
  return { ...env, LD_LIBRARY_PATH: BLAS[blas], OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' };
}

interface Engine {
  readonly name: string;
  readonly info: Record<string, unknown>;
  time(input: string, n: number): Promise<number[]>;
  close(): Promise<void>;
}

async function startEngine(name: string, cmd: string, argv: string[], env: NodeJS.ProcessEnv): Promise<Engine> {
  const proc: ChildProcess = spawn(cmd, argv, { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`${name} exited`);
    return JSON.parse(r.value) as Record<string, unknown>;
  };
  const info = await next();
  console.error(`${name} ready: ${JSON.stringify(info)}`);
  return {
    name,
    info,
    async time(input, n) {
      proc.stdin!.write(`${JSON.stringify({ input, runs: n })}\n`);
      return (await next()).times_ms as number[];
    },
    async close() {
      proc.stdin!.end();
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const tsx = join(root, 'node_modules', '.bin', 'tsx');
const rows: AnchorRow[] = [];
const infos: Record<string, Record<string, unknown>> = {};
for (const m of modalities) {
  const engines: Engine[] = [];
  for (const blas of ['pthread', 'openmp'] as const) {
    const py = ['-u', join(root, 'bench/pytorch/anchor_engine.py'), '--src', officialSrc, '--checkpoint', ckpt];
    engines.push(await startEngine(`torch-${blas}`, '/usr/bin/python3', [...py, '--modality', m], torchEnv(blas)));
  }
  for (const p of ['fp32', 'int8']) {
    const ours = [join(root, 'bench/anchor/ours-engine.ts'), '--model', join(dir, `huge-${p}`), '--modality', m];
    engines.push(await startEngine(`ours-${p}`, tsx, ours, process.env));
  }
  for (const e of engines) infos[e.name] = e.info;
  for (const b of batches) {
    const input = join(dir, 'inputs', `${m}_b${b}.npy`);
    const times = new Map<string, number[][]>(engines.map((e) => [e.name, []]));
    const loads: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Rotate who goes first, so no engine always follows the same neighbour.
      const order = engines.map((_, i) => engines[(i + r) % engines.length]);
      for (const e of order) {
        const t = await e.time(input, runs);
        times.get(e.name)!.push(t);
        loads.push(loadavg()[0]);
      }
      console.error(
        `${m} b${b} round ${r + 1}: ${[...times].map(([n, ts]) => `${n} ${median(ts.at(-1)!).toFixed(0)} ms`).join(', ')}`,
      );
    }
    for (const [engine, perRound] of times)
      rows.push({
        modality: m,
        batch: b,
        engine,
        median_ms: median(perRound.flat()),
        round_medians_ms: perRound.map(median),
        runs: perRound.flat().length,
        load_avg_median: median(loads),
      });
  }
  for (const e of engines) await e.close();
}

let gemms: GemmStudy | null = null;
if (modalities.includes('text')) {
  console.error('text at batch 1: profile and single-Gemm rates ...');
  gemms = await textGemmStudy({ dir, root, officialSrc, runs: 5, torchEnv });
}

const torchVersion = spawnSync('/usr/bin/python3', ['-c', 'import torch; print(torch.__version__)'], {
  encoding: 'utf8',
}).stdout.trim();
const result = { machine: machineInfo(), torch: torchVersion, rounds, runs, engines: infos, rows, gemms };
writeFileSync(join(root, 'bench/results/pytorch-anchor.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(root, 'bench/pytorch-anchor.md'), renderAnchorReport(result));
console.error('wrote bench/pytorch-anchor.md');
