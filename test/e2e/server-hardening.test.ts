/**
 * Issue 11's server reproductions, each against a real `imagebind serve` (embedded mini model):
 * DNS rebinding and cross-site writes (item 5), a 30 MB text (6), work that outlives its request
 * (7), malformed bodies (14), leaked paths and a 403/404 oracle (15), per-kind body budgets.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { encodeWav } from '../../src/preprocess/audio/wav-encode.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { multipartBody, rawRequest } from '../helpers/http.ts';
import { ref } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-hardening-'));
const root = join(work, 'root');
const outside = join(work, 'outside');
const TOKEN = 'hardening-token-0123';
const jpg = readFileSync(ref('assets', 'dog_image.jpg'));
let open: SpawnedServer;
let guarded: SpawnedServer;
let slow: SpawnedServer;

before(async () => {
  mkdirSync(root, { recursive: true });
  mkdirSync(outside, { recursive: true });
  copyFileSync(ref('assets', 'dog_image.jpg'), join(root, 'dog.jpg'));
  copyFileSync(ref('assets', 'car_image.jpg'), join(outside, 'secret.jpg'));
  [open, guarded, slow] = await Promise.all([
    spawnServer([
      '--db',
      join(work, 'open.db'),
      '--root',
      root,
      '--allowed-hosts',
      'media.example.test',
      '--allowed-origins',
      'https://app.example.test',
      '--max-kind-mb',
      'audio=1',
    ]),
    spawnServer(['--db', join(work, 'guarded.db'), '--root', root], { env: { IMAGEBIND_TOKEN: TOKEN } }),
    spawnServer(['--db', join(work, 'slow.db'), '--workers', '1', '--request-timeout-ms', '1000']),
  ]);
});

after(async () => {
  await Promise.all([open.stop(), guarded.stop(), slow.stop()]);
});

function port(s: SpawnedServer): string {
  return new URL(s.url).port;
}

async function itemCount(s: SpawnedServer, headers: Record<string, string> = {}): Promise<number> {
  const r = await rawRequest(s.url, { path: '/v1/info', headers: { host: `127.0.0.1:${port(s)}`, ...headers } });
  return (JSON.parse(r.body) as { items: { total: number } }).items.total;
}

async function metric(s: SpawnedServer, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((a, m) => a + Number(m[1]), 0);
}

test('item 5: a rebound Host is refused on every route but the probes; allowed names pass', async () => {
  for (const path of ['/v1/info', '/', '/v1/items', '/metrics']) {
    const r = await rawRequest(open.url, { path, headers: { host: `rebind.attacker.example:${port(open)}` } });
    assert.equal(r.status, 403, path);
    assert.equal(JSON.parse(r.body).error.code, 'HOST_NOT_ALLOWED');
    assert.match(r.body, /--allowed-hosts/);
  }
  for (const host of [
    `localhost:${port(open)}`,
    `127.0.0.1:${port(open)}`,
    `[::1]:${port(open)}`,
    'media.example.test',
  ])
    assert.equal((await rawRequest(open.url, { path: '/v1/info', headers: { host } })).status, 200, host);
  // Orchestrators probe with the pod's address as Host.
  assert.equal((await rawRequest(open.url, { path: '/healthz', headers: { host: '10.1.2.3:8080' } })).status, 200);
});

test('item 5: a cross-site form post indexes nothing; same-origin and allowed origins may write', async () => {
  const before = await itemCount(open);
  const form = multipartBody([{ name: 'image', value: jpg, filename: 'dog.jpg', type: 'image/jpeg' }]);
  const host = `127.0.0.1:${port(open)}`;
  for (const headers of <Record<string, string>[]>[
    { origin: 'https://evil.example' },
    { origin: 'null' },
    { origin: `http://localhost:${Number(port(open)) + 1}` },
    { 'sec-fetch-site': 'cross-site' },
  ]) {
    const r = await rawRequest(open.url, {
      method: 'POST',
      path: '/v1/items',
      headers: { host, 'content-type': form.contentType, ...headers },
      body: form.body,
    });
    assert.equal(r.status, 403, JSON.stringify(headers));
    assert.equal(JSON.parse(r.body).error.code, 'ORIGIN_NOT_ALLOWED');
  }
  // The no-CORS content types a form can send are not parsed at all.
  for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
    const r = await rawRequest(open.url, {
      method: 'POST',
      path: '/v1/items',
      headers: { host, 'content-type': type },
      body: 'paths=/etc',
    });
    assert.equal(r.status, 415, type);
  }
  assert.equal(await itemCount(open), before);
  for (const origin of [`http://${host}`, 'https://app.example.test']) {
    const r = await rawRequest(open.url, {
      method: 'POST',
      path: '/v1/items',
      headers: { host, origin, 'content-type': form.contentType },
      body: form.body,
    });
    assert.equal(r.status, 200, `${origin}: ${r.body}`);
  }
  assert.equal(await itemCount(open), before + 1);
});

test('item 5: with --token the cookie reads media but never writes; the bearer header writes', async () => {
  const host = `127.0.0.1:${port(guarded)}`;
  const cookie = `imagebind_token=${TOKEN}`;
  const bearer = `Bearer ${TOKEN}`;
  const index = await rawRequest(guarded.url, {
    method: 'POST',
    path: '/v1/items',
    headers: { host, authorization: bearer, 'content-type': 'application/json' },
    body: JSON.stringify({ paths: [root] }),
  });
  assert.equal(index.status, 200, index.body);
  const id = (JSON.parse(index.body) as { items: { id: number }[] }).items[0].id;
  assert.equal(
    (await rawRequest(guarded.url, { path: `/v1/items/${id}/media`, headers: { host, cookie } })).status,
    200,
  );
  for (const [method, path, body] of [
    ['POST', '/v1/items', JSON.stringify({ paths: [root] })],
    ['DELETE', `/v1/items/${id}`, undefined],
    ['POST', '/v1/embed', JSON.stringify({ text: ['x'] })],
  ] as const) {
    const r = await rawRequest(guarded.url, {
      method,
      path,
      headers: { host, cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
    });
    assert.equal(r.status, 401, `${method} ${path}`);
    assert.match(r.body, /only authorises reads/);
  }
  assert.equal(await itemCount(guarded, { authorization: bearer }), 1);
});

test('item 14: malformed bodies are 400 on every route, never 500; __proto__ is named', async () => {
  const routes = ['/v1/embed', '/v1/search', '/v1/classify', '/v1/items', '/vectorize'];
  for (const path of routes) {
    for (const body of ['{"texts":[', '{"text": ["a"], "__proto__": {"polluted": 1}}', '', '{"a":1}}', '\u0000']) {
      const r = await rawRequest(open.url, {
        method: 'POST',
        path,
        headers: { host: `127.0.0.1:${port(open)}`, 'content-type': 'application/json' },
        body,
      });
      assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}: ${r.body}`);
      if (body.includes('__proto__')) assert.match(r.body, /JSON_FORBIDDEN_KEY|__proto__\\" key/, path);
    }
    const r = await rawRequest(open.url, {
      method: 'POST',
      path,
      headers: { host: `127.0.0.1:${port(open)}`, 'content-type': 'multipart/form-data; boundary=x' },
      body: '--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
    });
    // /vectorize takes JSON only: a multipart body is not its request object (422, as FastAPI).
    assert.equal(r.status, path === '/vectorize' ? 422 : 400, `${path} multipart: ${r.body}`);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('item 6: a 30 MB text is refused naming its limit while /healthz keeps answering', async () => {
  const rss0 = await metric(open, 'imagebind_process_resident_bytes');
  const body = JSON.stringify({ text: ['a'.repeat(30_000_000)] });
  let probes = 0;
  let slowest = 0;
  let done = false;
  const prober = (async () => {
    while (!done) {
      const t = performance.now();
      assert.equal((await fetch(`${open.url}/healthz`)).status, 200);
      slowest = Math.max(slowest, performance.now() - t);
      probes++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const res = await fetch(`${open.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  const ms = performance.now() - t0;
  done = true;
  await prober;
  assert.equal(res.status, 413);
  const err = ((await res.json()) as { error: { code: string; message: string } }).error;
  assert.equal(err.code, 'TEXT_TOO_LONG');
  assert.match(err.message, /--max-text-chars/);
  // Times are bench/robustness.md's (2.7 s on a loaded 2-core machine; 16.7 s before): a test on a
  // shared machine asserts what does not depend on its load. Probes answered while the body was read
  // and checked, and memory did not grow by a tokenisation (1.6 GB before the fix).
  assert.ok(
    probes > 0,
    `no /healthz probe answered during the ${ms.toFixed(0)} ms request (slowest ${slowest.toFixed(0)} ms)`,
  );
  const grown = (await metric(open, 'imagebind_process_resident_bytes')) - rss0;
  assert.ok(grown < 300 * 1024 * 1024, `RSS grew ${(grown / 2 ** 20).toFixed(0)} MB`);
  // Long texts within the limits are tokenised off the event loop and embedded.
  const long = await fetch(`${open.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: Array.from({ length: 12 }, (_, i) => `${i} a dog barking `.repeat(3800)) }),
  });
  assert.equal(long.status, 200);
  assert.equal(((await long.json()) as { vectors: { text: unknown[] } }).vectors.text.length, 12);
});

test('item 7: after a 504 (or a client that leaves) the queued work of that request is dropped', async () => {
  // 40 large JPEGs on one preprocessing worker: ~3 s of decoding, far past the 1 s timeout.
  const images = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      sharp({ create: { width: 3000, height: 2000, channels: 3, background: { r: i * 5, g: 80, b: 160 } } })
        .jpeg({ quality: 40 })
        .toBuffer(),
    ),
  );
  const body = JSON.stringify({ image: images.map((b) => b.toString('base64')) });
  const cancelled0 = await metric(slow, 'imagebind_cancelled_items');
  const res = await fetch(`${slow.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  assert.equal(res.status, 504);
  const t504 = performance.now();
  let idleAfter = Infinity;
  while (performance.now() - t504 < 10_000) {
    const busy =
      (await metric(slow, 'imagebind_preprocess_busy_workers')) +
      (await metric(slow, 'imagebind_preprocess_queue_depth')) +
      (await metric(slow, 'imagebind_batch_queue_depth'));
    if (busy === 0) {
      idleAfter = performance.now() - t504;
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  // What proves the drop is the count: at most the decode in hand (and the one queued behind it) may
  // finish; how soon depends on the machine's load (bench/robustness.md: 0.6 s against 10.8 s before).
  assert.ok(Number.isFinite(idleAfter), 'the server was still working 10 s after the 504');
  assert.ok((await metric(slow, 'imagebind_cancelled_items')) - cancelled0 >= 30);
  // A client that gives up: its request is dropped the same way.
  const c1 = await metric(slow, 'imagebind_cancelled_items');
  const ac = new AbortController();
  const gone = fetch(`${slow.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: ac.signal,
  });
  setTimeout(() => ac.abort(), 300);
  await assert.rejects(gone);
  await new Promise((r) => setTimeout(r, 600));
  assert.ok((await metric(slow, 'imagebind_cancelled_items')) - c1 >= 30);
  assert.equal((await fetch(`${slow.url}/healthz`)).status, 200);
});

test('item 15: no temp or upload paths in answers; 403 and 404 do not tell what exists outside the roots', async () => {
  const host = `127.0.0.1:${port(open)}`;
  const broken = multipartBody([{ name: 'image', value: jpg.subarray(0, 300), filename: 'cut.jpg' }]);
  for (const path of ['/v1/embed', '/v1/items']) {
    const r = await rawRequest(open.url, {
      method: 'POST',
      path,
      headers: { host, 'content-type': broken.contentType },
      body: broken.body,
    });
    assert.ok(r.status < 500, r.body);
    assert.match(r.body, /truncated/);
    assert.doesNotMatch(r.body, new RegExp(`${tmpdir()}|${work}|imagebind-srv-`), r.body);
  }
  const ask = (p: string) =>
    rawRequest(open.url, {
      method: 'POST',
      path: '/v1/items',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [p] }),
    });
  const exists = await ask(join(outside, 'secret.jpg'));
  const missing = await ask(join(outside, 'nothing.jpg'));
  const missingDir = await ask(join(outside, 'no-dir', 'nothing.jpg'));
  assert.equal(exists.status, 403);
  for (const r of [missing, missingDir]) {
    assert.equal(r.status, exists.status);
    assert.equal(r.body, exists.body);
  }
  assert.equal((await ask(join(root, 'nothing.jpg'))).status, 404);
});

test('per-kind budget: audio over --max-kind-mb is a 413 that names the flag', async () => {
  const wav = readFileSync(ref('assets', 'dog_audio.wav'));
  const big = Buffer.concat([wav, wav, wav, wav, wav, wav]);
  assert.ok(big.length > 1024 * 1024);
  const r = await fetch(`${open.url}/v1/embed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ audio: [big.toString('base64')] }),
  });
  assert.equal(r.status, 413);
  const e = ((await r.json()) as { error: { code: string; message: string } }).error;
  assert.equal(e.code, 'MEDIA_TOO_LARGE');
  assert.match(e.message, /--max-kind-mb audio=/);
});

test('item 1: a query over a decode budget is a 413 naming the limit, and the server keeps answering', async () => {
  // The 144-byte WAV of the issue: sample rate 0xFFFFFFFF, 50 silent 16-bit samples.
  const wav = Buffer.from(encodeWav([new Float32Array(50)], 0xffffffff));
  assert.equal(wav.length, 144);
  const form = new FormData();
  form.append('audio', new Blob([wav], { type: 'audio/wav' }), 'sr.wav');
  const r = await fetch(`${open.url}/v1/search`, { method: 'POST', body: form });
  assert.equal(r.status, 413);
  const e = ((await r.json()) as { error: { code: string; message: string } }).error;
  assert.equal(e.code, 'AUDIO_SAMPLE_RATE_LIMIT');
  assert.match(e.message, /4294967295 Hz/);
  assert.equal((await fetch(`${open.url}/healthz`)).status, 200);
});
