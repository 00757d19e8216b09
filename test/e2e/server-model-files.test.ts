/**
 * What the in-browser mode needs from a real server, without a browser: the model directory at
 * /v1/model/ (only the manifest's files, behind the token, no traversal, no server paths), the
 * onnxruntime-web runtime at /ort/ (an allow-list of file names), cross-origin isolation of the UI,
 * and vector queries (identity required, float32 range, no zero vector).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultModelDir } from '../../src/embed/default-model.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { rawGet } from '../helpers/http.ts';

const TOKEN = 'model-files-token-0123';
const work = mkdtempSync(join(tmpdir(), 'imagebind-model-files-'));
const manifest = JSON.parse(readFileSync(join(defaultModelDir(), 'manifest.json'), 'utf8')) as {
  identity: string;
  config: { out_embed_dim: number };
};
const dim = manifest.config.out_embed_dim;
const auth = { authorization: `Bearer ${TOKEN}` };
let open: SpawnedServer;
let guarded: SpawnedServer;

before(async () => {
  [open, guarded] = await Promise.all([
    spawnServer(['--db', join(work, 'open.db')]),
    spawnServer(['--db', join(work, 'guarded.db'), '--token', TOKEN]),
  ]);
});

after(async () => {
  await Promise.all([open?.stop(), guarded?.stop()]);
});

test('/v1/model/ serves the manifest (without server paths) and exactly the files it names, byte for byte', async () => {
  const m = await fetch(`${open.url}/v1/model/manifest.json`);
  assert.equal(m.status, 200);
  const served = (await m.json()) as { identity: string; source: { checkpoint: string | null } };
  assert.equal(served.identity, manifest.identity);
  assert.ok(!String(served.source.checkpoint ?? '').includes('/'), 'no server path in the served manifest');
  const graph = await fetch(`${open.url}/v1/model/imu.onnx`);
  assert.equal(graph.status, 200);
  assert.ok(Buffer.from(await graph.arrayBuffer()).equals(readFileSync(join(defaultModelDir(), 'imu.onnx'))));
  const again = await fetch(`${open.url}/v1/model/imu.onnx`, {
    headers: { 'if-none-match': graph.headers.get('etag')! },
  });
  assert.equal(again.status, 304);
  for (const path of [
    '/v1/model/../manifest.json',
    '/v1/model/..%2F..%2Fpackage.json',
    '/v1/model/%2e%2e/%2e%2e/package.json',
    '/v1/model/upper-bound/imu.onnx',
    '/v1/model/open.db',
  ]) {
    const r = await rawGet(open.url, path);
    assert.ok(r.status === 404 || r.status === 400, `${path}: ${r.status}`);
    assert.ok(
      !r.body.includes(work) && !r.body.includes(defaultModelDir()),
      `${path}: the answer names no server path`,
    );
  }
});

test('/v1/model/ needs the token like the rest of /v1; /ort/ and the UI shell do not, and the UI is cross-origin isolated', async () => {
  assert.equal((await fetch(`${guarded.url}/v1/model/manifest.json`)).status, 401);
  assert.equal((await fetch(`${guarded.url}/v1/model/text.onnx`)).status, 401);
  assert.equal((await fetch(`${guarded.url}/v1/model/manifest.json`, { headers: auth })).status, 200);
  const wasm = await fetch(`${guarded.url}/ort/ort-wasm-simd-threaded.jsep.wasm`, { method: 'HEAD' });
  assert.equal(wasm.status, 200);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  for (const bad of [
    '/ort/package.json',
    '/ort/ort.min.mjs',
    '/ort/..%2Fpackage.json',
    '/ort/ort-wasm-simd-threaded.wasm.map',
  ]) {
    assert.equal((await rawGet(guarded.url, bad)).status, 404, bad);
  }
  const page = await fetch(`${guarded.url}/`);
  assert.equal(page.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(page.headers.get('cross-origin-embedder-policy'), 'require-corp');
});

test('POST /v1/search vector queries: identity required and checked, float32 range, no zero vector, right size', async () => {
  const post = async (q: Record<string, unknown>) => {
    const res = await fetch(`${open.url}/v1/search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queries: [q] }),
    });
    return {
      status: res.status,
      message: ((await res.json()) as { error?: { message: string } }).error?.message ?? '',
    };
  };
  const v = new Array(dim).fill(0.1);
  const cases: [Record<string, unknown>, number, RegExp][] = [
    [{ kind: 'vector', vector: v, identity: 'f'.repeat(64) }, 409, /another embedding space/],
    [{ kind: 'vector', vector: v }, 400, /identity is required/],
    [{ kind: 'vector', vector: [1, 2, 3], identity: manifest.identity }, 400, /has 3 values/],
    [{ kind: 'vector', vector: new Array(dim).fill(0), identity: manifest.identity }, 400, /all zeros/],
    [{ kind: 'vector', vector: new Array(dim).fill(1e39), identity: manifest.identity }, 400, /float32/],
    [{ kind: 'vector', vector: 'nope', identity: manifest.identity }, 400, /array of finite/],
  ];
  for (const [q, status, message] of cases) {
    const r = await post(q);
    assert.equal(r.status, status, JSON.stringify(q).slice(0, 80));
    assert.match(r.message, message);
  }
  assert.equal((await post({ kind: 'vector', vector: v, identity: manifest.identity })).status, 200);
});
