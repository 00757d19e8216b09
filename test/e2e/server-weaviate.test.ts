/**
 * The Weaviate multi2vec-bind inference contract, pinned: the request Weaviate's Go client sends
 * (modules/multi2vec-bind/clients/vectorizer.go: omitempty lists of base64 strings), the exact
 * response keys and types of the Python container (app.py), /meta's body, the 204 probes, and
 * the {"error": string} failure shape.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { ref } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const RESPONSE_KEYS = [
  'audioVectors',
  'depthVectors',
  'imageVectors',
  'imuVectors',
  'textVectors',
  'thermalVectors',
  'videoVectors',
];
const work = mkdtempSync(join(tmpdir(), 'imagebind-weaviate-'));
let server: SpawnedServer;
let model: ImageBind;
let dim: number;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

async function vectorize(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}/vectorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

before(async () => {
  const dir = await tinyModelDir(false);
  model = await ImageBind.load(dir);
  dim = model.manifest.config.out_embed_dim;
  server = await spawnServer(['--model', dir, '--db', join(work, 'index.db')]);
});

after(async () => {
  await server.stop();
  await model.close();
});

test('probes: GET and HEAD /.well-known/{live,ready} answer 204 with no body', async () => {
  for (const method of ['GET', 'HEAD']) {
    for (const p of ['/.well-known/live', '/.well-known/ready']) {
      const res = await fetch(server.url + p, { method });
      assert.equal(res.status, 204, `${method} ${p}`);
      assert.equal(await res.text(), '');
    }
  }
});

test('GET /meta is the container body {"model": "ImageBindModel", "version": 1}', async () => {
  const res = await fetch(`${server.url}/meta`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  assert.deepEqual(await res.json(), { model: 'ImageBindModel', version: 1 });
});

test('POST /vectorize: a Weaviate-style request gets all seven keys, raw outputs, [] for kinds not sent', async () => {
  const jpg = readFileSync(ref('assets', 'dog_image.jpg'));
  const wav = readFileSync(ref('assets', 'dog_audio.wav'));
  // What vectorizer.go marshals for an object with a text and an image field: empty lists omitted.
  const fixture = { texts: ['A dog.', 'A car'], images: [b64(jpg)], audio: [b64(wav)] };
  const r = await vectorize(fixture);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(Object.keys(r.json).sort(), RESPONSE_KEYS);
  const v = r.json as Record<string, number[][]>;
  for (const k of RESPONSE_KEYS) {
    assert.ok(Array.isArray(v[k]), k);
    for (const row of v[k]) {
      assert.equal(row.length, dim, k);
      assert.ok(
        row.every((x) => typeof x === 'number' && Number.isFinite(x)),
        k,
      );
    }
  }
  assert.equal(v.textVectors.length, 2);
  assert.equal(v.imageVectors.length, 1);
  assert.equal(v.audioVectors.length, 1);
  for (const k of ['videoVectors', 'imuVectors', 'depthVectors', 'thermalVectors']) assert.deepEqual(v[k], [], k);
  // Raw outputs, as bind.py's `model(inputs)[m].tolist()`: text keeps its logit scale.
  const lib = await model.embed({ text: ['A dog.'], vision: [jpg] });
  v.textVectors[0].forEach((x, i) => assert.ok(Math.abs(x - lib.text![0]![i]) < 1e-4));
  v.imageVectors[0].forEach((x, i) => assert.ok(Math.abs(x - lib.vision![0]![i]) < 1e-4));
  const textNorm = Math.hypot(...v.textVectors[0]);
  assert.ok(
    Math.abs(textNorm - (model.manifest.modalities.text?.outputScale ?? 1)) < 1e-3,
    `text norm ${textNorm} is the logit scale`,
  );
});

test('POST /vectorize: video, depth, thermal and IMU fields', async () => {
  const w = 64,
    h = 48;
  const depth = await sharp(Buffer.from(new Uint16Array(w * h).map((_, i) => 900 + (i % w) * 9).buffer), {
    raw: { width: w, height: h, channels: 1 },
  })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  const thermal = await sharp(Buffer.from(new Uint8Array(w * h).map((_, i) => i % 251)), {
    raw: { width: w, height: h, channels: 1 },
  })
    .png()
    .toBuffer();
  const rows = ['acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z'];
  for (let i = 0; i < 400; i++) rows.push([Math.sin(i / 9), 0.1, 9.8, 0.01, Math.cos(i / 7), 0].join(','));
  const mp4 = join(work, 'clip.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=96x64:rate=8:duration=2',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    mp4,
  ]);
  const r = await vectorize({
    video: [b64(readFileSync(mp4))],
    depth: [b64(depth)],
    thermal: [b64(thermal)],
    imu: [b64(Buffer.from(rows.join('\n')))],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const v = r.json as Record<string, number[][]>;
  for (const k of ['videoVectors', 'depthVectors', 'thermalVectors', 'imuVectors']) assert.equal(v[k].length, 1, k);
  assert.deepEqual(v.textVectors, []);
  assert.deepEqual(v.imageVectors, []);
});

test('POST /vectorize errors: {"error": string}; 400 for a body that is not JSON, 422 for a wrong body or undecodable input', async () => {
  // app.py answers 500 to everything; Weaviate reads any non-200 alike, and a client's mistake is never a 500 here.
  const bad = await vectorize({ texts: ['ok'], images: ['***not base64***'] });
  assert.equal(bad.status, 422);
  assert.deepEqual(Object.keys(bad.json), ['error']);
  assert.equal(typeof bad.json.error, 'string');
  assert.match(bad.json.error as string, /images\[0\]/);
  const broken = await vectorize({ images: [b64(readFileSync(ref('assets', 'dog_image.jpg')).subarray(0, 300))] });
  assert.equal(broken.status, 422);
  assert.equal(typeof broken.json.error, 'string');
  for (const body of ['[]', '{"texts": "not a list"}', '{"images": [1, 2]}']) {
    const r = await vectorize(body);
    assert.equal(r.status, 422, body);
    assert.deepEqual(Object.keys(r.json), ['error'], body);
  }
  for (const body of ['{"texts":[', '{"texts": ["a"], "__proto__": {"x": 1}}']) {
    const r = await vectorize(body);
    assert.equal(r.status, 400, body);
    assert.deepEqual(Object.keys(r.json), ['error'], body);
  }
  const empty = await vectorize({});
  assert.equal(empty.status, 200);
  assert.deepEqual(Object.keys(empty.json).sort(), RESPONSE_KEYS);
});
