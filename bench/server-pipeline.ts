/**
 * Pipelining in the server: end-to-end files/s through the real HTTP server (multipart upload →
 * sniff → save → decode in the worker pool → dynamic batcher → huge vision encoder → SQLite, or
 * JSON base64 → vectors) next to the pure encoder throughput (preprocessed batch of 8, no I/O) on
 * the same machine, in alternating rounds so drifting load from other jobs hits both alike.
 * One image per request, `--concurrency` requests in flight (each value in turn), so batches are filled
 * across requests.
 * Every run records the CPU time other processes used meanwhile (machine busy time from /proc/stat
 * minus the server's and this process's), since a 2-core machine shared with other jobs skews timings.
 * Writes bench/server-pipeline.md and bench/results/server-pipeline.json; with --append the
 * measurement is added to the ones already in the JSON (each keeps its machine line and date);
 * --render rewrites the .md from the .json.
 *   npx tsx bench/server-pipeline.ts --model /tmp/imagebind-speed/huge-fp32 [--files 48] [--concurrency 16,24]
 *                                    [--rounds 2] [--endpoints items,embed] [--window-ms 5] [--workers N] [--append]
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stack } from '../src/core/tensor.ts';
import { ImageBind } from '../src/embed/imagebind.ts';
import { loadVisionFile } from '../src/preprocess/vision/index.ts';
import { spawnServer } from '../test/helpers/server.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const shared = process.env.IMAGEBIND_SHARED ?? join(root, '../shared');
const modelDir = flag('--model', '/tmp/imagebind-speed/huge-fp32');
const files = Number(flag('--files', '48'));
const concurrencies = flag('--concurrency', '16,24').split(',').map(Number);
const rounds = Number(flag('--rounds', '2'));
const endpoints = flag('--endpoints', 'items,embed').split(',') as Endpoint[];
const windowMs = flag('--window-ms', '5');
const workers = flag('--workers', '');
const BATCH = 8;
const ENCODER_RUNS = 3;
type Endpoint = 'items' | 'embed';

if (args.includes('--render')) {
  writeFileSync(
    join(root, 'bench/server-pipeline.md'),
    render(JSON.parse(readFileSync(join(root, 'bench/results/server-pipeline.json'), 'utf8')) as Json),
  );
  process.exit(0);
}
const names = ['dog_image.jpg', 'car_image.jpg', 'bird_image.jpg'];
const assets = names.map((n) => join(shared, 'reference/assets', n));
const bytes = assets.map((p) => new Uint8Array(readFileSync(p)));
const work = mkdtempSync(join(tmpdir(), 'server-pipeline-'));
const HZ = 100; // USER_HZ of /proc/stat and /proc/<pid>/stat on Linux

/** CPU seconds: the whole machine busy (not idle/iowait), the server process, and this process. */
function cpuNow(serverPid?: number): { machine: number; server: number; self: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const machine = (f.reduce((a, b) => a + b, 0) - f[3] - f[4]) / HZ;
  let server = 0;
  if (serverPid) {
    const st = readFileSync(`/proc/${serverPid}/stat`, 'utf8');
    const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
    server = (Number(fields[11]) + Number(fields[12])) / HZ; // utime, stime
  }
  const u = process.cpuUsage();
  return { machine, server, self: (u.user + u.system) / 1e6 };
}
/** CPU seconds other processes used between two readings. */
const othersCpu = (a: ReturnType<typeof cpuNow>, b: ReturnType<typeof cpuNow>) =>
  Math.max(0, b.machine - a.machine - (b.server - a.server) - (b.self - a.self));

// ---- the pure encoder: one preprocessed batch of 8, as bench/index-pipeline.ts measures it ----
const model = await ImageBind.load(modelDir, { batchSize: BATCH, threads: 2 });
const batch = stack(await Promise.all(Array.from({ length: BATCH }, (_, i) => loadVisionFile(assets[i % 3]))));
await model.embedTensor('vision', batch);
let serverPid: number | undefined;
async function encoderOnly(): Promise<{ items_per_s: number; others_cpu_s: number }> {
  const c0 = cpuNow(serverPid);
  const t0 = performance.now();
  for (let r = 0; r < ENCODER_RUNS; r++) await model.embedTensor('vision', batch);
  return {
    items_per_s: (ENCODER_RUNS * BATCH * 1000) / (performance.now() - t0),
    others_cpu_s: othersCpu(c0, cpuNow(serverPid)),
  };
}

