import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../core/random.ts';
import type { AnnIndex } from './ann-index.ts';
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

test(
  'HNSW graphs stay current when another connection writes, and are never saved under a newer version than they hold',
  { timeout: 60_000 },
  () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ann-')), 'store.db');
    const data = items(3000, 3);
    const ann = { minItems: 1000 };
    const a = openStore(file, { space, ann });
    a.addItems(data.slice(0, 2000));
    assert.equal(a.search(data[5].vector, { k: 1 })[0].path, data[5].path); // builds A's graphs
    const annA = a.index as AnnIndex;
    assert.equal(annA.stats.rebuilds, 1);

    // Another writer (a CLI `index` next to a server): A's next search replays its changes.
    const b = openStore(file, { space, ann });
    const extra = items(500, 4).map((it, i) => ({ ...it, path: `/other/${i}.wav`, modality: 'audio' as const }));
    b.addItems(extra);
    b.removeByPath(data[9].path);
    for (const it of [extra[0], extra[250], extra[499]]) {
      const hit = a.search(it.vector, { k: 1, modalities: ['audio'] })[0];
      assert.equal(hit.path, it.path);
      assert.ok(hit.score > 0.9999);
    }
    assert.notEqual(a.search(data[9].vector, { k: 1 })[0].path, data[9].path);
    assert.equal(annA.stats.rebuilds, 1, 'caught up by replaying the log, not by rebuilding');
    assert.ok(annA.stats.replays >= 1);
    assert.deepEqual(annA.check(), []);

    // A writes too: its graphs follow its own commits without a replay.
    const replays = annA.stats.replays;
    a.addItems(data.slice(2000, 2100));
    assert.equal(a.search(data[2050].vector, { k: 1 })[0].path, data[2050].path);
    assert.equal(annA.stats.replays, replays);

    // B writes again after A's last search; A closes and saves the graphs it holds, labelled with
    // the version they reflect (the old bug saved them under the store's new fingerprint).
    b.addItems(data.slice(2100, 2200));
    a.close();
    const state = JSON.parse(readFileSync(`${file}.ann/state.json`, 'utf8')) as { seq: number };
    assert.ok(state.seq < (b.index as AnnIndex).storeVersion(), 'saved at the version its graphs hold');
    b.close();

    // A later process loads those graphs and replays the rest: B's last batch is found.
    const c = openStore(file, { space, ann });
    for (const it of [data[2100], data[2199]]) assert.equal(c.search(it.vector, { k: 1 })[0].path, it.path);
    const annC = c.index as AnnIndex;
    assert.equal(annC.stats.loads, 1);
    assert.equal(annC.stats.rebuilds, 0);
    assert.deepEqual(annC.check(), []);
    c.close();
  },
);
