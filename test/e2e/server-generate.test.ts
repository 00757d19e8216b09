/**
 * POST /v1/generate on a real `imagebind serve` with the embedded mini model and its decoder: a
 * PNG for a composed query (JSON and multipart), determinism per seed, the steps cap, the
 * concurrency limit (429 + Retry-After), streamed progress, and typed errors.
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
