/**
 * The store's HNSW index at 100k and 1M 1024-d vectors: build time, query latency p50/p99 (k=10,
 * with and without a modality filter) and recall@10 against exact search on the same file.
 * Vectors are clustered synthetic embeddings (2 000 centres + noise; unstructured random vectors
 * would understate an ANN index's recall on real embeddings). Writes bench/store-ann.md and
 * bench/results/store-ann.json.   npx tsx bench/store-ann.ts [--sizes 100000,1000000]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/random.ts';
import { openStore } from '../src/store/index.ts';
import { ANN_DIM as dim, clusteredVector as sample, fillClustered } from './ann-world.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const sizes = (args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : '100000,1000000').split(',').map(Number);
const efSearch = args.includes('--ef-search') ? Number(args[args.indexOf('--ef-search') + 1]) : undefined;
const root = new URL('..', import.meta.url).pathname;
const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

const rows = [];
for (const n of sizes) {
  const dir = mkdtempSync(join(tmpdir(), 'store-ann-'));
  const file = join(dir, 'store.db');
  const space = { identity: 'bench', dim, modelName: 'bench' };
  const store = openStore(file, { space, synchronous: 'NORMAL', ann: { expansionSearch: efSearch } });
  const gen = new Rng(n);
  fillClustered(store, n, gen);
  const queries = Array.from({ length: 100 }, () => sample(new Rng(gen.nextU32())));
  let t0 = performance.now();
  store.search(queries[0], { k: 10 });
  const buildS = (performance.now() - t0) / 1000;
  // Steady state: the first queries after a build fault the fresh graph pages in.
  for (const q of queries.slice(0, 20)) store.search(q, { k: 10 });
  const lat: number[] = [],
    latAudio: number[] = [];
  for (const q of queries) {
    t0 = performance.now();
    store.search(q, { k: 10 });
    lat.push(performance.now() - t0);
  }
  for (const q of queries) {
    t0 = performance.now();
    store.search(q, { k: 10, modalities: ['audio'] });
    latAudio.push(performance.now() - t0);
  }
  const exact = openStore(file, { space, ann: false, readonly: true });
  let found = 0;
  const exactLat: number[] = [];
  for (const q of queries.slice(0, 30)) {
    t0 = performance.now();
    const want = new Set(exact.search(q, { k: 10 }).map((h) => h.id));
    exactLat.push(performance.now() - t0);
    found += store.search(q, { k: 10 }).filter((h) => want.has(h.id)).length;
  }
  const row = {
    n,
    build_s: buildS,
    p50_ms: pct(lat, 0.5),
    p99_ms: pct(lat, 0.99),
    audio_p50_ms: pct(latAudio, 0.5),
    audio_p99_ms: pct(latAudio, 0.99),
    recall_at_10: found / 300,
    exact_p50_ms: pct(exactLat, 0.5),
  };
  console.error(JSON.stringify(row));
  rows.push(row);
  store.close();
  exact.close();
  rmSync(dir, { recursive: true, force: true });
}
const machine = machineInfo();
writeFileSync(
  join(root, 'bench/results/store-ann.json'),
  `${JSON.stringify({ benchmark: 'store-ann', machine, dim, rows }, null, 2)}\n`,
);
writeFileSync(
  join(root, 'bench/store-ann.md'),
  [
    '# Vector store: HNSW (usearch) vs exact search, 1024-d, k = 10',
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores; ${machine.date.slice(0, 10)}. Reproduce: \`npx tsx bench/store-ann.ts\`.`,
    'Clustered synthetic vectors (2 000 centres + noise), 10% in the `audio` modality. Build = first search after the inserts (graphs built from SQLite and saved beside it);',
    `later processes load the saved graphs. Latency over 100 queries after 20 warm-up queries; recall@10 over 30 queries against exact search on the same file. expansion_search ${efSearch ?? 'default (96)'}.`,
    '',
    '| vectors | graph build s | p50 ms | p99 ms | audio-only p50 / p99 ms | recall@10 | exact p50 ms |',
    '|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.n.toLocaleString('en')} | ${r.build_s.toFixed(1)} | ${r.p50_ms.toFixed(2)} | ${r.p99_ms.toFixed(2)} | ${r.audio_p50_ms.toFixed(2)} / ${r.audio_p99_ms.toFixed(2)} | ${r.recall_at_10.toFixed(3)} | ${r.exact_p50_ms.toFixed(0)} |`,
    ),
    '',
    'Target: p99 < 10 ms at 1M (exact search alone: see bench/store.md).',
    '',
  ].join('\n'),
);
