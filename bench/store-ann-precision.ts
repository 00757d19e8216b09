/**
 * Issue 15, item 3: the ANN index at 1M × 1024-d vectors with f32, f16 and i8 graphs. For each
 * precision one process builds the graphs from the store and saves them (build time, its peak RSS);
 * then a fresh search-only process (what `imagebind search` or `serve` is) loads them and answers
 * 20 warm-up and 100 timed queries (p50/p99) and 30 recall queries against exact search computed
 * beforehand in another process; its peak RSS is the figure that says whether an index fits. Same
 * clustered vectors as bench/store-ann.ts (2 000 centres + noise, 10% audio).
 *
 *   nice -n 10 npx tsx bench/store-ann-precision.ts [--n 1000000] [--dir /tmp/imagebind-ann1m] [--precisions f32,f16,i8]
 * Writes bench/store-ann-precision.md and bench/results/store-ann-precision.json.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../src/core/random.ts';
import { type AnnIndex, RERANK, type VectorPrecision, openStore } from '../src/store/index.ts';
import { ANN_DIM, clusteredVector as sample, fillClustered } from './ann-world.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1] : d);
const n = Number(flag('--n', '1000000'));
const dir = flag('--dir', '/tmp/imagebind-ann1m');
const precisions = flag('--precisions', 'f32,f16,i8').split(',') as VectorPrecision[];
// Search settings tried on each built index, as expansion_search:rescore factor (the factor only
// matters for f16 and i8; "-" is the precision's default).
const sweep = flag('--sweep', '384:-,1024:-').split(',');
// Graph settings for the build (default: the index's own per precision).
const buildFlags = ['--connectivity', '--expansion-add'].flatMap((f) => (args.includes(f) ? [f, flag(f, '')] : []));
const child = flag('--child', '');
// --tag X writes results/store-ann-precision-X.json only (precisions built in parallel, in copies of
// the store); --merge a,b,c writes the report from those tagged files.
const tag = flag('--tag', '');
const merge = flag('--merge', '');
const dim = ANN_DIM;
const file = join(dir, 'store.db');
const space = { identity: 'bench', dim, modelName: 'bench' };
const root = new URL('..', import.meta.url).pathname;

const queryRng = new Rng(99);
const queries = Array.from({ length: 150 }, () => sample(new Rng(queryRng.nextU32())));
const pct = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const peakMiB = () => process.resourceUsage().maxRSS / 1024;
/**
 * Anonymous resident memory (the graphs, the heap): peak RSS also counts the SQLite file pages the
 * store maps (mmap, up to 2 GiB), which exact re-scoring touches and the kernel can drop at will.
 */
