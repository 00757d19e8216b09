import { test } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { StoreError } from '../core/errors.ts';
import { openStore, type OpenStoreOptions } from './open.ts';
import { seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';

function refused(file: string, opts: OpenStoreOptions): StoreError {
  try {
    openStore(file, opts).close();
  } catch (e) {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the open to be refused');
}

function made(dim = 8): string {
  const s = openStore(tempDbPath(), { space: testSpace(dim) });
  s.addItems([{ path: 'p', modality: 'text', vector: seededVector(1, dim), hash: 'h', mtime: 1, size: 1 }]);
  s.close();
  return s.file;
}

test('records the space and reopens with the same one', () => {
  const f = made();
  const s = openStore(f, { space: testSpace(8) });
  assert.equal(s.info.identity, 'test-identity-a');
  assert.equal(s.info.modelName, 'test-model-a');
  assert.equal(s.info.schemaVersion, 1);
  assert.ok(Date.parse(s.info.createdAt) > 0);
  assert.equal(s.count(), 1);
  s.close();
});

test('a different model identity is refused, naming both models and what to do', () => {
  const f = made();
  const e = refused(f, { space: testSpace(8, 'other-identity', 'imagebind-mini') });
  assert.equal(e.code, 'STORE_SPACE_MISMATCH');
  for (const s of ['test-model-a', 'imagebind-mini', 'test-identity-a', 'other-identity', '--db', 're-index', f]) {
    assert.ok(e.message.includes(s), `message lacks ${s}: ${e.message}`);
  }
});

test('a different vector dim is refused', () => {
  const e = refused(made(8), { space: testSpace(16) });
  assert.equal(e.code, 'STORE_DIM_MISMATCH');
  assert.match(e.message, /8-d/);
});

test('a new file needs the space to be created', () => {
  assert.equal(refused(tempDbPath(), {}).code, 'STORE_NO_SPACE');
  assert.equal(refused(tempDbPath(), { readonly: true }).code, 'STORE_NOT_FOUND');
});

test('a file that is not SQLite is refused with its name', () => {
  const f = tempDbPath('photo.jpg');
  writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096, 7)]));
  const e = refused(f, { space: testSpace(8) });
  assert.equal(e.code, 'STORE_NOT_SQLITE');
  assert.ok(e.message.includes(f));
  const tiny = tempDbPath('notes.txt');
  writeFileSync(tiny, 'hello');
  assert.equal(refused(tiny, { space: testSpace(8) }).code, 'STORE_NOT_SQLITE');
});

test('a SQLite database that is not a store is refused and left alone', () => {
  const f = tempDbPath('app.db');
  const db = new Database(f);
  db.exec('CREATE TABLE users (id INTEGER PRIMARY KEY)');
  db.close();
  const e = refused(f, { space: testSpace(8) });
  assert.equal(e.code, 'STORE_NOT_A_STORE');
  const again = new Database(f);
  assert.deepEqual(again.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all(), ['users']);
  again.close();
});

test('a store from a newer schema version is refused clearly', () => {
  const f = made();
  const db = new Database(f);
  db.prepare("UPDATE meta SET value = '99' WHERE key = 'schema_version'").run();
  db.close();
  const e = refused(f, {});
  assert.equal(e.code, 'STORE_SCHEMA_TOO_NEW');
  assert.match(e.message, /version 99/);
  assert.match(e.message, /upgrade/);
});

test('a corrupted store is reported as corrupt, naming the file', () => {
  const f = made();
  // Keep the 100-byte header (so it still looks like SQLite) and smash the schema page.
  const fd = openSync(f, 'r+');
  writeSync(fd, Buffer.alloc(3000, 0xab), 0, 3000, 100);
  closeSync(fd);
  const e = refused(f, {});
  assert.equal(e.code, 'STORE_CORRUPT');
  assert.ok(e.message.includes(f));
});
