/**
 * Server-body fuzzing support: seed requests for every route, fast-check arbitraries that mutate
 * them (JSON values swapped for arbitrary ones, forbidden keys, text mutations, multipart parts
 * with garbage, wrong content types, raw bytes), one function that sends a case to a real server
 * and checks the invariants, and the corpus format of `test/fuzz/corpus/server/*.json`.
 *
 * Invariants per case: never a 5xx other than 503/504 (overload and timeouts are answers, not
 * faults), an answer within CASE_MS, the process still running, /healthz answering within PROBE_MS.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import type { SpawnedServer } from '../helpers/server.ts';
import { type RawResponse, multipartBody, rawRequest } from '../helpers/http.ts';

export const CASE_MS = 10_000;
export const PROBE_MS = 2_000;

/** One request as sent (and as stored in the corpus: `body64` is the body in base64). */
export interface FuzzCase {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body64: string;
  /** Why it is in the corpus (what it once broke). */
  readonly note?: string;
}

export const CORPUS_DIR = new URL('./corpus/server/', import.meta.url).pathname;

export function corpusCases(): { name: string; c: FuzzCase }[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((name) => ({ name, c: JSON.parse(readFileSync(join(CORPUS_DIR, name), 'utf8')) as FuzzCase }));
}

function crc32(buf: Uint8Array): number {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

function tinyPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(td.length + 8);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc32(td), td.length + 4);
    return out;
  };
  const ihdr = Buffer.from([0, 0, 0, 8, 0, 0, 0, 8, 8, 2, 0, 0, 0]);
  const raw = Buffer.alloc(8 * 25, 0x60);
  for (let y = 0; y < 8; y++) raw[y * 25] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function tinyWav(): Buffer {
  const samples = 1600;
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(16000, 24);
  b.writeUInt32LE(32000, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin(i / 5)), 44 + i * 2);
  return b;
}

const IMU = Buffer.from(
  'acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z\n' +
    Array.from({ length: 50 }, (_, i) => `${i % 3},0.1,9.8,0.01,0.02,${i / 100}`).join('\n'),
);

export const MEDIA = { image: tinyPng(), audio: tinyWav(), imu: IMU } as const;
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** Valid JSON bodies per route, the starting points of mutation. */
export function jsonSeeds(identity: string, dim: number, root: string): { path: string; body: unknown }[] {
  const vector = Array.from({ length: dim }, (_, i) => Math.sin(i + 1));
  return [
    {
      path: '/v1/embed',
      body: { text: ['a dog'], image: [b64(MEDIA.image)], audio: [b64(MEDIA.audio)], normalize: true },
    },
    { path: '/v1/embed', body: { imu: [b64(MEDIA.imu)] } },
    {
      path: '/v1/search',
      body: {
        queries: [
          { kind: 'text', text: 'a dog', weight: 1 },
          { kind: 'image', data: b64(MEDIA.image), weight: 0.5, negate: true },
          { kind: 'vector', vector, identity },
          { itemId: 1 },
        ],
        k: 3,
        modalities: ['image', 'audio'],
      },
    },
    {
      path: '/v1/classify',
      body: {
        labels: ['dog', 'car'],
        template: 'a {}.',
        inputs: [
          { kind: 'text', text: 'woof' },
          { kind: 'image', data: b64(MEDIA.image) },
        ],
      },
    },
    { path: '/v1/items', body: { paths: [join(root, 'a.png')] } },
    {
      path: '/vectorize',
      body: { texts: ['a dog'], images: [b64(MEDIA.image)], audio: [b64(MEDIA.audio)], imu: [b64(MEDIA.imu)] },
    },
  ];
}

const ROUTES_POST = ['/v1/embed', '/v1/search', '/v1/classify', '/v1/items', '/vectorize'];

const FIELD_NAMES = [
  'text',
  'image',
  'audio',
  'imu',
  'video',
  'depth',
  'thermal',
  'file',
  'k',
  'modalities',
  'weights',
  'minus_text',
  'minus_image',
  'itemId',
  'normalize',
  'paths',
  '__proto__',
  'constructor',
  'hasOwnProperty',
];