// ---- the server: huge model, empty store in a temp dir, loopback ----
const serverArgs = [
  '--model',
  modelDir,
  '--db',
  join(work, 'index.db'),
  '--max-batch',
  String(BATCH),
  '--batch-window-ms',
  windowMs,
  '--max-queue',
  '1024',
  ...(workers ? ['--workers', workers] : []),
];
const server = await spawnServer(serverArgs, { timeoutMs: 600_000 });
serverPid = server.pid;

/** The vision batch-size histogram: sum, count and cumulative bucket counts (le 1, 2, 4, 8). */
async function batchHistogram(): Promise<{ sum: number; count: number; le: number[] }> {
  const t = await (await fetch(`${server.url}/metrics`)).text();
  const get = (re: RegExp) => Number(re.exec(t)?.[1] ?? 0);
  return {
    sum: get(/imagebind_batch_size_sum\{modality="vision"\} (\d+)/),
    count: get(/imagebind_batch_size_count\{modality="vision"\} (\d+)/),
    le: [1, 2, 4, 8].map((b) => get(new RegExp(`imagebind_batch_size_bucket\\{modality="vision",le="${b}"\\} (\\d+)`))),
  };
}

/** One request for file i; resolves when the server has answered, checking it embedded (and stored) the image. */
async function send(endpoint: Endpoint, i: number, tag: string): Promise<void> {
  const b = bytes[i % 3];
  let res: Response;
  if (endpoint === 'items') {
    const form = new FormData();
    form.append('image', new Blob([b], { type: 'image/jpeg' }), `${tag}-${String(i).padStart(4, '0')}.jpg`);
    res = await fetch(`${server.url}/v1/items`, { method: 'POST', body: form });
  } else {
    res = await fetch(`${server.url}/v1/embed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ image: [Buffer.from(b).toString('base64')] }),
    });
  }
  const body = (await res.json()) as { items?: unknown[]; vectors?: { vision?: unknown[] }; errors?: unknown[] };
  const ok =
    res.status === 200 &&
    (endpoint === 'items' ? body.items?.length === 1 : body.vectors?.vision?.[0]) &&
    !body.errors?.length;
  if (!ok) throw new Error(`${endpoint} ${i}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
}

interface Run {
  endpoint: Endpoint;
  concurrency: number;
  files_per_s: number;
  seconds: number;
  encoder_runs: number;
  mean_batch_rows: number;
  /** Encoder runs by rows: [1, 2, 3–4, 5–8]. */
  runs_by_rows?: number[];
  server_cpu_s?: number;
  others_cpu_s?: number;
  ratio: number;
  /** GET /healthz answered every 250 ms during the run: the slowest answer (is the event loop free?). */
  probe_max_ms?: number;
}
interface Round {
  round: number;
  encoder_items_per_s: number;
  encoder_others_cpu_s?: number;
  runs: Run[];
}

/** `files` requests, at most `concurrency` in flight; files/s from the first request to the last answer. */
async function serverRun(endpoint: Endpoint, concurrency: number, tag: string): Promise<Omit<Run, 'ratio'>> {
  const h0 = await batchHistogram();
  const c0 = cpuNow(serverPid);
  let next = 0;
  let done = false;
  let probeMax = 0;
  const probe = (async () => {
    while (!done) {
      const p0 = performance.now();
      await fetch(`${server.url}/healthz`);
      probeMax = Math.max(probeMax, performance.now() - p0);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < files) await send(endpoint, next++, tag);
      }),
    );
  } finally {
    done = true;
    await probe;
  }
  const seconds = (performance.now() - t0) / 1000;
  const c1 = cpuNow(serverPid);
  const h1 = await batchHistogram();
  const le = h1.le.map((v, i) => v - h0.le[i]);
  return {
    endpoint,
    concurrency,
    files_per_s: files / seconds,
    seconds,
    encoder_runs: h1.count - h0.count,
    mean_batch_rows: (h1.sum - h0.sum) / Math.max(1, h1.count - h0.count),
    runs_by_rows: [le[0], le[1] - le[0], le[2] - le[1], le[3] - le[2]],
    server_cpu_s: c1.server - c0.server,
    others_cpu_s: othersCpu(c0, c1),
    probe_max_ms: probeMax,
  };
}

