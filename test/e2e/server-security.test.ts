/**
 * The server's refusals, each against a real process: tokens, body limits, a full queue, path
 * traversal (plain, encoded, symlinked), malformed multipart, bad base64, media that lie about
 * their type, and a graceful SIGTERM that finishes in-flight work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { ref } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';
import { rawGet } from '../helpers/http.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-server-sec-'));
const root = join(work, 'root');
const outside = join(work, 'outside');
const TOKEN = 'test-token-0123456789';
let modelDir: string;
let guarded: SpawnedServer;
let small: SpawnedServer;
const jpg = readFileSync(ref('assets', 'dog_image.jpg'));
const wav = readFileSync(ref('assets', 'dog_audio.wav'));

async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
  headers: Headers;
}> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as never, headers: res.headers };
}

before(async () => {
  modelDir = await tinyModelDir(false);
  mkdirSync(root, { recursive: true });
  mkdirSync(outside, { recursive: true });
  copyFileSync(ref('assets', 'dog_image.jpg'), join(root, 'dog.jpg'));
  copyFileSync(ref('assets', 'car_image.jpg'), join(outside, 'secret.jpg'));
  symlinkSync(join(outside, 'secret.jpg'), join(root, 'link.jpg'));
  [guarded, small] = await Promise.all([
    spawnServer(['--model', modelDir, '--db', join(work, 'a.db'), '--root', root], { env: { IMAGEBIND_TOKEN: TOKEN } }),
    spawnServer([
      '--model',
      modelDir,
      '--db',
      join(work, 'b.db'),
      '--root',
      root,
      '--max-body-mb',
      '1',
      '--max-queue',
      '2',
      '--max-batch',
      '4',
      '--batch-window-ms',
      '100',
    ]),
  ]);
});

after(async () => {
  await Promise.all([guarded.stop(), small.stop()]);
});

test('token: required everywhere but probes and the UI shell; 401 JSON when missing or wrong', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const headers of [{}, { authorization: 'Bearer wrong-token-000000000' }, { authorization: TOKEN }] as Record<
    string,
    string
  >[]) {
    const res = await fetch(`${guarded.url}/v1/info`, { headers });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
  }
  for (const p of ['/v1/items/1/media', '/metrics', '/meta'])
    assert.equal((await fetch(guarded.url + p)).status, 401, p);
  assert.equal((await post(guarded.url, '/v1/embed', { text: ['x'] })).status, 401);
  assert.equal((await post(guarded.url, '/vectorize', { texts: ['x'] })).status, 401);
  assert.equal((await fetch(`${guarded.url}/v1/info`, { headers: auth })).status, 200);
  assert.equal(
    (await fetch(`${guarded.url}/v1/info`, { headers: { cookie: `imagebind_token=${TOKEN}` } })).status,
    200,
  );
  for (const p of ['/healthz', '/readyz', '/']) assert.equal((await fetch(guarded.url + p)).status, 200, p);
  for (const p of ['/.well-known/live', '/.well-known/ready'])
    assert.equal((await fetch(guarded.url + p)).status, 204, p);
});

test('path traversal: server-side paths and media never reach outside the roots', async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const p of [
    '/etc/passwd',
    join(root, '..', 'outside', 'secret.jpg'),
    `${root}/../outside`,
    join(root, 'link.jpg'),
    outside,
  ]) {
    const r = await post(guarded.url, '/v1/items', { paths: [p] }, auth);
    assert.equal(r.status, 403, p);
    assert.equal(r.json.error?.code, 'PATH_OUTSIDE_ROOTS');
  }
  // Indexing the root skips the symlink that points outside it.
  const r = await post(guarded.url, '/v1/items', { paths: [root] }, auth);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(
    (r.json.items as { path: string }[]).map((i) => i.path),
    [join(root, 'dog.jpg')],
  );
  assert.deepEqual(
    (r.json.errors as { code: string }[]).map((e) => e.code),
    ['PATH_OUTSIDE_ROOTS'],
  );
  const id = (r.json.items as { id: number }[])[0].id;
  assert.equal((await rawGet(guarded.url, `/v1/items/${id}/media`, auth)).status, 200);
  for (const p of [
    '/v1/items/..%2F..%2Fetc%2Fpasswd/media',
    '/v1/items/../../etc/passwd',
    '/assets/..%2F..%2F..%2Fpackage.json',
    '/assets/../../package.json',
    '/%2e%2e/%2e%2e/etc/passwd',
  ]) {
    const res = await rawGet(guarded.url, p, auth);
    assert.ok([400, 404].includes(res.status), `${p}: ${res.status}`);
    assert.doesNotMatch(res.body, /root:|"name": "imagebind-ts"/);
  }
  // The indexed file is swapped for a symlink to a file outside: its media is refused.
  rmSync(join(root, 'dog.jpg'));
  symlinkSync(join(outside, 'secret.jpg'), join(root, 'dog.jpg'));
  const res = await rawGet(guarded.url, `/v1/items/${id}/media`, auth);
  assert.equal(res.status, 403);
  assert.match(res.body, /PATH_OUTSIDE_ROOTS/);
});

test('bodies: 413 over the limit, 400 for malformed multipart / JSON, 400 naming the bad base64 field', async () => {
  const big = await post(small.url, '/v1/embed', { text: ['x'.repeat(1_200_000)] });
  assert.equal(big.status, 413);
  assert.equal(big.json.error?.code, 'BODY_TOO_LARGE');
  const form = new FormData();
  form.append('image', new Blob([Buffer.concat([jpg, Buffer.alloc(1_100_000)])]), 'big.jpg');
  const bigFile = await fetch(`${small.url}/v1/items`, { method: 'POST', body: form });
  assert.equal(bigFile.status, 413);
  const broken = await fetch(`${small.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=XYZ' },
    body: '--XYZ\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\n\r\nabc',
  });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as { error: { code: string } }).error.code, 'MULTIPART_MALFORMED');
  const badJson = await post(small.url, '/v1/embed', '{"text": [');
  assert.equal(badJson.status, 400);
  const b64 = await post(small.url, '/v1/embed', { text: ['ok'], image: [jpg.toString('base64'), 'not*base64!'] });
  assert.equal(b64.status, 400);
  assert.equal(b64.json.error?.code, 'BAD_BASE64');
  assert.match(b64.json.error?.message ?? '', /image\[1\]/);
  const q = await post(small.url, '/v1/search', { queries: [{ kind: 'audio', data: '%%%' }] });
  assert.equal(q.status, 400);
  assert.match(q.json.error?.message ?? '', /queries\[0\]\.data/);
});

test('media that lie about their type are refused with 415', async () => {
  const asImage = await post(small.url, '/v1/embed', { image: [wav.toString('base64')] });
  assert.equal(asImage.status, 415);
  assert.match(asImage.json.error?.message ?? '', /sent as vision but the content is WAV/);
  const named = new FormData();
  named.append('file', new Blob([wav]), 'holiday.jpg');
  const r1 = await fetch(`${small.url}/v1/items`, { method: 'POST', body: named });
  assert.equal(r1.status, 415);
  assert.match(((await r1.json()) as { error: { message: string } }).error.message, /says JPEG but the content is WAV/);
  const typed = new FormData();
  typed.append('file', new Blob([jpg], { type: 'audio/mpeg' }), 'blob');
  assert.equal((await fetch(`${small.url}/v1/items`, { method: 'POST', body: typed })).status, 415);
  const script = new FormData();
  script.append('image', new Blob([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3])]), 'x.png');
  assert.equal((await fetch(`${small.url}/v1/items`, { method: 'POST', body: script })).status, 415);
});

test('a full queue answers 429 with Retry-After, never crashes', async () => {
  const rs = await Promise.all(
    Array.from({ length: 24 }, (_, i) => post(small.url, '/v1/embed', { text: [`item ${i}`] })),
  );
  const codes = rs.map((r) => r.status);
  assert.ok(codes.includes(429), codes.join(','));
  assert.ok(codes.includes(200), codes.join(','));
  assert.ok(
    codes.every((c) => c === 200 || c === 429),
    codes.join(','),
  );
  const limited = rs.find((r) => r.status === 429)!;
  assert.equal(limited.headers.get('retry-after'), '1');
  assert.equal(limited.json.error?.code, 'QUEUE_FULL');
  assert.equal((await fetch(`${small.url}/healthz`)).status, 200);
});

test('SIGTERM drains in-flight requests, then exits 0', async () => {
  const s = await spawnServer(['--model', modelDir, '--db', join(work, 'c.db'), '--batch-window-ms', '1500']);
  const inFlight = post(s.url, '/v1/embed', { text: ['slow'] });
  await new Promise((r) => setTimeout(r, 300));
  const code = s.stop();
  const r = await inFlight;
  assert.equal(r.status, 200);
  assert.equal((r.json.vectors as { text: number[][] }).text.length, 1);
  assert.equal(await code, 0);
  assert.match(s.stderr(), /SIGTERM: draining/);
  await assert.rejects(fetch(`${s.url}/healthz`));
});
