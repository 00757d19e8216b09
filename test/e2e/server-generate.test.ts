/**
 * POST /v1/generate on a real `imagebind serve` with the embedded mini model and its decoder: a
 * PNG for a composed query (JSON and multipart), determinism per seed, the steps cap, the
 * concurrency limit (429 + Retry-After), search's per-request limits (text characters, bytes per
 * kind), streamed progress, typed errors, and that a timed-out or abandoned generation stops
 * sampling (its concurrency slot comes back long before its steps could have run).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodePng } from '../../src/preprocess/image/png-decode.ts';
import { World } from '../../src/synth/world/world.ts';
import { writeSampleFiles, baseName, FILE_SUFFIX } from '../../src/synth/world/files.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';

let work: string;
let server: SpawnedServer;
let wav: Buffer;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'imagebind-server-generate-'));
  const world = new World(777);
  const sample = world.sample(world.split('test').index(5));
  await writeSampleFiles(work, sample, ['audio']);
  wav = await readFile(join(work, `${baseName(sample)}${FILE_SUFFIX.audio}`));
  server = await spawnServer([
    '--db',
    join(work, 'index.db'),
    '--max-generate-steps',
    '30',
    '--generate-concurrency',
    '1',
    '--max-text-chars',
    '200',
    '--max-kind-mb',
    'thermal=0.001',
  ]);
});

after(async () => {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${server.url}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

test('POST /v1/generate answers a PNG; the same seed gives the same bytes', { timeout: 300_000 }, async () => {
  const body = { queries: [{ kind: 'text', text: 'a red ball' }], steps: 6, seed: 2 };
  const a = await post(body);
  assert.equal(a.status, 200, await a.clone().text());
  assert.equal(a.headers.get('content-type'), 'image/png');
  const pa = Buffer.from(await a.arrayBuffer());
  const img = decodePng(pa, 'response');
  assert.equal(img.width, 64);
  const pb = Buffer.from(await (await post(body)).arrayBuffer());
  assert.ok(pa.equals(pb));
  const pc = Buffer.from(await (await post({ ...body, seed: 3 })).arrayBuffer());
  assert.ok(!pa.equals(pc));
});

test(
  'POST /v1/generate takes multipart like /v1/search: a recorded sound becomes an image',
  { timeout: 300_000 },
  async () => {
    const form = new FormData();
    form.append('steps', '6');
    form.append('seed', '1');
    form.append('audio', new Blob([new Uint8Array(wav)], { type: 'audio/wav' }), 'sound.wav');
    const res = await fetch(`${server.url}/v1/generate`, { method: 'POST', body: form });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(decodePng(Buffer.from(await res.arrayBuffer()), 'response').height, 64);
  },
);

test(
  'POST /v1/generate limits: steps over the cap, bad settings and inputs are typed 400s',
  { timeout: 120_000 },
  async () => {
    const q = [{ kind: 'text', text: 'x' }];
    const cases: [unknown, string][] = [
      [{ queries: q, steps: 31 }, 'STEPS_LIMIT'],
      [{ queries: q, steps: 0 }, 'BAD_REQUEST'],
      [{ queries: q, guidance: 'NaN' }, 'BAD_REQUEST'],
      [{ queries: q, sampler: 'heun' }, 'SAMPLER_INVALID'],
      [{ queries: [{ kind: 'smell', data: 'AAAA' }] }, 'BAD_REQUEST'],
      [{ queries: [] }, 'QUERY_EMPTY'],
    ];
    for (const [body, code] of cases) {
      const res = await post(body);
      const j = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 400, JSON.stringify(j));
      assert.equal(j.error.code, code, JSON.stringify(body));
    }
    const limit = (await (await post({ queries: q, steps: 31 })).json()) as { error: { message: string } };
    assert.match(limit.error.message, /--max-generate-steps/);
  },
);

test(
  'POST /v1/generate: past the concurrency limit requests get 429 with Retry-After',
  { timeout: 300_000 },
  async () => {
    const body = { queries: [{ kind: 'text', text: 'a dog' }], steps: 30 };
    const answers = await Promise.all([post(body), post(body), post(body)]);
    const codes = answers.map((r) => r.status).sort();
    assert.ok(codes.includes(200), `statuses ${codes}`);
    const busy = answers.filter((r) => r.status === 429);
    assert.ok(busy.length >= 1, `statuses ${codes}`);
    assert.equal(busy[0].headers.get('retry-after'), '1');
    assert.equal(((await busy[0].json()) as { error: { code: string } }).error.code, 'GENERATE_BUSY');
    await Promise.all(answers.map((r) => r.arrayBuffer().catch(() => undefined)));
    // The slot is free again once the first finished.
    assert.equal((await post({ ...body, steps: 2 })).status, 200);
  },
);

test(
  'POST /v1/generate with Accept: text/event-stream streams progress, then the image',
  { timeout: 300_000 },
  async () => {
    const res = await post({ queries: [{ kind: 'text', text: 'a cat' }], steps: 5 }, { accept: 'text/event-stream' });
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    const text = await res.text();
    const events = text
      .trim()
      .split('\n\n')
      .map((e) => {
        const [ev, data] = e.split('\n');
        return { event: ev.slice('event: '.length), data: JSON.parse(data.slice('data: '.length)) };
      });
    const progress = events.filter((e) => e.event === 'progress');
    assert.deepEqual(
      progress.map((e) => e.data.done),
      [1, 2, 3, 4, 5],
    );
    const last = events.at(-1)!;
    assert.equal(last.event, 'image');
    assert.equal(decodePng(Buffer.from(last.data.png, 'base64'), 'event').width, 64);
  },
);

test(
  "POST /v1/generate counts its inputs against search's per-request limits (413 naming the flag)",
  { timeout: 120_000 },
  async () => {
    const long = await post({ queries: [{ kind: 'text', text: 'a'.repeat(201) }], steps: 2 });
    const lj = (await long.json()) as { error: { code: string; message: string } };
    assert.equal(long.status, 413, JSON.stringify(lj));
    assert.equal(lj.error.code, 'TEXT_TOO_LONG');
    assert.match(lj.error.message, /--max-text-chars/);
    // 2 KiB of thermal image against a 1 KiB thermal budget: refused before anything is decoded.
    const big = await post({ queries: [{ kind: 'thermal', data: Buffer.alloc(2048).toString('base64') }], steps: 2 });
    const bj = (await big.json()) as { error: { code: string; message: string } };
    assert.equal(big.status, 413, JSON.stringify(bj));
    assert.equal(bj.error.code, 'MEDIA_TOO_LARGE');
    assert.match(bj.error.message, /--max-kind-mb thermal=/);
    const form = new FormData();
    form.append('text', 'b'.repeat(201));
    const mp = await fetch(`${server.url}/v1/generate`, { method: 'POST', body: form });
    assert.equal(mp.status, 413);
    assert.equal(((await mp.json()) as { error: { code: string } }).error.code, 'TEXT_TOO_LONG');
  },
);

test(
  'POST /v1/generate: a timed-out or abandoned generation stops sampling and frees its slot',
  { timeout: 300_000 },
  async () => {
    const s = await spawnServer([
      '--db',
      join(work, 'timeout.db'),
      '--max-generate-steps',
      '1000',
      '--generate-concurrency',
      '1',
      '--request-timeout-ms',
      '2000',
    ]);
    try {
      const url = `${s.url}/v1/generate`;
      const generate = (steps: number, signal?: AbortSignal) =>
        fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ queries: [{ kind: 'text', text: 'a cat' }], steps }),
          signal,
        });
      // Polls with 1-step generations until one gets the slot (429 while the old one holds it).
      const slotBackMs = async (): Promise<number> => {
        const start = Date.now();
        for (;;) {
          const r = await generate(1);
          await r.arrayBuffer();
          if (r.status === 200) return Date.now() - start;
          assert.equal(r.status, 429);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      await slotBackMs(); // opens the decoder, so the requests below time out while sampling
      // Reads the event stream of a 1000-step generation until `stop` says so; the step rate it
      // saw tells how long the remaining steps would hold the slot without cancellation.
      const watch = async (stop: (event: string, elapsed: number) => boolean, signal?: AbortSignal) => {
        const res = await generate(1000, signal);
        const reader = res.body!.getReader();
        const t0 = Date.now();
        let done = 0,
          text = '',
          last = '';
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          text += new TextDecoder().decode(chunk.value);
          for (const m of text.matchAll(/event: progress\ndata: \{"done":(\d+)/g)) done = Number(m[1]);
          last = /event: (\w+)\ndata: [^\n]*\n\n$/.exec(text)?.[1] ?? last;
          if (stop(last, Date.now() - t0)) break;
        }
        const elapsed = Date.now() - t0;
        return { reader, text, done, leftMs: ((1000 - done) * elapsed) / Math.max(done, 1) };
      };
      const timedOut = await watch((event) => event === 'error');
      assert.match(timedOut.text, /event: error\ndata: \{"code":"REQUEST_TIMEOUT"/);
      assert.ok(timedOut.done > 0 && timedOut.done < 1000, `${timedOut.done} steps before the timeout`);
      const afterTimeout = await slotBackMs();
      assert.ok(
        afterTimeout < timedOut.leftMs / 2,
        `slot back ${afterTimeout} ms after the timeout; the other ${1000 - timedOut.done} steps take ~${timedOut.leftMs.toFixed(0)} ms`,
      );
      // A client that leaves after half a second.
      const ac = new AbortController();
      const left = await watch((_, elapsed) => elapsed > 500, ac.signal);
      ac.abort();
      await left.reader.cancel().catch(() => undefined);
      const afterLeaving = await slotBackMs();
      assert.ok(
        afterLeaving < left.leftMs / 2,
        `slot back ${afterLeaving} ms after the client left; the other ${1000 - left.done} steps take ~${left.leftMs.toFixed(0)} ms`,
      );
    } finally {
      await s.stop();
    }
  },
);