// Warm-up: the server's first vision run at batch 8 allocates onnxruntime's arena.
await Promise.all(Array.from({ length: BATCH }, (_, i) => send('embed', i, 'warmup')));

const results: Round[] = [];
let stored: { items: unknown[] };
try {
  for (let r = 1; r <= rounds; r++) {
    const enc = await encoderOnly();
    const round: Round = {
      round: r,
      encoder_items_per_s: enc.items_per_s,
      encoder_others_cpu_s: enc.others_cpu_s,
      runs: [],
    };
    for (const c of concurrencies) {
      for (const e of endpoints) {
        const s = await serverRun(e, c, `r${r}c${c}`);
        round.runs.push({ ...s, ratio: s.files_per_s / enc.items_per_s });
      }
    }
    results.push(round);
    console.error(JSON.stringify(round));
  }
  stored = (await (await fetch(`${server.url}/v1/items?limit=1000`)).json()) as { items: unknown[] };
} finally {
  await server.stop();
}
await model.close();
rmSync(work, { recursive: true, force: true });

// ---- results: this measurement, plus the earlier ones with --append ----
interface Measurement {
  machine: ReturnType<typeof machineInfo>;
  command: string;
  server_args: string;
  items_stored: number;
  rounds: Round[];
}
const jsonPath = join(root, 'bench/results/server-pipeline.json');
const shownArgs = serverArgs.map((a) => (a.startsWith(work) ? '<tmp>/index.db' : a)).join(' ');
const command = `npx tsx bench/server-pipeline.ts --model <huge fp32 dir> --files ${files} --concurrency ${concurrencies.join(',')} --rounds ${rounds}${endpoints.join(',') !== 'items,embed' ? ` --endpoints ${endpoints.join(',')}` : ''}${windowMs !== '5' ? ` --window-ms ${windowMs}` : ''}${workers ? ` --workers ${workers}` : ''}`;
const current: Measurement = {
  machine: machineInfo(),
  command,
  server_args: shownArgs,
  items_stored: stored.items.length,
  rounds: results,
};
const earlier: Measurement[] =
  args.includes('--append') && existsSync(jsonPath)
    ? (JSON.parse(readFileSync(jsonPath, 'utf8')) as { measurements: Measurement[] }).measurements
    : [];
const measurements = [...earlier, current];
const json = {
  benchmark: 'server-pipeline',
  model: modelDir,
  files,
  max_batch: BATCH,
  batch_window_ms: Number(windowMs),
  workers: workers ? Number(workers) : `default (CPUs - 1 = ${Math.max(1, current.machine.cores - 1)})`,
  encoder_runs_per_round: ENCODER_RUNS,
  measurements,
};
writeFileSync(jsonPath, `${JSON.stringify(json, null, 2)}\n`);

writeFileSync(join(root, 'bench/server-pipeline.md'), render(json));

