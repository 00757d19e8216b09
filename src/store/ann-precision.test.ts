/**
 * ANN graphs with f16 and i8 vectors: the graph files shrink (about 1/2 and 1/4 of f32's at 256-d),
 * hits keep the exact float32 cosine of the stored vectors (candidates re-scored from SQLite), the
 * top 10 agree with exact search, and the precision a store was given is remembered by later
 * processes, which load the saved graphs instead of rebuilding them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { join } from 'node:path';
import { Rng } from '../core/random.ts';
import { ImageBindError } from '../core/errors.ts';
import type { AnnIndex } from './ann-index.ts';
import { effectivePrecision, parseVectorPrecision } from './ann-precision.ts';
import { verifyStore } from './verify.ts';
import { openStore } from './open.ts';
import type { ItemInput } from './types.ts';

const dim = 256;
const space = { identity: 'ann-precision-test', dim, modelName: 'test' };

/** The saved vision graph (ann-files.ts names it per save) and the precision state.json records. */
function savedGraph(file: string): { path: string; precision: string } {
  const state = JSON.parse(readFileSync(`${file}.ann/state.json`, 'utf8')) as {
    precision: string;
    files: Record<string, string>;
  };
  return { path: `${file}.ann/${state.files.vision}`, precision: state.precision };
}

function items(n: number, seed: number): ItemInput[] {
  const rng = new Rng(seed);
  const centres = Array.from({ length: 100 }, () => new Rng(1000 + rng.int(100)).fillNormal(new Float32Array(dim)));
  return Array.from({ length: n }, (_, i) => ({
    path: `/data/${seed}-${i}.png`,
    modality: i % 5 === 0 ? 'audio' : 'vision',
    vector: centres[rng.int(centres.length)].map((x) => x + 0.7 * rng.normal()),
    hash: String(i),
    mtime: 1,
    size: 1,
  }));
}

test('--vector-precision names: f32, f16, i8; anything else is a BAD_ARGUMENT', () => {
  assert.equal(parseVectorPrecision('I8'), 'i8');
  assert.throws(
    () => parseVectorPrecision('int4'),
    (e: ImageBindError) => e.code === 'BAD_ARGUMENT' && /use one of: f32, f16, i8/.test(e.message),
  );
});

test(
  'f16 and i8 graphs: smaller, exact scores, recall@10 against exact search; the precision is remembered',
  { timeout: 120_000 },
  () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ann-precision-')), 'store.db');
    const writer = openStore(file, { space, ann: false });
    writer.addItems(items(3000, 1));
    writer.close();
    const exact = openStore(file, { space, ann: false, readonly: true });
    const queries = items(40, 2).map((q) => q.vector);
    const want = queries.map((q) => exact.search(q, { k: 10 }));
    const sizes: Record<string, number> = {};
    for (const precision of ['f32', 'f16', 'i8'] as const) {
      const store = openStore(file, { space, ann: { minItems: 1000, precision } });
      let found = 0;
      for (const [i, q] of queries.entries()) {
        const got = store.search(q, { k: 10 });
        assert.equal(got.length, 10);
        const exactScore = new Map(want[i].map((h) => [h.id, h.score]));
        for (const h of got) {
          const e = exactScore.get(h.id);
          if (e !== undefined) assert.ok(Math.abs(h.score - e) < 1e-6, `${precision}: score ${h.score} vs exact ${e}`);
        }
        found += got.filter((h) => exactScore.has(h.id)).length;
      }
      store.close();
      const recall = found / (10 * queries.length);
      const graph = savedGraph(file);
      assert.equal(graph.precision, precision);
      sizes[precision] = statSync(graph.path).size;
      console.log(
        `# ${precision}: recall@10 ${recall.toFixed(3)}, vision graph ${(sizes[precision] / 1024).toFixed(0)} KiB`,
      );
      assert.ok(recall >= 0.95, `${precision} recall@10 ${recall}`);
    }
    assert.ok(sizes.f16 < 0.65 * sizes.f32, `f16 graph ${sizes.f16} vs f32 ${sizes.f32}`);
    assert.ok(sizes.i8 < 0.4 * sizes.f32, `i8 graph ${sizes.i8} vs f32 ${sizes.f32}`);

    // A later process that names no precision uses the remembered i8 and loads the saved graphs.
    const saved = savedGraph(file).path;
    const later = openStore(file, { space, readonly: true, ann: { minItems: 1000 } });
    assert.equal(later.search(queries[0], { k: 10 }).length, 10);
    later.close();
    assert.equal(savedGraph(file).path, saved, 'the i8 graph was loaded, not rebuilt');
    assert.equal(effectivePrecision(`${file}.ann`, undefined, true), 'i8');
    exact.close();
  },
);

