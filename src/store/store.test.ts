import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreError } from '../core/errors.ts';
import { openStore } from './open.ts';
import type { StoreModality } from './modality.ts';
import { cosine, seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';
import type { ItemInput } from './types.ts';

const DIM = 32;

function item(
  path: string,
  seed: number,
  modality: StoreModality = 'vision',
  extra: Partial<ItemInput> = {},
): ItemInput {
  return {
    path,
    modality,
    vector: seededVector(seed, DIM),
    hash: `h${seed}`,
    mtime: 1000 + seed,
    size: 10 + seed,
    metadata: { seed },
    ...extra,
  };
}

function fresh() {
  return openStore(tempDbPath(), { space: testSpace(DIM) });
}

test('adds, gets, counts, lists in pages and persists across reopen', () => {
  const s = fresh();
  const ids = s.addItems([item('a.jpg', 1), item('b.txt', 2, 'text'), item('a.jpg', 3, 'audio')]);
  assert.equal(ids.length, 3);
  assert.equal(s.count(), 3);
  assert.equal(s.count('vision'), 1);
  const a = s.get(ids[0]);
  assert.equal(a?.path, 'a.jpg');
  assert.deepEqual(a?.metadata, { seed: 1 });
  assert.ok(Math.abs(a!.norm - Math.hypot(...seededVector(1, DIM))) < 1e-4);
  assert.equal(s.getByPath('a.jpg', 'audio')?.id, ids[2]);
  assert.equal(s.getByPath('a.jpg', 'text'), null);
  const p1 = s.list({ limit: 2 });
  const p2 = s.list({ limit: 2, afterId: p1[1].id });
  assert.deepEqual(
    [...p1, ...p2].map((i) => i.id),
    ids,
  );
  assert.deepEqual(
    s.list({ modality: 'text' }).map((i) => i.path),
    ['b.txt'],
  );
  const file = s.file;
  s.close();
  const r = openStore(file, { readonly: true });
  assert.equal(r.count(), 3);
  assert.equal(r.info.dim, DIM);
  r.close();
});

test('search: own vector ranks first, scores are exact cosines, results are the true top-k', () => {
  const s = fresh();
  const items = Array.from({ length: 300 }, (_, i) => item(`f${i}`, 100 + i, i % 3 === 0 ? 'text' : 'vision'));
  const ids = s.addItems(items);
  const q = items[42].vector;
  const hits = s.search(q, { k: 10 });
  assert.equal(hits.length, 10);
  assert.equal(hits[0].id, ids[42]);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6);
  const expected = items
    .map((it, i) => ({ id: ids[i], score: cosine(q, it.vector) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 10);
  assert.deepEqual(
    hits.map((h) => h.id),
    expected.map((e) => e.id),
  );
  hits.forEach((h, i) =>
    assert.ok(Math.abs(h.score - expected[i].score) <= 1e-6, `score ${h.score} vs ${expected[i].score}`),
  );
  assert.equal(hits[0].path, 'f42');
  assert.deepEqual(hits[0].metadata, { seed: 142 });
  // A scaled query has the same cosines.
  const scaled = q.map((x) => x * 0.01);
  assert.deepEqual(
    s.search(scaled, { k: 10 }).map((h) => h.id),
    expected.map((e) => e.id),
  );
  s.close();
});

test('modality filter returns k items of that modality even when others dominate', () => {
  const s = fresh();
  const q = seededVector(7, DIM);
  // 400 vision items close to the query, 6 audio and 12 text items far from it.
  const near = Array.from({ length: 400 }, (_, i) =>
    item(`v${i}`, 0, 'vision', { vector: q.map((x, j) => x + 0.3 * seededVector(500 + i, DIM)[j]) }),
  );
  const audio = Array.from({ length: 6 }, (_, i) => item(`a${i}`, 2000 + i, 'audio'));
  const text = Array.from({ length: 12 }, (_, i) => item(`t${i}`, 3000 + i, 'text'));
  s.addItems([...near, ...audio, ...text]);
  assert.ok(s.search(q, { k: 10 }).every((h) => h.modality === 'vision'));
  const a = s.search(q, { k: 10, modalities: ['audio'] });
  assert.equal(a.length, 6, 'all 6 audio items, as fewer than k exist');
  assert.ok(a.every((h) => h.modality === 'audio'));
  const t = s.search(q, { k: 10, modalities: ['text'] });
  assert.equal(t.length, 10);
  assert.ok(t.every((h) => h.modality === 'text'));
  const both = s.search(q, { k: 15, modalities: ['audio', 'text'] });
  assert.equal(both.length, 15);
  const want = [...audio, ...text]
    .map((it) => cosine(q, it.vector))
    .sort((x, y) => y - x)
    .slice(0, 15);
  both.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]) <= 1e-6));
  assert.ok(both.every((h, i) => i === 0 || both[i - 1].score >= h.score));
  s.close();
});