/** Ratios of the runs where other processes stayed under 5 % of the machine, and of the rest. */
function summary(ms: Measurement[]): string[] {
  const all = ms.flatMap((m) => m.rounds.flatMap((r) => r.runs.map((x) => ({ x, cores: m.machine.cores }))));
  const quiet = all
    .filter(({ x, cores }) => x.others_cpu_s !== undefined && x.others_cpu_s < 0.05 * x.seconds * cores)
    .map(({ x }) => x);
  const rest = all.map(({ x }) => x).filter((x) => !quiet.includes(x));
  const span = (xs: Run[], key: 'ratio' | 'files_per_s') =>
    `${Math.min(...xs.map((x) => x[key])).toFixed(key === 'ratio' ? 2 : 3)}–${Math.max(...xs.map((x) => x[key])).toFixed(key === 'ratio' ? 2 : 3)}`;
  const enc = ms.flatMap((m) => m.rounds.map((r) => r.encoder_items_per_s));
  const out = [
    `- Encoder only: ${Math.min(...enc).toFixed(3)}–${Math.max(...enc).toFixed(3)} items/s over ${enc.length} rounds.`,
  ];
  if (quiet.length)
    out.push(
      `- **Runs with other processes under 5 % of the CPU (${quiet.length}): end to end ${span(quiet, 'files_per_s')} files/s, ratio ${span(quiet, 'ratio')} (target ≥ 0.85)**, ${[...new Set(quiet.map((x) => x.endpoint))].join(' and ')}, ${[...new Set(quiet.map((x) => x.concurrency))].join(' and ')} in flight; mean ${(quiet.reduce((a, x) => a + x.mean_batch_rows, 0) / quiet.length).toFixed(1)} rows per encoder run.`,
    );
  if (rest.length)
    out.push(
      `- Other runs (${rest.length}: busier machine or no CPU accounting): ratio ${rest.map((x) => x.ratio.toFixed(2)).join(', ')}.`,
    );
  return out;
}

/** The slow runs (ratio < 0.95) and what else the machine was doing meanwhile. */
function outliers(ms: Measurement[]): string[] {
  const slow = ms.flatMap((m, k) =>
    m.rounds.flatMap((r) =>
      r.runs
        .filter((x) => x.ratio < 0.95)
        .map((x) => {
          const cpu =
            x.others_cpu_s === undefined
              ? 'no CPU accounting in that measurement'
              : `other processes used ${x.others_cpu_s.toFixed(1)} of ${(x.seconds * m.machine.cores).toFixed(0)} CPU-s`;
          return `measurement ${k + 1} round ${r.round} ${x.endpoint} (${x.concurrency} in flight): ratio ${x.ratio.toFixed(2)}, ${x.seconds.toFixed(0)} s, ${x.encoder_runs} encoder runs, ${cpu}`;
        }),
    ),
  );
  if (slow.length === 0) return [];
  return [
    '- Slow runs (ratio < 0.95) and what else ran meanwhile; a run as slow with as many encoder runs as its neighbours means',
    '  the server lost CPU to other processes on the 2-core machine, not that it pipelined worse:',
    ...slow.map((x) => `  - ${x}.`),
  ];
}

type Json = { files: number; encoder_runs_per_round: number; measurements: Measurement[] };