test('the precision survives a change-log replay and verify --rebuild', { timeout: 120_000 }, () => {
  const file = join(mkdtempSync(join(tmpdir(), 'ann-precision-log-')), 'store.db');
  const ann = { minItems: 1000 };
  const a = openStore(file, { space, ann: { ...ann, precision: 'i8' } });
  a.addItems(items(2000, 3));
  const q = items(1, 4)[0].vector;
  a.search(q, { k: 10 });
  const annA = a.index as AnnIndex;
  assert.equal(annA.precision, 'i8');
  assert.equal(annA.stats.rebuilds, 1);

  // Another connection (a CLI `index` beside a server) writes; the first catches up from the log.
  const b = openStore(file, { space, ann });
  assert.equal((b.index as AnnIndex).precision, 'i8', 'the second connection takes the remembered precision');
  const added = b.addItems(items(50, 5));
  b.close();
  const hits = a.search(items(50, 5)[7].vector, { k: 1 });
  assert.equal(hits[0].id, added[7], 'the replayed item is found');
  assert.ok(Math.abs(hits[0].score - 1) < 1e-6, 'and scored exactly from SQLite');
  assert.equal(annA.stats.rebuilds, 1, 'replayed, not rebuilt');
  assert.ok(annA.stats.replays >= 1);
  a.close();
  assert.equal(savedGraph(file).precision, 'i8', 'the graphs saved after the replay are i8');

  // verify --rebuild (here after an orphan vector) deletes the graphs but not the store's precision.
  const raw = new Database(file);
  sqliteVec.load(raw);
  raw.prepare('DELETE FROM item_vectors WHERE rowid = ?').run(BigInt(added[0]));
  raw.close();
  const before = savedGraph(file).path;
  const report = verifyStore(file, { ann, rebuild: true });
  assert.deepEqual(report.remaining, []);
  assert.ok(report.repaired.some((r) => r.includes('deleted the saved HNSW graphs')));
  // The check after the repair rebuilt the graphs (new files), at the remembered precision.
  assert.notEqual(savedGraph(file).path, before);
  assert.equal(savedGraph(file).precision, 'i8');
  const c = openStore(file, { space, readonly: true, ann });
  assert.equal((c.index as AnnIndex).precision, 'i8');
  assert.equal(c.search(q, { k: 10 }).length, 10);
  c.close();
  assert.equal(savedGraph(file).precision, 'i8', 'rebuilt as i8');
  assert.equal(effectivePrecision(`${file}.ann`, undefined, true), 'i8');
});

test(
  'quantised graphs re-score from their vectors file; items changed after it are read from SQLite',
  { timeout: 120_000 },
  () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ann-precision-file-')), 'store.db');
    const ann = { minItems: 1000 };
    const a = openStore(file, { space, ann: { ...ann, precision: 'i8' } });
    const ids = a.addItems(items(2000, 6));
    const queries = items(10, 7).map((q) => q.vector);
    a.search(queries[0], { k: 10 });
    a.close();
    const state = JSON.parse(readFileSync(`${file}.ann/state.json`, 'utf8')) as {
      seq: number;
      vectors: { file: string; seq: number };
    };
    assert.match(state.vectors.file, /^vectors-\d+-[0-9a-f]+\.f32$/);
    assert.equal(state.vectors.seq, state.seq);
    // 2000 × 256 float32 and a 12-byte id table entry each.
    assert.equal(statSync(`${file}.ann/${state.vectors.file}`).size, 16 + 2000 * (dim * 4 + 12));

    const exact = openStore(file, { space, ann: false, readonly: true });
    const scoresMatch = (got: { id: number; score: number }[], q: Float32Array, label: string) => {
      const want = new Map(exact.search(q, { k: 50 }).map((h) => [h.id, h.score]));
      for (const h of got) {
        const e = want.get(h.id);
        if (e !== undefined) assert.ok(Math.abs(h.score - e) < 1e-6, `${label}: item ${h.id} ${h.score} vs ${e}`);
      }
    };
    // A later reader: every candidate from the file, none from SQLite, scores exact.
    const b = openStore(file, { space, readonly: true, ann });
    for (const q of queries) scoresMatch(b.search(q, { k: 10 }), q, 'file');
    const statsB = (b.index as AnnIndex).stats;
    assert.equal(statsB.loads, 1);
    assert.ok(statsB.rescoredFromFile >= 10 * 10 * 4, `from the file: ${statsB.rescoredFromFile}`);
    assert.equal(statsB.rescoredFromStore, 0);

    // Another process moves an item onto the query: the file holds its old vector, so that item
    // must be scored from SQLite, by the reader that was already open and by a new one.
    const moved = ids[123];
    const writer = openStore(file, { space, ann });
    writer.addItems([{ ...items(2000, 6)[123], vector: queries[1], hash: 'moved' }]);
    writer.close();
    for (const reader of [b, openStore(file, { space, readonly: true, ann })]) {
      const hits = reader.search(queries[1], { k: 10 });
      assert.equal(hits[0].id, moved);
      assert.ok(Math.abs(hits[0].score - 1) < 1e-6, `the moved item scores ${hits[0].score}`);
      scoresMatch(hits, queries[1], 'after a change');
      assert.ok((reader.index as AnnIndex).stats.rescoredFromStore >= 1);
      reader.close();
    }

    // A damaged file: readers fall back to SQLite and still score exactly.
    writeFileSync(`${file}.ann/${state.vectors.file}`, 'damaged');
    const c = openStore(file, { space, readonly: true, ann });
    for (const q of queries.slice(2, 5)) scoresMatch(c.search(q, { k: 10 }), q, 'damaged file');
    assert.equal((c.index as AnnIndex).stats.rescoredFromFile, 0);
    c.close();
    exact.close();
  },
);
