/**
 * Every endpoint of a real `imagebind serve` on 127.0.0.1 with the reference tiny model (random
 * weights: these tests check mechanics and the arithmetic, not semantics).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { l2normalize } from '../../src/core/vector-math.ts';
import { decodeImage } from '../../src/preprocess/image/decode.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { ref } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-server-api-'));
const root = join(work, 'media');
let server: SpawnedServer;
let model: ImageBind;
const jpg = readFileSync(ref('assets', 'dog_image.jpg'));
const wav = readFileSync(ref('assets', 'dog_audio.wav'));

type Json = Record<string, unknown>;
async function call(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Json; headers: Headers }> {
  const init: RequestInit = { method };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { 'content-type': 'application/json' };
  }
  const res = await fetch(server.url + path, init);
  const text = await res.text();
  return {
    status: res.status,
    json: text.startsWith('{') ? (JSON.parse(text) as Json) : { text },
    headers: res.headers,
  };
}

function cosine(a: readonly number[], b: ArrayLike<number>): number {
  let d = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] ** 2;
    nb += b[i] ** 2;
  }
  return d / Math.sqrt(na * nb);
}

before(async () => {
  const dir = await tinyModelDir(false);
  mkdirSync(root, { recursive: true });
  for (const n of ['dog', 'car', 'bird']) copyFileSync(ref('assets', `${n}_image.jpg`), join(root, `${n}.jpg`));
  copyFileSync(ref('assets', 'car_audio.wav'), join(root, 'car.wav'));
  model = await ImageBind.load(dir);
  server = await spawnServer([
    '--model',
    dir,
    '--db',
    join(work, 'index.db'),
    '--root',
    root,
    '--batch-window-ms',
    '20',
  ]);
});

after(async () => {
  assert.equal(await server.stop(), 0, server.stderr());
  await model.close();
});

test('probes, info and the UI placeholder', async () => {
  assert.deepEqual((await call('GET', '/healthz')).json, { status: 'ok' });
  assert.deepEqual((await call('GET', '/readyz')).json, { status: 'ready' });
  const info = await call('GET', '/v1/info');
  assert.equal(info.status, 200);
  const m = info.json.model as Json;
  assert.equal(m.identity, model.identity);
  assert.equal(m.dim, model.manifest.config.out_embed_dim);
  assert.deepEqual((info.json.items as Json).total, 0);
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  const missing = await call('GET', '/nope');
  assert.equal(missing.status, 404);
  assert.equal((missing.json.error as Json).code, 'NOT_FOUND');
});

test('POST /v1/embed (JSON and multipart) returns what the library returns', async () => {
  const want = await model.embed({ text: ['a dog'], vision: [jpg], audio: [wav] });
  const r = await call('POST', '/v1/embed', {
    text: ['a dog'],
    image: [jpg.toString('base64')],
    audio: [wav.toString('base64')],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const vectors = r.json.vectors as Record<string, number[][]>;
  assert.deepEqual(Object.keys(vectors).sort(), ['audio', 'text', 'vision']);
  for (const k of ['text', 'vision', 'audio'] as const) {
    const got = vectors[k][0];
    const exp = want[k]![0]!;
    assert.equal(got.length, exp.length);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - exp[i]) < 1e-4, `${k}[${i}]`);
  }
  assert.deepEqual(r.json.errors, []);
  assert.deepEqual(r.json.model, {
    name: model.manifest.name,
    identity: model.identity,
    dim: model.manifest.config.out_embed_dim,
  });
  const form = new FormData();
  form.append('text', 'a dog');
  form.append('text', 'a car');
  form.append('image', new Blob([jpg], { type: 'image/jpeg' }), 'dog.jpg');
  form.append('normalize', 'true');
  const mp = await call('POST', '/v1/embed', form);
  assert.equal(mp.status, 200, JSON.stringify(mp.json));
  const mv = mp.json.vectors as Record<string, number[][]>;
  assert.equal(mv.text.length, 2);
  assert.ok(Math.abs(Math.hypot(...mv.text[0]) - 1) < 1e-5, 'normalize=true gives unit vectors');
  assert.ok(cosine(mv.vision[0], want.vision![0]!) > 0.9999);
});

test('uploads in the formats the CLI reads (PPM photo, AIFF recording) embed as their JPEG/WAV originals', async () => {
  const photo = await decodeImage(jpg, 'dog.jpg');
  const ppm = Buffer.concat([Buffer.from(`P6\n${photo.width} ${photo.height}\n255\n`), photo.data]);
  const aiffPath = join(work, 'dog.aiff');
  const sox = spawnSync('sox', [join(root, 'car.wav'), aiffPath], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(sox.status, 0, `sox (apt install sox) converts the WAV to AIFF: ${sox.stderr}`);
  const want = await model.embed({ vision: [jpg], audio: [readFileSync(join(root, 'car.wav'))] });
  const form = new FormData();
  form.append('image', new Blob([ppm], { type: 'image/x-portable-pixmap' }), 'dog.ppm');
  form.append('audio', new Blob([readFileSync(aiffPath)], { type: 'audio/aiff' }), 'car.aiff');
  const r = await call('POST', '/v1/embed', form);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json.errors, []);
  const got = r.json.vectors as Record<string, number[][]>;
  for (const k of ['vision', 'audio'] as const)
    got[k][0].forEach((v, i) => assert.ok(Math.abs(v - want[k]![0]![i]) < 1e-4, `${k}[${i}]`));
});

test('a broken item is reported per item; the rest are embedded', async () => {
  const broken = Buffer.concat([jpg.subarray(0, 200)]);
  const r = await call('POST', '/v1/embed', { image: [jpg.toString('base64'), broken.toString('base64')] });
  assert.equal(r.status, 200);
  const v = (r.json.vectors as Record<string, (number[] | null)[]>).vision;
  assert.ok(Array.isArray(v[0]));
  assert.equal(v[1], null);
  const errors = r.json.errors as Json[];
  assert.equal(errors.length, 1);
  assert.equal(errors[0].index, 1);
  assert.equal(errors[0].kind, 'vision');
});

test('items: index by path, search (JSON, multipart, minus, weights, itemId), media, delete', async () => {
  const idx = await call('POST', '/v1/items', { paths: [root] });
  assert.equal(idx.status, 200, JSON.stringify(idx.json));
  const items = idx.json.items as { id: number; path: string; modality: string }[];
  assert.equal(items.length, 4);
  const again = await call('POST', '/v1/items', { paths: [root] });
  assert.equal(again.json.skipped, 4, 'unchanged files are skipped');
  const dog = items.find((i) => i.path.endsWith('dog.jpg'))!;

  const byImage = await call('POST', '/v1/search', {
    queries: [{ kind: 'image', data: jpg.toString('base64') }],
    k: 2,
  });
  const hits = byImage.json.results as {
    id: number;
    path: string;
    score: number;
    mediaUrl: string;
    modality: string;
  }[];
  assert.equal(hits[0].id, dog.id);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-4);
  assert.equal(hits[0].mediaUrl, `/v1/items/${dog.id}/media`);

  // The server's arithmetic equals Σ ± w·unit(v), normalised, against the library's vectors.
  const lib = await model.embed({ text: ['a dog', 'grass'], vision: [jpg] });
  const q = new Float64Array(lib.text![0]!.length);
  const parts: [Float32Array, number][] = [
    [lib.vision![0]!, 1],
    [lib.text![0]!, 0.5],
    [lib.text![1]!, -1],
  ];
  for (const [v, w] of parts) l2normalize(v).forEach((x, i) => (q[i] += w * x));
  const expected = l2normalize(Float32Array.from(q));
  const composed = await call('POST', '/v1/search', {
    queries: [
      { kind: 'image', data: jpg.toString('base64') },
      { kind: 'text', text: 'a dog', weight: 0.5 },
      { kind: 'text', text: 'grass', negate: true },
    ],
    k: 4,
    modalities: ['image'],
  });
  const ch = composed.json.results as { id: number; modality: string; score: number }[];
  assert.equal(ch.length, 3);
  assert.ok(ch.every((h) => h.modality === 'vision'));
  const dogStored = l2normalize(lib.vision![0]!);
  const want = expected.reduce((a, x, i) => a + x * dogStored[i], 0);
  assert.ok(
    Math.abs(ch.find((h) => h.id === dog.id)!.score - want) < 1e-4,
    'composed score matches the library arithmetic',
  );

  const form = new FormData();
  form.append('image', new Blob([jpg]), 'q.jpg');
  form.append('text', 'a dog');
  form.append('minus_text', 'grass');
  form.append('weights', '1,0.5');
  form.append('k', '4');
  form.append('modalities', 'image');
  const mp = await call('POST', '/v1/search', form);
  assert.equal(mp.status, 200, JSON.stringify(mp.json));
  assert.deepEqual(
    (mp.json.results as { id: number; score: number }[]).map((h) => [h.id, h.score.toFixed(5)]),
    ch.map((h) => [h.id, h.score.toFixed(5)]),
  );

  const byItem = await call('POST', '/v1/search', { queries: [{ itemId: dog.id }], k: 1 });
  assert.equal((byItem.json.results as { id: number }[])[0].id, dog.id);
  assert.equal((await call('POST', '/v1/search', { queries: [{ itemId: 99999 }] })).status, 404);
  assert.equal((await call('POST', '/v1/search', { queries: [] })).status, 400);

  const media = await fetch(`${server.url}/v1/items/${dog.id}/media`);
  assert.equal(media.status, 200);
  assert.equal(media.headers.get('content-type'), 'image/jpeg');
  assert.deepEqual(Buffer.from(await media.arrayBuffer()), jpg);

  const del = await call('DELETE', `/v1/items/${dog.id}`);
  assert.deepEqual(del.json, { deleted: dog.id });
  assert.equal((await call('DELETE', `/v1/items/${dog.id}`)).status, 404);
  assert.equal((await call('GET', `/v1/items/${dog.id}/media`)).status, 404);
});

test('upload: saved under uploads, sniffed, indexed, served, deleted with its file', async () => {
  const form = new FormData();
  form.append('file', new Blob([wav], { type: 'audio/wav' }), 'bark.wav');
  form.append('image', new Blob([jpg]), '../../evil name.jpg');
  const up = await call('POST', '/v1/items', form);
  assert.equal(up.status, 200, JSON.stringify(up.json));
  const items = up.json.items as { id: number; path: string; modality: string }[];
  assert.deepEqual(items.map((i) => i.modality).sort(), ['audio', 'vision']);
  // Clients see uploads as uploads/<name>, never the server's own folder.
  for (const i of items) assert.match(i.path, /^uploads\/[0-9a-f]{16}-[A-Za-z0-9._-]+$/);
  assert.ok(!JSON.stringify(up.json).includes(work), JSON.stringify(up.json));
  const audio = items.find((i) => i.modality === 'audio')!;
  const media = await fetch(`${server.url}/v1/items/${audio.id}/media`);
  assert.equal(media.headers.get('content-type'), 'audio/wav');
  assert.equal(Buffer.from(await media.arrayBuffer()).length, wav.length);
  const list = await call('GET', '/v1/items?modality=audio');
  assert.ok((list.json.items as { id: number }[]).some((i) => i.id === audio.id));
  const saved = join(work, audio.path);
  assert.equal(readFileSync(saved).length, wav.length);
  await call('DELETE', `/v1/items/${audio.id}`);
  assert.throws(() => readFileSync(saved), /ENOENT/);
});

test('POST /v1/classify gives a softmax over the labels per input', async () => {
  const r = await call('POST', '/v1/classify', {
    labels: ['dog', 'car', 'bird'],
    inputs: [
      { kind: 'image', data: jpg.toString('base64') },
      { kind: 'audio', data: wav.toString('base64') },
      { kind: 'text', text: 'woof' },
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json.results as { label: string; probs: Record<string, number> }[];
  assert.equal(results.length, 3);
  for (const res of results) {
    const sum = Object.values(res.probs).reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-6);
    assert.ok(['dog', 'car', 'bird'].includes(res.label));
  }
  assert.equal(
    (await call('POST', '/v1/classify', { labels: ['one'], inputs: [{ kind: 'text', text: 'x' }] })).status,
    400,
  );
});

test('concurrent requests share encoder runs (dynamic batching), visible in /metrics', async () => {
  const before = await (await fetch(`${server.url}/metrics`)).text();
  const count = (t: string) => Number(/imagebind_batch_size_count\{modality="text"\} (\d+)/.exec(t)?.[1] ?? 0);
  const sum = (t: string) => Number(/imagebind_batch_size_sum\{modality="text"\} (\d+)/.exec(t)?.[1] ?? 0);
  const rs = await Promise.all(
    Array.from({ length: 12 }, (_, i) => call('POST', '/v1/embed', { text: [`caption number ${i}`] })),
  );
  assert.ok(rs.every((r) => r.status === 200));
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.equal(sum(metrics) - sum(before), 12);
  assert.ok(count(metrics) - count(before) < 12, `12 requests ran in ${count(metrics) - count(before)} encoder runs`);
  assert.match(metrics, /imagebind_http_requests_total\{method="POST",route="\/v1\/embed",status="200"\} \d+/);
  assert.match(
    metrics,
    /imagebind_http_request_duration_seconds_bucket\{method="POST",route="\/v1\/embed",le="0.5"\} \d+/,
  );
  assert.match(metrics, /imagebind_batch_queue_depth|imagebind_preprocess_queue_depth/);
});
