import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from './open.ts';
import { SqliteVecIndex } from './sqlite-vec-index.ts';
import { cosine, seededVector, tempDbPath, testSpace } from '../../test/helpers/store.ts';
import type { IndexHit, IndexQuery, VectorIndex } from './vector-index.ts';
import type { StoreModality } from './modality.ts';

test('1024-d scores from sqlite-vec match float64 cosines of the raw vectors to 1e-6', () => {
  const dim = 1024;
  const s = openStore(tempDbPath(), { space: testSpace(dim) });
  const vs = Array.from({ length: 200 }, (_, i) => seededVector(i + 1, dim, 0.05 + i));
  s.addItems(vs.map((vector, i) => ({ path: `p${i}`, modality: 'vision', vector, hash: '', mtime: 0, size: 0 })));
  for (const qi of [0, 17, 199]) {
    const q = vs[qi];
    const hits = s.search(q, { k: 20 });
    assert.equal(hits[0].path, `p${qi}`);
    for (const h of hits) {
      const want = cosine(q, vs[Number(h.path.slice(1))]);
      assert.ok(Math.abs(h.score - want) <= 1e-6, `${h.path}: ${h.score} vs ${want}`);
    }
  }
  s.close();
});

/** Stands in for an approximate index: right candidates, deliberately wrong scores. */
class CoarseIndex implements VectorIndex {
  readonly kind = 'coarse-test';
  readonly exactScores = false;
  readonly maxK = 100;
  calls = 0;
  constructor(private readonly inner: VectorIndex) {}
  get dim(): number {
    return this.inner.dim;
  }
  put(id: number, m: StoreModality, unit: Float32Array): void {
    this.inner.put(id, m, unit);
  }
  delete(id: number): void {
    this.inner.delete(id);
  }
  get(id: number): Float32Array | null {
    return this.inner.get(id);
  }
  search(q: IndexQuery): IndexHit[] {
    this.calls++;
    return this.inner.search(q).map((h) => ({ id: h.id, score: Math.round(h.score * 10) / 10 }));
  }
}

test('a swapped-in index is used, and approximate scores are re-scored exactly', () => {
  const dim = 24;
  let made: CoarseIndex | undefined;
  const s = openStore(tempDbPath(), {
    space: testSpace(dim),
    index: (db, info) => (made = new CoarseIndex(new SqliteVecIndex(db, info.dim))),
  });
  const vs = Array.from({ length: 30 }, (_, i) => seededVector(50 + i, dim));
  s.addItems(vs.map((vector, i) => ({ path: `p${i}`, modality: 'text', vector, hash: '', mtime: 0, size: 0 })));
  const hits = s.search(vs[3], { k: 5 });
  assert.equal(made?.calls, 1);
  assert.equal(s.index.kind, 'coarse-test');
  for (const h of hits) assert.ok(Math.abs(h.score - cosine(vs[3], vs[Number(h.path.slice(1))])) <= 1e-6);
  assert.ok(hits.every((h, i) => i === 0 || hits[i - 1].score >= h.score));
  s.close();
});