/** A JSON value with some of its members replaced, removed or added (forbidden keys included). */
function mutateJson(seed: unknown): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom(null, '', -1, 0, 1e308, -0, 2 ** 53, 'x'.repeat(70_000), [], {}, [[[[[]]]]]),
    fc.string({ maxLength: 40 }),
  );
  const walk = (v: unknown, depth: number): fc.Arbitrary<unknown> => {
    if (depth > 3) return fc.constant(v);
    if (Array.isArray(v))
      return fc
        .tuple(
          ...(v.length
            ? v.map((x) => fc.oneof({ weight: 4, arbitrary: walk(x, depth + 1) }, { weight: 1, arbitrary: leaf }))
            : [fc.constant(undefined)]),
          fc.array(leaf, { maxLength: 3 }),
        )
        .map((xs) => {
          const extra = xs[xs.length - 1] as unknown[];
          return [...xs.slice(0, -1).filter((x) => x !== undefined), ...extra];
        });
    if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      return fc
        .tuple(
          ...entries.map(([k, x]) =>
            fc.oneof(
              { weight: 5, arbitrary: walk(x, depth + 1).map((y) => [k, y] as const) },
              { weight: 1, arbitrary: leaf.map((y) => [k, y] as const) },
              { weight: 1, arbitrary: fc.constant(null) },
            ),
          ),
          fc.array(fc.tuple(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 8 })), leaf), {
            maxLength: 2,
          }),
        )
        .map((parts) => {
          // Generated values are shared with the shrinker: read them, never mutate them.
          const extra = parts[parts.length - 1] as [string, unknown][];
          const kept = (parts.slice(0, -1) as ([string, unknown] | null)[]).filter(
            (p): p is [string, unknown] => p !== null,
          );
          return { __pairs: [...kept, ...extra] };
        });
    }
    return fc.oneof({ weight: 3, arbitrary: fc.constant(v) }, { weight: 1, arbitrary: leaf });
  };
  return walk(seed, 0);
}

/** JSON text with `__pairs` objects written key by key, so "__proto__" appears as a real key. */
function toJsonText(v: unknown): string {
  if (v && typeof v === 'object' && '__pairs' in (v as object)) {
    const pairs = (v as { __pairs: [string, unknown][] }).__pairs;
    return `{${pairs.map(([k, x]) => `${JSON.stringify(k)}:${toJsonText(x)}`).join(',')}}`;
  }
  if (Array.isArray(v)) return `[${v.map(toJsonText).join(',')}]`;
  return JSON.stringify(v) ?? 'null';
}

/** Byte-level damage to a serialised body: truncation, insertion, overwrite. */
function damage(text: Buffer): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(text) },
    { weight: 1, arbitrary: fc.nat({ max: text.length }).map((n) => text.subarray(0, n)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat({ max: text.length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))
        .map(([at, ins]) => Buffer.concat([text.subarray(0, at), ins, text.subarray(at)])),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.nat({ max: Math.max(0, text.length - 1) }), fc.integer({ min: 0, max: 255 }))
        .map(([at, b]) => {
          const out = Buffer.from(text);
          if (out.length) out[at] = b;
          return out;
        }),
    },
  );
}

const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'image/png',
  '',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
];

function jsonCase(seeds: { path: string; body: unknown }[]): fc.Arbitrary<FuzzCase> {
  return fc
    .constantFrom(...seeds)
    .chain((s) =>
      fc.tuple(
        fc.constant(s.path),
        mutateJson(s.body).map((v) => Buffer.from(toJsonText(v))),
      ),
    )
    .chain(([path, text]) => fc.tuple(fc.constant(path), damage(text), fc.constantFrom(...CONTENT_TYPES.slice(0, 2))))
    .map(([path, body, type]) => ({
      method: 'POST',
      path,
      headers: { 'content-type': type },
      body64: body.toString('base64'),
    }));
}

