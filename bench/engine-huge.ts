/**
 * Issue "Engine" benchmark: convert a random-weight `huge` model (streaming; peak RSS recorded),
 * then per modality, in a fresh process each, encode latency at batch 1 and the process's peak
 * RSS next to that modality's weight bytes. Writes bench/results/engine-huge.{json,md}.
 *
 *   npx tsx bench/engine-huge.ts [--dir /tmp/imagebind-huge-random] [--runs 5]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MODALITIES } from '../src/model/config.ts';
import type { BenchResult } from '../src/runtime/benchmark.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : def;
};
const dir = flag('--dir', '/tmp/imagebind-huge-random');
const runs = flag('--runs', '5');
const root = new URL('..', import.meta.url).pathname;
const cli = join(root, 'bin', 'imagebind.js');

function timed(cmd: string[]): { stdout: string; maxRssMiB: number; seconds: number } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M %e', process.execPath, cli, ...cmd], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`imagebind ${cmd.join(' ')} failed:\n${r.stderr}`);
  const [kb, secs] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  return { stdout: r.stdout, maxRssMiB: kb / 1024, seconds: secs };
}

let convert: { seconds: number; peak_rss_mib: number } | null = null;
if (!existsSync(join(dir, 'manifest.json'))) {
  const c = timed(['convert', '--random-init', '--preset', 'huge', '--out', dir, '--force']);
  convert = { seconds: c.seconds, peak_rss_mib: c.maxRssMiB };
  console.error(`converted in ${c.seconds}s, peak RSS ${c.maxRssMiB.toFixed(0)} MiB`);
}

const rows = MODALITIES.map((m) => {
  const r = timed([
    'bench',
    '--model',
    dir,
    '--modality',
    m,
    '--batch',
    '1',
    '--runs',
    runs,
    '--threads',
    '2',
    '--json',
  ]);
  const res = JSON.parse(r.stdout) as BenchResult;
  const row = {
    ...res,
    modality: m,
    process_peak_rss_mib: r.maxRssMiB,
    rss_over_weights: r.maxRssMiB / res.weight_mib,
  };
  console.error(
    `${m}: median ${res.median_ms.toFixed(1)} ms, peak RSS ${r.maxRssMiB.toFixed(0)} MiB, weights ${res.weight_mib.toFixed(0)} MiB`,
  );
  return row;
});

const machine = machineInfo();
const result = { benchmark: 'engine-huge', machine, runs: Number(runs), threads: 2, convert, modalities: rows };
writeFileSync(join(root, 'bench/results/engine-huge.json'), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  '# Engine: random-weight `huge`, fp32, batch 1, 2 threads',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; Node ${machine.node}; onnxruntime-node ${machine.onnxruntime}; ${machine.date.slice(0, 10)}.`,
  `Reproduce: \`npx tsx bench/engine-huge.ts\` (converts with \`imagebind convert --random-init --preset huge\`, then runs \`imagebind bench\` once per modality in a fresh process).`,
  '',
  convert
    ? `Conversion (streaming, all six modalities, 4.6 GiB of fp32 weights): ${convert.seconds.toFixed(0)} s, peak RSS ${convert.peak_rss_mib.toFixed(0)} MiB.`
    : 'Conversion: model directory reused from an earlier run.',
  '',
  '| modality | median ms | p90 ms | items/s | weights MiB | peak RSS MiB | RSS / weights |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.modality} | ${r.median_ms.toFixed(1)} | ${r.p90_ms.toFixed(1)} | ${r.items_per_s.toFixed(2)} | ${r.weight_mib.toFixed(0)} | ${r.process_peak_rss_mib.toFixed(0)} | ${r.rss_over_weights.toFixed(2)} |`,
  ),
  '',
  'Peak RSS is the whole process (Node + onnxruntime + weights + activations) while it loads and runs that one modality.',
  'Audio runs one item of 3 clips ([1, 3, 1, 128, 204]), as the official audio loader produces.',
  '',
].join('\n');
writeFileSync(join(root, 'bench/engine-huge.md'), md);
console.log(md);
