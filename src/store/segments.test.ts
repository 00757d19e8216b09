import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StoreError } from '../core/errors.ts';
import { cosine, seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';
import { openStore } from './open.ts';

const DIM = 16;
const item = (path: string, modality: 'audio' | 'video', seed: number) => ({
  path,
  modality,
  vector: seededVector(seed, DIM),
  hash: `h${seed}`,
  mtime: 1,
  size: 1,
});

test('segments: stored with their time ranges, searched by cosine, per item and modality', () => {
  const file = tempDbPath();
  const store = openStore(file, { space: testSpace(DIM), ann: false });
  assert.equal(store.segments.count(), 0);
  assert.deepEqual(
    store.segments.search(seededVector(1, DIM), { k: 5 }),
    [],
    'a store without segments answers nothing',
  );
  const ids = store.transaction(() => {
    const [a] = store.addItems([item('/m/a.wav', 'audio', 1)]);
    const [b] = store.addItems([item('/m/b.mp4', 'video', 2)]);
    store.segments.replace(
      a,
      [0, 1, 2].map((k) => ({
        start: 10 * k,
        end: 10 * k + 10,
        vector: seededVector(100 + k, DIM),
        modality: 'audio',
      })),
    );
    store.segments.replace(b, [
      { start: 0, end: 5, vector: seededVector(200, DIM), modality: 'video' },
      { start: 0, end: 5, vector: seededVector(201, DIM), modality: 'audio' },
    ]);
    return { a, b };
  });
  assert.equal(store.segments.count(), 5);
  const q = seededVector(101, DIM);
  const hits = store.segments.search(q, { k: 3 });
  assert.deepEqual([hits[0].path, hits[0].start, hits[0].end, hits[0].modality], ['/m/a.wav', 10, 20, 'audio']);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6);
  for (const h of hits) {
    const v = seededVector(h.path === '/m/a.wav' ? 100 + h.start / 10 : h.modality === 'video' ? 200 : 201, DIM);
    assert.ok(Math.abs(h.score - cosine(q, v)) < 1e-5);
  }
  assert.ok(hits.every((h, i) => i === 0 || h.score <= hits[i - 1].score));
  assert.deepEqual(
    store.segments.search(q, { k: 10, modalities: ['video'] }).map((h) => [h.path, h.itemModality]),
    [['/m/b.mp4', 'video']],
  );
  assert.deepEqual(
    store.segments
      .search(q, { k: 10, itemId: ids.b })
      .map((h) => h.modality)
      .sort(),
    ['audio', 'video'],
  );
  assert.deepEqual(
    store.segments.forItem(ids.a).map((s) => [s.start, s.end]),
    [
      [0, 10],
      [10, 20],
      [20, 30],
    ],
  );
  // Re-indexing replaces an item's segments; removing the item removes them (trigger).
  store.segments.replace(ids.a, [{ start: 0, end: 30, vector: seededVector(9, DIM), modality: 'audio' }]);
  assert.equal(store.segments.count(), 3);
  store.removeByPath('/m/b.mp4');
  assert.equal(store.segments.count(), 1);
  assert.deepEqual(store.integrityCheck(), []);
  store.close();
  // Another process reading the file sees them.
  const reader = openStore(file, { readonly: true, ann: false });
  assert.equal(reader.segments.search(q, { k: 5 }).length, 1);
  reader.close();
});

test('segments: bad ranges and vectors are refused, a failed transaction leaves nothing', () => {
  const store = openStore(tempDbPath(), { space: testSpace(DIM), ann: false });
  const [id] = store.addItems([item('/m/a.wav', 'audio', 1)]);
  const v = seededVector(3, DIM);
  for (const [start, end] of [
    [5, 5],
    [-1, 2],
    [3, 1],
    [0, Number.NaN],
  ])
    assert.throws(
      () => store.segments.replace(id, [{ start, end, vector: v, modality: 'audio' }]),
      (e: StoreError) => e.code === 'STORE_BAD_ITEM',
    );
  assert.throws(
    () => store.segments.replace(id, [{ start: 0, end: 1, vector: new Float32Array(3), modality: 'audio' }]),
    (e: StoreError) => e.code === 'STORE_DIM_MISMATCH',
  );
  assert.throws(() =>
    store.transaction(() => {
      store.addItems([item('/m/b.wav', 'audio', 2)]);
      store.segments.replace(id, [{ start: 0, end: 1, vector: v, modality: 'audio' }]);
      throw new Error('killed mid-way');
    }),
  );
  assert.equal(store.getByPath('/m/b.wav', 'audio'), null);
  assert.equal(store.segments.count(), 0);
  store.close();
});
