/**
 * Issue 11's server, store and CLI reproductions, measured before (a checkout of 434ec93) and after
 * (this checkout): each case's answer (HTTP status or exit code), time, the process's peak RSS
 * above its level before the case, and whether /healthz kept answering. "Before" runs are bounded
 * by a deadline and an RSS cap; a killed run says so. Writes bench/results/robustness-server.json
 * and the server section of bench/robustness.md.
 *   git worktree add /tmp/before-server 434ec93 && ln -s $PWD/node_modules /tmp/before-server/
 *   IMAGEBIND_BEFORE=/tmp/before-server nice npx tsx bench/robustness-server.ts   (--report-only: markdown from the JSON)
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { seededVector } from '../test/helpers/store.ts';
import { machineInfo } from './machine.ts';
import { rawRequest } from '../test/helpers/http.ts';
import { cpuSeconds, rssBytes, runCliMeasured, watch } from './robustness-probe.ts';
import { writeReport } from './robustness-report.ts';

const here = new URL('..', import.meta.url).pathname;
const shared = process.env.IMAGEBIND_SHARED ?? join(here, '../shared');
const asset = (n: string) => join(shared, 'reference', 'assets', n);
const BEFORE = process.env.IMAGEBIND_BEFORE ?? '/tmp/before-server';
const RSS_CAP = 4 * 2 ** 30;
const MB = 2 ** 20;

interface Variant {
  readonly name: 'before' | 'after';
  readonly repo: string;
  readonly commit: string;
}

export interface Result {
  /** HTTP status or exit code (or "killed"). */
  readonly answer: string;
  readonly ms: number;
  readonly extraRssMb: number;
  /** "ok (slowest N ms)", "N of M failed", or "-" for CLI cases. */
  readonly healthz: string;
  readonly note: string;
}

export interface Case {
  readonly item: string;
  readonly name: string;
  readonly results: Partial<Record<Variant['name'], Result>>;
}

interface Server {
  readonly url: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

function startServer(v: Variant, args: readonly string[]): Promise<Server> {
  const child = spawn(process.execPath, [join(v.repo, 'bin/imagebind.js'), 'serve', '--port', '0', ...args], {
    cwd: v.repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)\n/.exec(out);
      if (m) resolve({ url: m[1], pid: child.pid!, child });
    });
    child.once('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
}

async function stop(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const t = setTimeout(() => s.child.kill('SIGKILL'), 20_000);
  await new Promise((r) => s.child.once('exit', r));
  clearTimeout(t);
}

/** What an answer says, in a few words: the error code and message, or what came back. */
function summarise(body: string): string {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    const e = j.error as { code?: string; message?: string } | string | undefined;
    if (typeof e === 'string') return e.slice(0, 150);
    if (e) return `${e.code}: ${e.message}`.slice(0, 150);
    if (j.vectors) {
      const errs = (j.errors as { code: string; message: string }[] | undefined) ?? [];
      return errs.length ? `per-item error ${errs[0].code}: ${errs[0].message}`.slice(0, 150) : 'vectors returned';
    }
    if (Array.isArray(j.items))
      return `${j.items.length} items indexed, ${(j.errors as unknown[] | undefined)?.length ?? 0} per-path errors${j.pruned !== undefined ? `, ${j.pruned} pruned` : ''}`;
    if (j.model) return 'answered (the model and index info)';
    return body.slice(0, 150);
  } catch {
    return body.slice(0, 150);
  }
}

const healthz = (w: { probes: number; probeFailures: number; slowestProbeMs: number }) =>
  w.probeFailures
    ? `${w.probeFailures} of ${w.probes} failed`
    : `ok (${w.probes} probes, slowest ${w.slowestProbeMs.toFixed(0)} ms)`;

