/**
 * The re-scoring vectors file (ann-vectors.ts): what is written is read back bit for bit, by id,
 * in any insertion order; ids it lacks give null; a truncated, foreign or other-dimension file is
 * refused (null), so the index falls back to SQLite; a failed write leaves no file behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/random.ts';
import { RescoreVectors, RescoreVectorsWriter } from './ann-vectors.ts';

const dim = 48;
const blob = (v: Float32Array) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

function written(n: number): { path: string; vectors: Map<number, Float32Array> } {
  const dir = mkdtempSync(join(tmpdir(), 'ann-vectors-'));
  const path = join(dir, 'vectors-1-abcd.f32');
  const rng = new Rng(n);
  const vectors = new Map<number, Float32Array>();
  const w = new RescoreVectorsWriter(path, dim);
  // Ids out of order and sparse (vec0 scans chunk by chunk; deleted rows leave gaps), past one write batch.
  for (let i = 0; i < n; i++) {
    const id = 1 + ((i * 7919) % (3 * n));
    const v = rng.fillNormal(new Float32Array(dim));
    vectors.set(id, v);
    w.add(id, blob(v));
  }
  assert.equal(w.finish(), n);
  return { path, vectors };
}

test('every vector is read back exactly by its id; absent ids give null', () => {
  const { path, vectors } = written(1000);
  const r = RescoreVectors.open(path, dim);
  assert.ok(r);
  assert.equal(r.size, 1000);
  for (const [id, v] of vectors) assert.deepEqual(r.get(id), v, `vector ${id}`);
  for (const id of [0, -1, 3001, 1.5, 2 ** 40]) if (!vectors.has(id)) assert.equal(r.get(id), null, `id ${id}`);
  r.close();
  assert.deepEqual(readdirSync(join(path, '..')), ['vectors-1-abcd.f32'], 'no temporary file left');
});

test('a truncated, foreign or other-dimension file is refused', () => {
  const { path } = written(300);
  assert.equal(RescoreVectors.open(path, dim + 1), null, 'another dimension');
  assert.equal(RescoreVectors.open(join(path, '..', 'missing.f32'), dim), null, 'missing');
  const foreign = join(path, '..', 'foreign.f32');
  writeFileSync(foreign, Buffer.alloc(4096, 7));
  assert.equal(RescoreVectors.open(foreign, dim), null, 'not a vectors file');
  truncateSync(path, 16 + 300 * dim * 4 + 100); // the id table cut short
  assert.equal(RescoreVectors.open(path, dim), null, 'truncated');
});

test('a vector of the wrong size aborts the write and leaves nothing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ann-vectors-bad-'));
  const path = join(dir, 'vectors-2-abcd.f32');
  const w = new RescoreVectorsWriter(path, dim);
  w.add(1, blob(new Float32Array(dim)));
  assert.throws(() => w.add(2, blob(new Float32Array(dim - 1))), /vector 2 has 188 bytes, expected 192/);
  w.abort();
  assert.equal(existsSync(path), false);
  assert.deepEqual(readdirSync(dir), []);
});
