/**
 * Session start-up with and without the optimised-graph cache (src/runtime/optimized-cache.ts):
 * the time to open one encoder (read the weights, optimise, prepack), per precision and modality.
 * Writes bench/session-cache.md and bench/results/session-cache.json.
 *   npx tsx bench/session-cache.ts [--models /tmp/imagebind-speed] [--modalities vision,text]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBind } from '../src/embed/imagebind.ts';
import type { Modality } from '../src/model/config.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => { const i = args.indexOf(n); return i >= 0 ? args[i + 1] : d; };
const root = new URL('..', import.meta.url).pathname;
const base = flag('--models', '/tmp/imagebind-speed');
const modalities = flag('--modalities', 'vision,text').split(',') as Modality[];
const precisions = flag('--precisions', 'fp32,fp16,int8').split(',');

async function openMs(dir: string, m: Modality, cacheDir?: string): Promise<number> {
  const model = await ImageBind.load(dir, { cacheDir, threads: 2 });
  const t0 = performance.now();
  await model.encoder(m);
  const ms = performance.now() - t0;
  await model.close();
  return ms;
}

const rows: { precision: string; modality: Modality; plain_ms: number; first_ms: number; cached_ms: number }[] = [];
for (const p of precisions) {
  for (const m of modalities) {
    const dir = join(base, `huge-${p}`);
    const cache = mkdtempSync(join(tmpdir(), 'session-cache-'));
    try {
      const plain = await openMs(dir, m);
      const first = await openMs(dir, m, cache);
      const cached = await openMs(dir, m, cache);
      rows.push({ precision: p, modality: m, plain_ms: plain, first_ms: first, cached_ms: cached });
      console.error(p, m, plain.toFixed(0), first.toFixed(0), cached.toFixed(0));
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }
}

const machine = machineInfo();
writeFileSync(join(root, 'bench/results/session-cache.json'), `${JSON.stringify({ benchmark: 'session-cache', machine, rows }, null, 2)}\n`);
writeFileSync(join(root, 'bench/session-cache.md'), [
  '# Session start-up: the optimised-graph cache (random-weight `huge`, 2 threads)',
  '',
  `Machine: ${machine.cpu}, ${machine.cores} cores, onnxruntime-node ${machine.onnxruntime}; ${machine.date.slice(0, 10)}. Reproduce: \`npx tsx bench/session-cache.ts\`.`,
  'Time to open one encoder: read the weights, optimise the graph (level `all`), prepack. "first" saves the optimised graph',
  'into the cache (`cacheDir` / `IMAGEBIND_CACHE_DIR`); "cached" loads it with the optimiser off. Page cache warm in every column.',
  '',
  '| precision | modality | no cache ms | first (saving) ms | cached ms | cached vs none |', '|---|---|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.precision} | ${r.modality} | ${r.plain_ms.toFixed(0)} | ${r.first_ms.toFixed(0)} | ${r.cached_ms.toFixed(0)} | ${(r.plain_ms / r.cached_ms).toFixed(2)}× |`),
  '',
].join('\n'));