/** One HTTP case against a running server, bounded by `deadlineMs`. */
async function http(
  s: Server,
  path: string,
  init: RequestInit & { headers?: Record<string, string> },
  deadlineMs = 60_000,
): Promise<{ r: Result; body: string; status: number }> {
  const t0 = performance.now();
  const { value, w } = await watch(s.pid, s.url, async () => {
    try {
      const res = await fetch(s.url + path, { ...init, signal: AbortSignal.timeout(deadlineMs) });
      return { status: res.status, body: await res.text() };
    } catch (e) {
      const alive = s.child.exitCode === null && s.child.signalCode === null;
      return { status: 0, body: alive ? `no answer within ${deadlineMs / 1000} s` : `server died (${String(e)})` };
    }
  });
  const ms = performance.now() - t0;
  return {
    status: value.status,
    body: value.body,
    r: {
      answer: value.status ? String(value.status) : value.body,
      ms,
      extraRssMb: w.extraRss / MB,
      healthz: healthz(w),
      note: summarise(value.body),
    },
  };
}

async function itemTotal(s: Server): Promise<number> {
  return ((await (await fetch(`${s.url}/v1/info`)).json()) as { items: { total: number } }).items.total;
}

async function serverCases(v: Variant, work: string, add: (item: string, name: string, r: Result) => void) {
  const root = join(work, 'root');
  mkdirSync(root, { recursive: true });
  copyFileSync(asset('dog_image.jpg'), join(root, 'dog.jpg'));
  symlinkSync(join(root, 'loop.jpg'), join(root, 'loop.jpg'));
  const open = await startServer(v, ['--db', join(work, 'open.db'), '--root', root]);
  try {
    // fetch sets Host itself; node:http sends the one given.
    const t0 = performance.now();
    const rebound = await rawRequest(open.url, {
      path: '/v1/info',
      headers: { host: `rebind.attacker.example:${new URL(open.url).port}` },
    });
    add('5', 'Host: rebind.attacker.example (DNS rebinding)', {
      answer: String(rebound.status),
      ms: performance.now() - t0,
      extraRssMb: 0,
      healthz: '-',
      note: summarise(rebound.body),
    });
    const before = await itemTotal(open);
    const form = new FormData();
    form.append('image', new Blob([readFileSync(asset('dog_image.jpg'))]), 'dog.jpg');
    const xs = await http(open, '/v1/items', {
      method: 'POST',
      body: form,
      headers: { origin: 'https://evil.example' },
    });
    add('5', 'cross-site multipart POST /v1/items (Origin: https://evil.example)', {
      ...xs.r,
      note: `indexed: ${(await itemTotal(open)) - before} items. ${xs.r.note}`,
    });
    const big = JSON.stringify({ text: ['a'.repeat(30_000_000)] });
    add(
      '6',
      '30 MB text string to /v1/embed',
      (await http(open, '/v1/embed', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } })).r,
    );
    add(
      '14',
      'POST /vectorize {"texts":[',
      (
        await http(open, '/vectorize', {
          method: 'POST',
          body: '{"texts":[',
          headers: { 'content-type': 'application/json' },
        })
      ).r,
    );
    add(
      '14',
      'POST /v1/embed with a "__proto__" key',
      (
        await http(open, '/v1/embed', {
          method: 'POST',
          body: '{"text":["a"],"__proto__":{"x":1}}',
          headers: { 'content-type': 'application/json' },
        })
      ).r,
    );
    const cut = new FormData();
    cut.append('image', new Blob([readFileSync(asset('dog_image.jpg')).subarray(0, 300)]), 'cut.jpg');
    const leak = await http(open, '/v1/embed', { method: 'POST', body: cut });
    add('15', 'truncated upload: error message names a server path?', {
      ...leak.r,
      note: `${/\/tmp\/|imagebind-srv-/.test(leak.body) ? 'LEAKS a temp path' : 'no server path'}: ${leak.r.note}`,
    });
    const ask = (p: string) =>
      http(open, '/v1/items', {
        method: 'POST',
        body: JSON.stringify({ paths: [p] }),
        headers: { 'content-type': 'application/json' },
      });
    const [e1, e2] = [await ask('/etc/passwd'), await ask('/etc/no-such-file')];
    add('15', '/etc/passwd vs /etc/no-such-file (existence oracle)', {
      ...e1.r,
      answer: `${e1.status} vs ${e2.status}`,
      note: e1.status === e2.status && e1.body === e2.body ? 'same answer' : 'DIFFERENT answers: existence leaks',
    });
    add('9', 'POST /v1/items on a root holding a symlink loop', (await ask(root)).r);
    // A multipart body without Content-Length (chunked): 3 files of 30 MB.
    const chunked = new FormData();
    for (let i = 0; i < 3; i++) chunked.append('image', new Blob([Buffer.alloc(30 * MB, i)]), `big${i}.jpg`);
    // One Response gives both the stream and its boundary; a stream body is sent chunked.
    const encoded = new Response(chunked);
    const mp = await http(open, '/v1/embed', {
      method: 'POST',
      body: encoded.body,
      headers: { 'content-type': encoded.headers.get('content-type')! },
      duplex: 'half',
    } as RequestInit & { duplex: string; headers: Record<string, string> });
    add('budget', 'chunked multipart, 3 × 30 MB files (no Content-Length)', mp.r);
  } finally {
    await stop(open);
  }
  const token = 'bench-token-0123456789';
  const guarded = await startServer(v, ['--db', join(work, 'guarded.db'), '--root', root, '--token', token]);
  try {
    const r = await http(guarded, '/v1/items', {
      method: 'POST',
      body: JSON.stringify({ paths: [join(root, 'dog.jpg')] }),
      headers: { 'content-type': 'application/json', cookie: `imagebind_token=${token}` },
    });
    add('5', 'with --token: a write authorised by the cookie alone', r.r);
  } finally {
    await stop(guarded);
  }
  const slow = await startServer(v, ['--db', join(work, 'slow.db'), '--workers', '1', '--request-timeout-ms', '1000']);
  try {
    const images = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: i * 5, g: 80, b: 160 } } })
          .jpeg({ quality: 40 })
          .toBuffer(),
      ),
    );
    const res = await http(slow, '/v1/embed', {
      method: 'POST',
      body: JSON.stringify({ image: images.map((b) => b.toString('base64')) }),
      headers: { 'content-type': 'application/json' },
    });
    const cpu0 = cpuSeconds(slow.pid);
    const t504 = performance.now();
    let busyMs = 0;
    for (;;) {
      const m = await (await fetch(`${slow.url}/metrics`)).text();
      const sum = [
        'imagebind_preprocess_busy_workers',
        'imagebind_preprocess_queue_depth',
        'imagebind_batch_queue_depth',
      ]
        .map((n) =>
          [...m.matchAll(new RegExp(`^${n}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, x) => a + Number(x[1]), 0),
        )
        .reduce((a, b) => a + b, 0);
      busyMs = performance.now() - t504;
      if (sum === 0 || busyMs > 120_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    add('7', '40 large JPEGs, --request-timeout-ms 1000: work after the 504', {
      ...res.r,
      note: `still working ${(busyMs / 1000).toFixed(1)} s after the answer, ${(cpuSeconds(slow.pid) - cpu0).toFixed(1)} CPU s`,
    });
  } finally {
    await stop(slow);
  }
}

function cliResult(r: Awaited<ReturnType<typeof runCliMeasured>>, base: number, note: string): Result {
  return {
    answer: r.killed ?? (r.signal ? `signal ${r.signal}` : `exit ${r.code}`),
    ms: r.ms,
    extraRssMb: Math.max(0, r.peakRss - base) / MB,
    healthz: '-',
    note: `${note}${r.code !== 0 ? ` ${r.stderr.trim().split('\n')[0]?.slice(0, 140) ?? ''}` : ''}`.trim(),
  };
}

async function cliCases(v: Variant, work: string, add: (item: string, name: string, r: Result) => void) {
  const bin = join(v.repo, 'bin/imagebind.js');
  const run = (args: string[], timeoutMs = 300_000) =>
    runCliMeasured(bin, args, { cwd: v.repo, timeoutMs, rssCap: RSS_CAP });
  // What a command costs with nothing hostile in it: the baseline for "extra RSS".
  const base = (await run(['embed', '--text', 'a dog', '--output', join(work, 'base.json')])).peakRss;
  add(
    '13',
    'embed --text with 100 KB of text',
    cliResult(
      await run(['embed', '--text', 'a dog '.repeat(17_000).slice(0, 100_000), '--output', join(work, 't.json')]),
      base,
      '',
    ),
  );
  const many = join(work, 'many');
  mkdirSync(many);
  const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#468' } })
    .png()
    .toBuffer();
  const files = Array.from({ length: 1500 }, (_, i) =>
    join(many, `photo_${String(i).padStart(4, '0')}_from_the_holiday.png`),
  );
  for (const f of files) writeFileSync(f, png);
  add(
    '13',
    'embed with 1,500 files (~90 KB of arguments)',
    cliResult(await run(['embed', ...files, '--output', join(work, 'm.json')]), base, ''),
  );
  const media = join(work, 'media');
  mkdirSync(media);
  for (const n of ['dog', 'car', 'bird']) copyFileSync(asset(`${n}_image.jpg`), join(media, `${n}.jpg`));
  symlinkSync(join(media, 'loop.jpg'), join(media, 'loop.jpg'));
  const db = join(work, 'cli.db');
  const first = await run(['index', media, '--db', db, '--json']);
  add(
    '9',
    'index a folder holding a symlink loop',
    cliResult(first, base, first.code === 0 ? `found ${(JSON.parse(first.stdout) as { found: number }).found}` : ''),
  );
  rmSync(join(media, 'loop.jpg'));
  if (first.code !== 0) await run(['index', media, '--db', db]);
  rmSync(join(media, 'car.jpg'));
  const again = await run(['index', media, '--db', db, '--json']);
  const s = await run(['search', '--db', db, '--image', asset('car_image.jpg'), '--json']);
  const stale = (JSON.parse(s.stdout || '[]') as { path: string }[]).some((h) => h.path.endsWith('car.jpg'));
  add(
    '8',
    're-index after deleting a file',
    cliResult(
      again,
      base,
      `${stale ? 'search STILL returns the deleted file' : 'deleted file gone from search'}; pruned: ${(JSON.parse(again.stdout || '{}') as { pruned?: number }).pruned ?? 'not reported'}`,
    ),
  );
  // Damage one key of the UNIQUE (path, modality) index, then index again.
  const { default: Database } = await import('better-sqlite3');
  const raw = new Database(db);
  const pages = raw
    .prepare("SELECT pageno FROM dbstat WHERE name = 'sqlite_autoindex_items_1'")
    .pluck()
    .all() as number[];
  const size = raw.pragma('page_size', { simple: true }) as number;
  raw.close();
  const bytes = readFileSync(db);
  for (const p of pages) {
    const at = bytes.subarray((p - 1) * size, p * size).indexOf(Buffer.from(join(media, 'dog.jpg')));
    if (at >= 0) bytes[(p - 1) * size + at + join(media, 'dog.jpg').length - 1] ^= 1;
  }
  writeFileSync(db, bytes);
  const damaged = await run(['index', media, '--db', db]);
  const check = new Database(db, { readonly: true });
  const dups = check
    .prepare("SELECT count(*) FROM items NOT INDEXED WHERE path LIKE '%dog.jpg'")
    .pluck()
    .get() as number;
  check.close();
  add(
    '10',
    'index on a store whose UNIQUE index has a flipped byte',
    cliResult(damaged, base, `dog.jpg stored ${dups} times`),
  );
}

async function annCase(v: Variant, work: string, add: (item: string, name: string, r: Result) => void) {
  const { ImageBind } = await import('../src/embed/imagebind.ts');
  const model = await ImageBind.load();
  const space = { identity: model.identity, dim: model.manifest.config.out_embed_dim, modelName: model.manifest.name };
  await model.close();
  const { openStore } = (await import(join(v.repo, 'src/store/index.ts'))) as typeof import('../src/store/index.ts');
  const db = join(work, 'ann.db');
  const store = openStore(db, { space, ann: false });
  for (let s = 0; s < 20_500; s += 5000)
    store.addItems(
      Array.from({ length: Math.min(5000, 20_500 - s) }, (_, j) => ({
        path: `/synthetic/${s + j}.png`,
        modality: 'vision' as const,
        vector: seededVector(s + j, space.dim),
        hash: String(s + j),
        mtime: 1,
        size: 1,
      })),
    );
  store.close();
  const media = join(work, 'ann-media');
  mkdirSync(media);
  const srv = await startServer(v, ['--db', db, '--root', media]);
  const search = (s: Server, id: number, modality: string) =>
    fetch(`${s.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queries: [{ itemId: id }], k: 1, modalities: [modality] }),
    }).then(async (r) => ((await r.json()) as { results: { id: number }[] }).results[0]?.id);
  await search(srv, 1, 'vision');
  for (const n of ['dog_image.jpg', 'dog_audio.wav', 'car_audio.wav']) copyFileSync(asset(n), join(media, n));
  const bin = join(v.repo, 'bin/imagebind.js');
  const t0 = performance.now();
  execFileSync(process.execPath, [bin, 'index', media, '--db', db], { cwd: v.repo, stdio: 'ignore' });
  const list = (s: Server) =>
    fetch(`${s.url}/v1/items?after=20500&limit=100`).then(
      async (r) => ((await r.json()) as { items: { id: number; modality: string }[] }).items,
    );
  const found = async (s: Server) => {
    let n = 0;
    const items = await list(s);
    for (const it of items) if ((await search(s, it.id, it.modality)) === it.id) n++;
    return `${n} of ${items.length}`;
  };
  const live = await found(srv);
  // The server writes too (an upload), so its graphs are saved at shutdown: the old code saved
  // them under the store's current fingerprint although they lacked the CLI's items.
  const up = new FormData();
  up.append('image', new Blob([readFileSync(asset('bird_image.jpg'))]), 'bird.jpg');
  await fetch(`${srv.url}/v1/items`, { method: 'POST', body: up });
  await stop(srv);
  const srv2 = await startServer(v, ['--db', db, '--root', media]);
  const restarted = await found(srv2);
  await stop(srv2);
  const cli = execFileSync(
    process.execPath,
    [bin, 'search', '--db', db, '--audio', asset('dog_audio.wav'), '--modality', 'audio', '--json'],
    { cwd: v.repo },
  ).toString();
  const hits = (JSON.parse(cli) as unknown[]).length;
  add('2', '20.5k vectors: a CLI index while the server runs, then restarts', {
    answer: live,
    ms: performance.now() - t0,
    extraRssMb: 0,
    healthz: '-',
    note: `server finds the CLI's items: ${live} live, ${restarted} after a restart; CLI audio search: ${hits} results`,
  });
}

async function main(): Promise<void> {
  if (process.argv.includes('--report-only')) {
    // Rewrites the markdown from the last JSON result (after a change to the report's layout).
    const last = JSON.parse(readFileSync(join(here, 'bench/results/robustness-server.json'), 'utf8'));
    writeReport(join(here, 'bench/robustness.md'), last);
    return;
  }
  if (!existsSync(asset('dog_image.jpg')))
    throw new Error(`reference assets not found under ${shared}; set IMAGEBIND_SHARED`);
  const commit = (repo: string) => execFileSync('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']).toString().trim();
  const variants: Variant[] = [
    { name: 'before', repo: BEFORE, commit: commit(BEFORE) },
    { name: 'after', repo: here, commit: commit(here) },
  ];
  const cases: Case[] = [];
  const loads: number[] = [loadavg()[0]];
  for (const v of variants) {
    const work = mkdtempSync(join(tmpdir(), `imagebind-robust-${v.name}-`));
    const add = (item: string, name: string, r: Result) => {
      let c = cases.find((x) => x.name === name);
      if (!c) cases.push((c = { item, name, results: {} }));
      c.results[v.name] = r;
      process.stderr.write(
        `${v.name} [${item}] ${name}: ${r.answer} in ${(r.ms / 1000).toFixed(2)} s, +${r.extraRssMb.toFixed(0)} MB; ${r.healthz}; ${r.note.slice(0, 120)}\n`,
      );
    };
    for (const part of [serverCases, cliCases, annCase]) {
      try {
        await part(v, work, add);
      } catch (e) {
        add('-', `${part.name} (${v.name})`, {
          answer: 'bench error',
          ms: 0,
          extraRssMb: 0,
          healthz: '-',
          note: String(e).slice(0, 300),
        });
      }
    }
    rmSync(work, { recursive: true, force: true });
    loads.push(loadavg()[0]);
  }
  const result = {
    machine: machineInfo(),
    load: loads,
    variants,
    cases,
    rssNow: rssBytes(process.pid),
  };
  mkdirSync(join(here, 'bench/results'), { recursive: true });
  writeFileSync(join(here, 'bench/results/robustness-server.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeReport(join(here, 'bench/robustness.md'), result);
}

await main();
