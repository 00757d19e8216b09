import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { StoreError } from '../core/errors.ts';
import { openStore } from './open.ts';
import { seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';
import type { ItemInput } from './types.ts';

const DIM = 16;
const item = (path: string, seed: number): ItemInput => ({
  path,
  modality: 'vision',
  vector: seededVector(seed, DIM),
  hash: 'h',
  mtime: 1,
  size: 1,
});

test('a reader searches while another connection holds an open write transaction (WAL)', () => {
  const writer = openStore(tempDbPath(), { space: testSpace(DIM) });
  writer.addItems([item('a', 1), item('b', 2)]);
  const reader = openStore(writer.file, { readonly: true });
  // A raw connection stands in for an indexer in the middle of a batch.
  const raw = new Database(writer.file);
  raw.exec('BEGIN IMMEDIATE');
  raw
    .prepare(
      "INSERT INTO items (path, modality, hash, mtime, size, norm, updated_at) VALUES ('c', 'vision', 'h', 1, 1, 1, 1)",
    )
    .run();
  const t0 = performance.now();
  const hits = reader.search(seededVector(1, DIM), { k: 5 });
  assert.ok(performance.now() - t0 < 1000, 'the reader did not wait for the writer');
  assert.deepEqual(
    hits.map((h) => h.path),
    ['a', 'b'],
  );
  assert.equal(reader.count(), 2, 'uncommitted rows are invisible');
  raw.exec('COMMIT');
  assert.equal(reader.count(), 3, 'committed rows become visible without reopening');
  raw.close();
  reader.close();
  writer.close();
});

test('a second writer is detected: STORE_BUSY after the busy timeout, and nothing is written', () => {
  const first = openStore(tempDbPath(), { space: testSpace(DIM) });
  const second = openStore(first.file, { space: testSpace(DIM), busyTimeoutMs: 100 });
  const raw = new Database(first.file);
  raw.exec('BEGIN IMMEDIATE');
  const t0 = performance.now();
  assert.throws(
    () => second.addItems([item('x', 3)]),
    (e: unknown) => {
      assert.ok(e instanceof StoreError);
      assert.equal(e.code, 'STORE_BUSY');
      assert.match(e.message, /only one process may write/);
      assert.ok(e.message.includes(first.file));
      return true;
    },
  );
  const waited = performance.now() - t0;
  assert.ok(waited >= 90 && waited < 2000, `waited ${waited} ms`);
  raw.exec('ROLLBACK');
  raw.close();
  second.addItems([item('x', 3)]);
  assert.equal(first.count(), 1);
  first.close();
  second.close();
});

test('a read-only store refuses writes with a StoreError', () => {
  const w = openStore(tempDbPath(), { space: testSpace(DIM) });
  w.addItems([item('a', 1)]);
  const r = openStore(w.file, { readonly: true });
  assert.throws(
    () => r.addItems([item('b', 2)]),
    (e: unknown) => e instanceof StoreError && e.code === 'STORE_READONLY',
  );
  r.close();
  w.close();
});