test('excludeIds and minScore', () => {
  const s = fresh();
  const items = Array.from({ length: 50 }, (_, i) => item(`f${i}`, 10 + i));
  const ids = s.addItems(items);
  const q = items[0].vector;
  const top = s.search(q, { k: 5 });
  const ex = s.search(q, { k: 5, excludeIds: [top[0].id, top[1].id] });
  assert.equal(ex.length, 5);
  assert.deepEqual(
    ex.slice(0, 3).map((h) => h.id),
    top.slice(2).map((h) => h.id),
  );
  const min = s.search(q, { k: 50, minScore: 0.5 });
  assert.deepEqual(
    min.map((h) => h.id),
    [ids[0]],
  );
  assert.deepEqual(s.search(q, { k: 0 }), []);
  s.close();
});

test('upsert keeps the id and replaces vector, hash and metadata', () => {
  const s = fresh();
  const [id] = s.addItems([item('x.png', 1)]);
  s.addItems([item('other.png', 2)]);
  const [id2] = s.addItems([item('x.png', 99, 'vision', { hash: 'new', metadata: { v: 2 } })]);
  assert.equal(id2, id);
  assert.equal(s.count(), 2);
  const it = s.get(id)!;
  assert.equal(it.hash, 'new');
  assert.deepEqual(it.metadata, { v: 2 });
  const hits = s.search(seededVector(99, DIM), { k: 1 });
  assert.equal(hits[0].id, id);
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6);
  s.close();
});

test('remove and removeByPath drop items from search and counts', () => {
  const s = fresh();
  const ids = s.addItems([item('a', 1), item('b', 2), item('b', 3, 'text'), item('c', 4)]);
  assert.equal(s.remove(ids[0]), true);
  assert.equal(s.remove(ids[0]), false);
  assert.equal(s.get(ids[0]), null);
  assert.equal(s.getVector(ids[0]), null);
  // Ids no row can have (a fuzzed HTTP body's 1e300 once reached SQLite as an out-of-range bigint).
  for (const bad of [1e300, -1, 0, 1.5, Number.MAX_SAFE_INTEGER + 2, Number.NaN]) {
    assert.equal(s.get(bad), null, `get(${bad})`);
    assert.equal(s.getVector(bad), null, `getVector(${bad})`);
    assert.equal(s.remove(bad), false, `remove(${bad})`);
  }
  assert.equal(s.removeByPath('b', 'text'), 1);
  assert.equal(s.removeByPath('nope'), 0);
  assert.equal(s.count(), 2);
  assert.deepEqual(
    s
      .search(seededVector(1, DIM), { k: 10 })
      .map((h) => h.id)
      .sort(),
    [ids[1], ids[3]].sort(),
  );
  assert.equal(s.removeByPath('b'), 1);
  assert.equal(s.count(), 1);
  s.close();
});

test('needsUpdate: skips by size+mtime, then by hash, and only hashes when needed', () => {
  const s = fresh();
  s.addItems([item('f', 1, 'vision', { mtime: 5000, size: 77, hash: 'abc' })]);
  let hashed = 0;
  const h = (v: string) => () => {
    hashed++;
    return v;
  };
  assert.equal(s.needsUpdate('g', 'vision', { mtime: 5000, size: 77 }), true, 'new file');
  assert.equal(s.needsUpdate('f', 'text', { mtime: 5000, size: 77 }), true, 'other modality');
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 5000, size: 77, hash: h('zzz') }), false, 'unchanged');
  assert.equal(hashed, 0);
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 5000, size: 78 }), true, 'size changed');
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 6000, size: 77 }), true, 'mtime changed, no hash');
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 6000, size: 77, hash: h('abc') }), false, 'touched only');
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 6000, size: 77, hash: 'abd' }), true, 'content changed');
  assert.equal(hashed, 1);
  assert.equal(s.touch('f', 'vision', 6000), true);
  assert.equal(s.needsUpdate('f', 'vision', { mtime: 6000, size: 77 }), false);
  s.close();
});

test('rejects bad vectors, modalities and k with StoreError, leaving the batch unwritten', () => {
  const s = fresh();
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof StoreError, String(e));
      return e.code;
    }
    return 'no error';
  };
  assert.equal(
    code(() => s.addItems([item('ok', 1), { ...item('bad', 2), vector: new Float32Array(DIM + 1) }])),
    'STORE_DIM_MISMATCH',
  );
  assert.equal(
    code(() => s.addItems([{ ...item('z', 2), vector: new Float32Array(DIM) }])),
    'STORE_BAD_VECTOR',
  );
  assert.equal(
    code(() => s.addItems([{ ...item('n', 2), vector: new Float32Array(DIM).fill(NaN) }])),
    'STORE_BAD_VECTOR',
  );
  assert.equal(
    code(() => s.addItems([item('m', 2, 'smell' as StoreModality)])),
    'STORE_BAD_MODALITY',
  );
  assert.equal(
    code(() => s.search(new Float32Array(DIM - 1), { k: 1 })),
    'STORE_DIM_MISMATCH',
  );
  assert.equal(
    code(() => s.search(seededVector(1, DIM), { k: 1, modalities: ['smell'] })),
    'STORE_BAD_MODALITY',
  );
  assert.equal(
    code(() => s.search(seededVector(1, DIM), { k: 5000 })),
    'STORE_BAD_QUERY',
  );
  assert.equal(s.count(), 0);
  s.close();
});
