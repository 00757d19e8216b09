import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/random.ts';
import { openStore } from './open.ts';
import type { ItemInput } from './types.ts';

const dim = 64;
const space = { identity: 'ann-test', dim, modelName: 'test' };

/** Clustered unit-ish vectors, like embeddings of a few hundred kinds of things. */
function items(n: number, seed: number): ItemInput[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 200 }, () => rng.fillNormal(new Float32Array(dim)));
  return Array.from({ length: n }, (_, i) => {
    const c = centres[rng.int(centres.length)];
    const v = c.map((x) => x + 0.6 * rng.normal());
    return {
      path: `/data/${i}.png`,
      modality: i % 4 === 0 ? 'audio' : 'vision',
      vector: v,
      hash: String(i),
      mtime: 1,
      size: 1,
    };
  });
}

test(
  'HNSW search agrees with exact search (recall@10), persists beside the database, and follows updates',
  { timeout: 60_000 },
  () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ann-')), 'store.db');
    const data = items(4000, 1);
    let store = openStore(file, { space, ann: { minItems: 1000 } });
    store.addItems(data);
    const exact = openStore(file, { space, ann: false, readonly: true });
    const queries = items(50, 2).map((q) => q.vector);
    let found = 0,
      total = 0;
    for (const q of queries) {
      const want = new Set(exact.search(q, { k: 10 }).map((h) => h.id));
      const got = store.search(q, { k: 10 });
      assert.ok(
        got.every((h, i) => i === 0 || got[i - 1].score >= h.score),
        'best first',
      );
      found += got.filter((h) => want.has(h.id)).length;
      total += want.size;
      const filtered = store.search(q, { k: 10, modalities: ['audio'] });
      assert.equal(filtered.length, 10);
      assert.ok(filtered.every((h) => h.modality === 'audio'));
    }
    const recall = found / total;
    console.log(`# ANN recall@10 vs exact on 4000 clustered 64-d vectors: ${recall.toFixed(3)}`);
    assert.ok(recall >= 0.95, `recall ${recall}`);
    assert.ok(existsSync(`${file}.ann/state.json`), 'graphs saved beside the database');

    // Updates after the graphs were built: a replaced vector is found at its new place, a removed one is gone.
    const moved = { ...data[7], vector: queries[0].map((x) => -x) };
    store.addItems([moved]);
    const top = store.search(moved.vector, { k: 1 })[0];
    assert.equal(top.path, data[7].path);
    assert.ok(top.score > 0.999);
    store.removeByPath(data[7].path);
    assert.notEqual(store.search(moved.vector, { k: 1 })[0].path, data[7].path);
    store.close();
    exact.close();

    // A new process loads the saved graphs (the fingerprint matches) and answers the same.
    store = openStore(file, { space, ann: { minItems: 1000 } });
    const again = store.search(queries[3], { k: 10 }).map((h) => h.id);
    assert.equal(again.length, 10);
    store.close();
  },
);