const anonMiB = () => Number(/RssAnon:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024;

/** One phase in a fresh process, so its peak RSS is its own; returns the JSON it prints. */
function phase(name: string, extra: string[] = []): Record<string, unknown> {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', new URL(import.meta.url).pathname, '--child', name, '--n', String(n), '--dir', dir, ...extra],
    { encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`phase ${name} failed (${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

function fill(): void {
  const store = openStore(file, { space, synchronous: 'NORMAL', ann: false });
  fillClustered(store, n, new Rng(n), (at) => {
    if (at % 100_000 === 0) console.error(`filled ${at}`);
  });
  store.close();
}

if (child === 'fill') {
  fill();
  console.log(JSON.stringify({ ok: true }));
} else if (child === 'exact') {
  const store = openStore(file, { space, ann: false, readonly: true });
  const truth = queries.slice(100).map((q) => store.search(q, { k: 10 }).map((h) => h.id));
  console.log(JSON.stringify({ truth }));
} else if (child === 'build') {
  const precision = flag('--precision', 'f32') as VectorPrecision;
  rmSync(`${file}.ann`, { recursive: true, force: true });
  const t0 = performance.now();
  const connectivity = flag('--connectivity', '');
  const expansionAdd = flag('--expansion-add', '');
  const store = openStore(file, {
    space,
    ann: {
      precision,
      ...(connectivity ? { connectivity: Number(connectivity) } : {}),
      ...(expansionAdd ? { expansionAdd: Number(expansionAdd) } : {}),
    },
  });
  store.search(queries[0], { k: 10 });
  const buildS = (performance.now() - t0) / 1000;
  const graph = store.index as AnnIndex;
  store.close();
  const graphBytes = readdirSync(`${file}.ann`)
    .filter((f) => f.endsWith('.usearch'))
    .reduce((a, f) => a + statSync(join(`${file}.ann`, f)).size, 0);
  console.log(
    JSON.stringify({
      build_s: buildS,
      build_peak_rss_mib: peakMiB(),
      graph_mib: graphBytes / 2 ** 20,
      connectivity: graph.settings.connectivity,
      expansion_add: graph.settings.expansionAdd,
    }),
  );
} else if (child === 'search') {
  const truth = JSON.parse(flag('--truth', '[]')) as number[][];
  const rssStart = peakMiB();
  const t0 = performance.now();
  // No precision given: the search process takes the one the build recorded, as `imagebind search` would.
  const expansion = flag('--expansion', '');
  const rescore = flag('--rescore', '');
  const store = openStore(file, {
    space,
    readonly: true,
    ann: {
      ...(expansion ? { expansionSearch: Number(expansion) } : {}),
      ...(rescore ? { rescoreFactor: Number(rescore) } : {}),
    },
  });
  store.search(queries[0], { k: 10 });
  const loadS = (performance.now() - t0) / 1000;
  let anon = anonMiB();
  for (const q of queries.slice(0, 20)) store.search(q, { k: 10 });
  const lat: number[] = [];
  for (const q of queries.slice(0, 100)) {
    const s = performance.now();
    store.search(q, { k: 10 });
    lat.push(performance.now() - s);
    anon = Math.max(anon, anonMiB());
  }
  let found = 0;
  for (const [i, q] of queries.slice(100, 100 + truth.length).entries()) {
    const want = new Set(truth[i]);
    found += store.search(q, { k: 10 }).filter((h) => want.has(h.id)).length;
  }
  // Measured before the diagnostic below, which reads vectors through SQLite's mmap.
  const stats = { ...(store.index as AnnIndex).stats };
  const peakRss = peakMiB();
  const peakAnon = Math.max(anon, anonMiB());
  // Graph quality: the share of sampled items whose own vector finds them in the top 10 (an HNSW node
  // that lost every inbound link to pruning is never found, whatever expansion_search is).
  let selfFound = 0;
  let sampled = 0;
  for (let id = 1; id <= n; id += 997) {
    const v = store.index.get(id);
    if (!v) continue;
    sampled++;
    if (store.search(v, { k: 10 }).some((h) => h.id === id)) selfFound++;
  }
  store.close();
  console.log(
    JSON.stringify({
      load_s: loadS,
      p50_ms: pct(lat, 0.5),
      p99_ms: pct(lat, 0.99),
      recall_at_10: found / (10 * truth.length),
      search_peak_rss_mib: peakRss,
      search_peak_anon_mib: peakAnon,
      expansion_search: expansion ? Number(expansion) : 384,
      rescore_factor: rescore ? Number(rescore) : null,
      self_found: selfFound / sampled,
      rescored_from_file: stats.rescoredFromFile,
      rescored_from_sqlite: stats.rescoredFromStore,
      node_baseline_rss_mib: rssStart,
      load_avg: loadavg()[0],
    }),
  );
} else if (merge) {
  const parts = merge.split(',').map(
    (t) =>
      JSON.parse(readFileSync(join(root, `bench/results/store-ann-precision-${t}.json`), 'utf8')) as {
        rows: Record<string, unknown>[];
        db_mib: number;
      },
  );
  report(
    parts.flatMap((p) => p.rows),
    parts[0].db_mib,
  );
} else {
  mkdirSync(dir, { recursive: true });
  if (!existsSync(file)) {
    console.error(`filling ${n} vectors into ${file} ...`);
    phase('fill');
  }
  const dbMiB = statSync(file).size / 2 ** 20;
  const truthFile = join(dir, `truth-${n}.json`);
  if (!existsSync(truthFile)) writeFileSync(truthFile, JSON.stringify(phase('exact').truth));
  const truth = readFileSync(truthFile, 'utf8');
  const rows: Record<string, unknown>[] = [];
  for (const precision of precisions) {
    console.error(`${precision}: building ...`);
    // --reuse-build '<the build JSON>': search the graphs already saved (built with those settings).
    const reused = flag('--reuse-build', '');
    const build = reused
      ? (JSON.parse(reused) as Record<string, unknown>)
      : phase('build', ['--precision', precision, ...buildFlags]);
    console.error(`${precision}: ${JSON.stringify(build)}; searching ...`);
    // f32 graphs re-score nothing: one search per expansion_search.
    const settings = precision === 'f32' ? [...new Set(sweep.map((x) => `${x.split(':')[0]}:-`))] : sweep;
    for (const setting of settings) {
      const [ef, factor] = setting.split(':');
      const extra = ['--truth', truth, '--expansion', ef, ...(factor === '-' ? [] : ['--rescore', factor])];
      const search = phase('search', extra);
      const row: Record<string, unknown> = { precision, n, ...build, ...search };
      if (precision !== 'f32' && row.rescore_factor === null) row.rescore_factor = RERANK[precision];
      console.error(JSON.stringify(row));
      rows.push(row);
      report(rows, dbMiB); // after each search: a run cut short still leaves what it measured
    }
  }
  console.error('wrote bench/store-ann-precision.md');
}

function report(rows: Record<string, unknown>[], dbMiB: number): void {
  const machine = machineInfo();
  writeFileSync(
    join(root, `bench/results/store-ann-precision${tag ? `-${tag}` : ''}.json`),
    `${JSON.stringify({ benchmark: 'store-ann-precision', machine, dim, db_mib: dbMiB, rows }, null, 2)}\n`,
  );
  if (tag) return;
  const f32 = rows.find((r) => r.precision === 'f32');
  const fmt = (v: unknown, d: number) => (typeof v === 'number' ? v.toFixed(d) : '–');
  writeFileSync(
    join(root, 'bench/store-ann-precision.md'),
    [
      `# ANN index precision at ${n.toLocaleString('en')} × ${dim}-d vectors: f32, f16, i8`,
      '',
      `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib} GiB; Node ${machine.node}; ${machine.date.slice(0, 10)}. ` +
        `Reproduce: \`nice -n 10 npx tsx bench/store-ann-precision.ts\`. The SQLite file holds ${dbMiB.toFixed(0)} MiB.`,
      'Clustered synthetic vectors (2 000 centres + noise, 10% `audio`), k = 10. For each precision and graph setting one process builds ' +
        'and saves the graphs; then fresh search-only processes load them (they name no precision: they use the one the build recorded, as `imagebind search` does), ' +
        'each answering 20 warm-up and 100 timed queries, then 50 recall queries against exact search (computed in another process). ' +
        'f16 and i8 searches take (re-score factor) × k candidates from the graph and score them exactly from the float32 vectors file beside the graphs (`vectors-*.f32`, one pread per candidate). ' +
        "Peak RSS is sampled before the diagnostic column 'items found by their own vector', which searches with 1 in 997 stored vectors (read through SQLite) for their own item.",
      '',
      '**Load caveat.** The 2 cores are shared with other work (1-minute load average at the end of each search phase in the last column), so latencies and build seconds vary between rows. ' +
        (merge ? 'Rows come from several runs on the same store file (`--tag`, merged with `--merge`).' : ''),
      '',
      '| precision | connectivity / expansion_add | expansion_search | re-score factor | graph build s | graphs on disk MiB | search peak RSS MiB | ÷ f32 | search peak anonymous MiB | ÷ f32 | load s | p50 ms | p99 ms | recall@10 | items found by their own vector | load avg |',
      '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map((r) => {
        const base = rows.find((x) => x.precision === 'f32' && x.expansion_search === r.expansion_search) ?? f32;
        const ratio = (key: string) =>
          base && typeof base[key] === 'number' ? fmt((r[key] as number) / (base[key] as number), 2) : '–';
        const graph = `${r.connectivity ?? 16} / ${r.expansion_add ?? 64}`;
        return `| ${r.precision} | ${graph} | ${r.expansion_search ?? 384} | ${r.rescore_factor ?? '–'} | ${fmt(r.build_s, 0)} | ${fmt(r.graph_mib, 0)} | ${fmt(r.search_peak_rss_mib, 0)} | ${ratio('search_peak_rss_mib')} | ${fmt(r.search_peak_anon_mib, 0)} | ${ratio('search_peak_anon_mib')} | ${fmt(r.load_s, 1)} | ${fmt(r.p50_ms, 2)} | ${fmt(r.p99_ms, 2)} | ${fmt(r.recall_at_10, 3)} | ${fmt(r.self_found, 3)} | ${fmt(r.load_avg, 1)} |`;
      }),
      '',
      "Target: i8 keeps recall@10 ≥ 0.95 at ≤ 1/3 of the f32 index's search-process RSS.",
      '',
    ].join('\n'),
  );
}