function multipartCase(): fc.Arbitrary<FuzzCase> {
  const value = fc.oneof(
    fc.constantFrom<Uint8Array>(
      MEDIA.image,
      MEDIA.audio,
      MEDIA.imu,
      MEDIA.image.subarray(0, 40),
      MEDIA.audio.subarray(0, 30),
    ),
    fc.uint8Array({ maxLength: 200 }),
    fc.string({ maxLength: 30 }).map((s) => Buffer.from(s)),
  );
  const part = fc.record({
    name: fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 10 })),
    value,
    filename: fc.option(
      fc.oneof(fc.constantFrom('a.png', 'x.wav', '../../etc/passwd', 'a b.jpg', ''), fc.string({ maxLength: 12 })),
      { nil: undefined },
    ),
    type: fc.option(fc.constantFrom('image/png', 'audio/wav', 'text/csv', 'application/json', 'text/plain'), {
      nil: undefined,
    }),
  });
  return fc
    .tuple(
      fc.constantFrom('/v1/embed', '/v1/search', '/v1/items', '/v1/classify', '/vectorize'),
      fc.array(part, { maxLength: 5 }),
    )
    .chain(([path, parts]) => {
      const mp = multipartBody(
        parts.map((p) => ({
          ...p,
          name: p.name.replace(/["\r\n]/g, '_'),
          filename: p.filename?.replace(/["\r\n]/g, '_'),
        })),
      );
      return fc.tuple(fc.constant(path), damage(mp.body), fc.constant(mp.contentType));
    })
    .map(([path, body, type]) => ({
      method: 'POST',
      path,
      headers: { 'content-type': type },
      body64: body.toString('base64'),
    }));
}

function rawCase(): fc.Arbitrary<FuzzCase> {
  return fc
    .record({
      method: fc.constantFrom('POST', 'POST', 'DELETE', 'GET', 'PUT', 'PATCH'),
      path: fc.oneof(
        fc.constantFrom(
          ...ROUTES_POST,
          '/v1/items/1',
          '/v1/items/1/media',
          '/v1/items/abc',
          '/v1/items/99999999999999999999',
          '/v1/model/manifest.json',
          '/v1/model/%2e%2e%2fpackage.json',
          '/assets/x',
          '/ort/x.wasm',
          '/v1/items?after=-1&limit=1e9',
          '/v1/items?modality=__proto__',
        ),
        fc.string({ maxLength: 20 }).map((s) => `/v1/${encodeURIComponent(s)}`),
      ),
      type: fc.constantFrom(...CONTENT_TYPES),
      body: fc.uint8Array({ maxLength: 300 }),
    })
    .map(({ method, path, type, body }): FuzzCase => ({
      method,
      path,
      headers: type ? { 'content-type': type } : ({} as Record<string, string>),
      body64: method === 'GET' ? '' : Buffer.from(body).toString('base64'),
    }));
}

/** Well-formed bodies with edge values (odd text, extreme weights and k, odd modality lists), to reach the encoders. */
function edgeCase(identity: string, dim: number): fc.Arbitrary<FuzzCase> {
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.constantFrom('', ' ', '\u0000', '&amp;&lt;', 'a'.repeat(600)),
  );
  const num = fc.oneof(fc.double({ noNaN: true }), fc.integer(), fc.constantFrom(0, -0, 1e-300, 1e300));
  const mods = fc.array(
    fc.constantFrom('image', 'vision', 'audio', 'video', 'text', 'depth', 'thermal', 'imu', 'nope', ''),
    { maxLength: 4 },
  );
  const query = fc.oneof(
    fc.record({ kind: fc.constant('text'), text, weight: num, negate: fc.boolean() }),
    fc.record({
      kind: fc.constantFrom('image', 'audio', 'imu'),
      data: fc.constantFrom(b64(MEDIA.image), b64(MEDIA.audio), b64(MEDIA.imu)),
      weight: num,
    }),
    fc.record({ itemId: fc.oneof(fc.integer({ min: -2, max: 5 }), num) }),
    fc.record({
      kind: fc.constant('vector'),
      vector: fc.array(num, { minLength: dim, maxLength: dim }),
      identity: fc.constantFrom(identity, 'other'),
    }),
  );
  const bodies = fc.oneof(
    fc
      .record({
        queries: fc.array(query, { maxLength: 4 }),
        k: fc.oneof(num, fc.integer({ min: 0, max: 2000 })),
        modalities: fc.oneof(mods, fc.constant('image,audio')),
      })
      .map((b) => ['/v1/search', b] as const),
    fc
      .record({ text: fc.array(text, { maxLength: 5 }), normalize: fc.boolean() })
      .map((b) => ['/v1/embed', b] as const),
    fc
      .record({
        labels: fc.array(text, { maxLength: 4 }),
        template: text,
        inputs: fc.array(fc.record({ kind: fc.constant('text'), text }), { maxLength: 3 }),
      })
      .map((b) => ['/v1/classify', b] as const),
    fc.record({ texts: fc.array(text, { maxLength: 4 }) }).map((b) => ['/vectorize', b] as const),
  );
  return bodies.map(([path, b]): FuzzCase => ({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body64: Buffer.from(JSON.stringify(b)).toString('base64'),
  }));
}

export function fuzzCases(identity: string, dim: number, root: string): fc.Arbitrary<FuzzCase> {
  return fc.oneof(
    { weight: 2, arbitrary: edgeCase(identity, dim) },
    { weight: 3, arbitrary: jsonCase(jsonSeeds(identity, dim, root)) },
    { weight: 2, arbitrary: multipartCase() },
    { weight: 1, arbitrary: rawCase() },
  );
}

export interface Outcome {
  readonly response: RawResponse;
  readonly ms: number;
}

/** Sends one case and checks the invariants; throws (with the case in the message) when one fails. */
export async function runCase(server: SpawnedServer, c: FuzzCase): Promise<Outcome> {
  const host = `127.0.0.1:${new URL(server.url).port}`;
  const body = Buffer.from(c.body64, 'base64');
  const t0 = performance.now();
  const response = await withDeadline(
    rawRequest(server.url, {
      method: c.method,
      path: c.path,
      headers: { host, ...c.headers },
      body: c.method === 'GET' ? undefined : body,
    }),
    CASE_MS,
    c,
  );
  const ms = performance.now() - t0;
  const what = `${c.method} ${c.path} (${c.headers['content-type'] ?? 'no type'}, ${body.length} bytes) → ${response.status} ${response.body.slice(0, 200)}`;
  if (response.status >= 500 && response.status !== 503 && response.status !== 504)
    throw new Error(`server fault: ${what}`);
  if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`server died after ${what}`);
  const probe = await withDeadline(rawRequest(server.url, { path: '/healthz', headers: { host } }), PROBE_MS, c);
  if (probe.status !== 200) throw new Error(`/healthz answered ${probe.status} after ${what}`);
  return { response, ms };
}

async function withDeadline<T>(p: Promise<T>, ms: number, c: FuzzCase): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${ms} ms: ${c.method} ${c.path} ${c.body64.slice(0, 200)}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