/** The markdown page, from the JSON alone (so --render can redo it). */
function render(j: Json): string {
  const last = j.measurements[j.measurements.length - 1];
  const { command, server_args: shownArgs } = last;
  const { files, measurements } = j;
  const ENCODER_RUNS = j.encoder_runs_per_round;
  const label: Record<Endpoint, string> = {
    items: '`POST /v1/items` multipart → stored',
    embed: '`POST /v1/embed` JSON base64 → vectors',
  };
  const f = (x: number | undefined, d: number) => (x === undefined ? '–' : x.toFixed(d));
  const table = (m: Measurement, k: number) => [
    `### Measurement ${k + 1} (finished ${m.machine.date.slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Machine: ${m.machine.cpu}, ${m.machine.cores} cores, ${m.machine.memory_gib} GiB, Node ${m.machine.node}, onnxruntime-node ${m.machine.onnxruntime}. Command: \`${m.command}\`.`,
    '',
    "| round | encoder only (items/s) | endpoint | requests in flight | end to end (files/s) | ratio | encoder runs by rows (1 / 2 / 3–4 / 5–8) | mean rows | slowest /healthz ms | server CPU s | other processes' CPU s (encoder-only ; this run) |",
    '|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---|',
    ...m.rounds.flatMap((r) =>
      r.runs.map(
        (x) =>
          `| ${r.round} | ${r.encoder_items_per_s.toFixed(3)} | ${label[x.endpoint]} | ${x.concurrency} | ${x.files_per_s.toFixed(3)} | **${x.ratio.toFixed(2)}** | ${x.runs_by_rows ? x.runs_by_rows.join(' / ') : `${x.encoder_runs} runs`} | ${x.mean_batch_rows.toFixed(1)} | ${f(x.probe_max_ms, 0)} | ${f(x.server_cpu_s, 1)} | ${f(r.encoder_others_cpu_s, 1)} ; ${f(x.others_cpu_s, 1)} of ${(x.seconds * m.machine.cores).toFixed(0)} |`,
      ),
    ),
    '',
    `Items stored at the end: ${m.items_stored}; lowest ratio ${Math.min(...m.rounds.flatMap((r) => r.runs.map((x) => x.ratio))).toFixed(2)}.`,
    '',
  ];
  return [
    '# Pipelining in the server: end to end vs the pure encoder (huge vision, fp32, batch 8, 2 threads)',
    '',
    `Reproduce: \`${command}\` (the random-weight huge model of [speed.md](speed.md); \`--append\` keeps earlier measurements).`,
    '',
    `The real server (\`imagebind serve ${shownArgs}\`) on 127.0.0.1 with an empty store, started as a child process.`,
    `The client sends ${files} copies of the official example JPEGs (640×848, 640×360, 640×855), **one image per request**, with a`,
    'fixed number of requests in flight, so the dynamic batcher has to fill its runs of 8 from concurrent requests while the',
    'preprocessing worker decodes the next images. files/s runs from the first request to the last answer. "encoder only" is',
    `${ENCODER_RUNS} runs of an already preprocessed batch of 8 (after a warm-up) in the benchmark process, as [index-pipeline.md](index-pipeline.md)`,
    'measures it, with the server idle; rounds alternate the two, so drifting load hits both alike. The last column is the CPU',
    'time other processes (not the server, not the benchmark) used meanwhile, out of cores × wall seconds: the machine is shared.',
    '',
    '## Summary',
    '',
    ...summary(measurements),
    '',
    '## Notes',
    '',
    '- **Measurements 1–2: the encoder held the main thread.** onnxruntime-node runs a session synchronously on the calling thread (its `run`',
    '  is a `setImmediate` around the native call), so while the server encoded a batch (~6 s for 8 huge images here) its event',
    '  loop read no request, wrote no response and received no decoded image from the worker. Two changes in src/server',
    '  make batches fill anyway: the preprocessing pool posts up to ⌈max-batch / workers⌉ jobs ahead to each worker (which',
    '  decodes them one at a time), so a batch worth of images is decoded while the encoder runs; and after a run the batcher',
    '  flushes on the next `setImmediate`, after the poll phase has submitted the rows decoded meanwhile, not before it. Before',
    '  them (commit 89db6d2) the same benchmark ran **1.0 row per encoder run** (one decode per worker per run), at ratios',
    '  0.97–1.01 (16 in flight): huge vision on this CPU runs batch 1 almost as fast per item as batch 8 (1.26 vs 1.30',
    '  items/s in speed.md), so throughput hid it; on hardware where batching pays, it would not have.',
    '- In measurements 1–2 runs of 1–2 rows remained: the first of each series (the first decoded image waits only the 5 ms',
    '  window), and a few where the loop came back from a run with no image decoded yet. With the encoder off the main thread',
    '  (measurement 3) requests are read during runs, and only the first run of each series is short: 1 + 6 runs of 5–8 rows.',
    '- **From measurement 3 the server runs its encoders off the main thread** (runtime/session-thread-proxy.ts: one thread per',
    '  encoder in measurement 3, one shared host thread from measurement 4), so the event',
    '  loop stays free during a run: the "slowest /healthz" column (a probe every 250 ms during the run) shows how long any',
    '  request waited. In measurements 1–2 (no probe yet) a probe would have waited for the whole ~6 s run.',
    ...outliers(measurements),
    '',
    ...measurements.flatMap(table),
  ].join('\n');
}

console.log(JSON.stringify(results));
