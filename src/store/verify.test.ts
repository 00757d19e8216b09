import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { openStore } from './open.ts';
import { seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';
import { verifyStore } from './verify.ts';

const dim = 16;
const ann = { minItems: 500 };

function makeStore(n: number): string {
  const file = tempDbPath();
  const store = openStore(file, { space: testSpace(dim), ann });
  store.addItems(
    Array.from({ length: n }, (_, i) => ({
      path: `/d/${i}.png`,
      modality: i % 3 ? ('vision' as const) : ('audio' as const),
      vector: seededVector(i, dim),
      hash: String(i),
      mtime: 1,
      size: 1,
    })),
  );
  store.search(seededVector(1, dim), { k: 1 }); // builds and saves the HNSW graphs
  store.close();
  return file;
}

test('verify: a sound store (HNSW graphs included) has no problems', () => {
  const file = makeStore(800);
  const r = verifyStore(file, { ann });
  assert.equal(r.items, 800);
  assert.deepEqual(r.problems, []);
});

test('verify: items without vectors and vectors without items are found; --rebuild removes them and the graphs', () => {
  const file = makeStore(800);
  const raw = new Database(file);
  sqliteVec.load(raw);
  raw.prepare('DELETE FROM item_vectors WHERE rowid = ?').run(5n);
  raw
    .prepare("INSERT INTO item_vectors (rowid, embedding, modality) VALUES (9999, ?, 'vision')")
    .run(Buffer.from(seededVector(9, dim).buffer));
  raw.close();
  const found = verifyStore(file, { ann });
  assert.deepEqual(
    found.problems.filter((p) => p.check === 'vectors').map((p) => p.detail),
    ['1 items have no vector (e.g. id 5)', '1 vectors belong to no item (e.g. id 9999)'],
  );
  const fixed = verifyStore(file, { ann, rebuild: true });
  assert.deepEqual(fixed.remaining, []);
  assert.ok(fixed.repaired.some((r) => r.includes('1 items without a vector')));
  assert.ok(fixed.repaired.some((r) => r.includes('1 vectors without an item')));
  assert.ok(!existsSync(`${file}.ann/state.json`) || verifyStore(file, { ann }).problems.length === 0);
  const store = openStore(file, { ann });
  assert.equal(store.count(), 799);
  assert.equal(store.get(5), null);
  store.close();
});
