/**
 * Approximate nearest neighbours (usearch HNSW, one graph per modality) in front of the exact
 * sqlite-vec index. SQLite stays the source of truth: `put`/`delete`/`get` go to the exact index
 * inside the store's transactions. Below `minItems` every search is exact; above it the graphs are
 * built from the stored vectors on first search and saved beside the database (ann-files.ts).
 *
 * The graphs record the store version they reflect (the change log's seq, change-log.ts, which
 * every writing process bumps in the same transaction as its change). Every search compares it
 * with the store's version first: when another process (or another connection) has written since,
 * the changed items are replayed from SQLite before answering, or the graphs are rebuilt when the
 * log no longer reaches back or a rebuild is cheaper. Writes through this index reach the graphs
 * only after their transaction commits. Saved graphs are labelled with the version they reflect,
 * never a newer one, so a later process catches up from there.
 *
 * f32 graphs (the default) give the same float32 cosine sqlite-vec computes, so nothing is read
 * back from SQLite per query (each vec0 row read walks a chunk of vectors). f16 and i8 graphs
 * (ann-precision.ts) take a few times k candidates and score those from float32 vectors: a flat
 * file written with the graphs (ann-vectors.ts), or SQLite for items changed since it was written.
 * The precision is part of the saved state: graphs of another precision are rebuilt, never reused.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { Index as UsearchIndex } from 'usearch';
import { type AnnState, loadAnnGraphs, readAnnState, saveAnnGraphs, vectorsFileName } from './ann-files.ts';
import { GRAPH_DEFAULTS, RERANK, type VectorPrecision, effectivePrecision } from './ann-precision.ts';
import { ChangeLog, hasChangeLog } from './change-log.ts';
import type { StoreModality } from './modality.ts';
import { RescoreVectors, RescoreVectorsWriter } from './ann-vectors.ts';
import { SqliteVecIndex } from './sqlite-vec-index.ts';
import type { IndexHit, IndexQuery, VectorIndex } from './vector-index.ts';
import { fromBlob } from '../core/vector-math.ts';

// usearch's ESM entry cannot find its prebuilt binary (it searches for a local build); the CJS one can.
const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');

export interface AnnOptions {
  /** Searches stay exact below this many stored vectors. */
  readonly minItems?: number;
  /** HNSW graph degree and beam widths (usearch's connectivity / expansion_add / expansion_search). */
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
  /**
   * Candidates taken from a quantised graph per requested hit, then scored exactly (default
   * RERANK[precision], ann-precision.ts). More buys recall for one 4 KiB read each.
   */
  readonly rescoreFactor?: number;
  /** How the graphs store vectors (default: what this store last used, else f32). */
  readonly precision?: VectorPrecision;
  /** The store is open read-only: the precision asked for is used but not remembered. */
  readonly readonly?: boolean;
}

type Graphs = Map<string, UsearchIndex>;
type Op = { readonly id: number; readonly modality?: StoreModality; readonly unit?: Float32Array };
/** Re-scoring vectors in use: the file, the store version it reflects, the ids changed since (read from SQLite). */
type Rescore = { readonly vectors: RescoreVectors; readonly file: string; readonly seq: number; changed: Set<number> };

/** Replaying more changes than this share of the store costs more than rebuilding it. */
const REPLAY_SHARE = 0.1;

/** The most changes replayed (or read from SQLite instead of the re-scoring file) for a store of `count` items. */
function replayLimit(count: number): number {
  return Math.max(1000, Math.floor(count * REPLAY_SHARE));
}

export class AnnIndex implements VectorIndex {
  readonly kind = 'usearch-hnsw';
  readonly exactScores = true;
  readonly maxK: number;
  readonly precision: VectorPrecision;
  private readonly exact: SqliteVecIndex;
  private readonly dir: string;
  /** Null for a read-only store made before the change log: every search is then exact. */
  private readonly log: ChangeLog | null;
  private graphs: Graphs | null = null;
  /** Quantised graphs only (ann-vectors.ts); null: candidates are re-scored from SQLite. */
  private rescore: Rescore | null = null;
  /** The store version the graphs reflect. */
  private seq = -1;
  private dirty = false;
  private pending: Op[] = [];
  private txBefore = -1;
  private txAfter = -1;
  private counted = { seq: -1, n: 0 };
  /** How often the graphs were brought up to date from the log, or rebuilt (for tests and verify). */
  readonly stats = { replays: 0, rebuilds: 0, loads: 0, rescoredFromFile: 0, rescoredFromStore: 0 };

  constructor(
    private readonly db: Database.Database,
    readonly dim: number,
    dbFile: string,
    private readonly storeId: string,
    private readonly o: AnnOptions = {},
  ) {
    this.exact = new SqliteVecIndex(db, dim);
    this.maxK = this.exact.maxK;
    this.dir = `${dbFile}.ann`;
    this.precision = effectivePrecision(this.dir, o.precision, o.readonly ?? false);
    this.log = hasChangeLog(db) ? new ChangeLog(db) : null;
  }

  /** The store's current version (its change log's last seq); -1 without a log. */
  storeVersion(): number {
    return this.log ? this.log.version() : -1;
  }

  /** The store version the graphs reflect, or -1 before they are built. */
  get version(): number {
    return this.graphs ? this.seq : -1;
  }

  /** The graph settings in effect: those asked for, else the precision's defaults (ann-precision.ts). */
  get settings(): { connectivity: number; expansionAdd: number; expansionSearch: number } {
    const d = GRAPH_DEFAULTS[this.precision];
    return {
      connectivity: this.o.connectivity ?? d.connectivity,
      expansionAdd: this.o.expansionAdd ?? d.expansionAdd,
      expansionSearch: this.o.expansionSearch ?? d.expansionSearch,
    };
  }

  private newGraph(): UsearchIndex {
    const { connectivity, expansionAdd, expansionSearch } = this.settings;
    return new usearch.Index({
      dimensions: this.dim,
      metric: usearch.MetricKind.Cos,
      quantization: { f32: usearch.ScalarKind.F32, f16: usearch.ScalarKind.F16, i8: usearch.ScalarKind.I8 }[
        this.precision
      ],
      connectivity,
      expansion_add: expansionAdd,
      expansion_search: expansionSearch,
      multi: false,
    });
  }

  private countAt(seq: number): number {
    if (this.counted.seq !== seq || seq < 0)
      this.counted = { seq, n: Number(this.db.prepare('SELECT count(*) FROM items').pluck().get()) };
    return this.counted.n;
  }

  private countsByModality(): Record<string, number> {
    const rows = this.db.prepare('SELECT modality, count(*) AS n FROM items GROUP BY modality').all() as {
      modality: string;
      n: number;
    }[];
    return Object.fromEntries(rows.filter((r) => r.n > 0).map((r) => [r.modality, r.n]));
  }

  private graphCounts(graphs: Graphs): Record<string, number> {
    return Object.fromEntries([...graphs].filter(([, g]) => g.size() > 0).map(([m, g]) => [m, g.size()]));
  }

  private sameCounts(graphs: Graphs): boolean {
    const want = this.countsByModality();
    const have = this.graphCounts(graphs);
    const keys = new Set([...Object.keys(want), ...Object.keys(have)]);
    return [...keys].every((k) => (want[k] ?? 0) === (have[k] ?? 0));
  }

  /**
   * Every stored vector into fresh graphs (batched adds let usearch insert on every core); quantised
   * graphs also get a fresh re-scoring file from the same scan, reflecting store version `seq`.
   */
  private build(seq: number): Graphs {
    const graphs: Graphs = new Map();
    const writer = this.rescoreWriter(seq);
    const pending = new Map<string, { keys: bigint[]; vectors: Float32Array[] }>();
    const flush = (m: string) => {
      const p = pending.get(m);
      if (!p || p.keys.length === 0) return;
      let g = graphs.get(m);
      if (!g) graphs.set(m, (g = this.newGraph()));
      g.add(BigUint64Array.from(p.keys), p.vectors, 0);
      pending.set(m, { keys: [], vectors: [] });
    };
    const rows = this.db.prepare('SELECT rowid AS id, modality, embedding FROM item_vectors').iterate() as Iterable<{
      id: number;
      modality: string;
      embedding: Buffer;
    }>;
    try {
      for (const r of rows) {
        writer?.w.add(r.id, r.embedding);
        const p = pending.get(r.modality) ?? { keys: [], vectors: [] };
        p.keys.push(BigInt(r.id));
        p.vectors.push(fromBlob(r.embedding));
        pending.set(r.modality, p);
        if (p.keys.length >= 8192) flush(r.modality);
      }
      for (const m of [...pending.keys()]) flush(m);
    } catch (e) {
      writer?.w.abort();
      throw e;
    }
    if (writer) this.adoptRescore(writer, seq);
    this.stats.rebuilds++;
    return graphs;
  }

  /** A writer for a new re-scoring file (quantised graphs only); null where none can be written. */
  private rescoreWriter(seq: number): { w: RescoreVectorsWriter; file: string } | null {
    if (this.precision === 'f32') return null;
    try {
      mkdirSync(this.dir, { recursive: true });
      const file = vectorsFileName(seq);
      return { w: new RescoreVectorsWriter(join(this.dir, file), this.dim), file };
    } catch {
      return null; // a read-only location: candidates are re-scored from SQLite
    }
  }

  private adoptRescore(writer: { w: RescoreVectorsWriter; file: string }, seq: number): void {
    this.dropRescore();
    try {
      writer.w.finish();
    } catch {
      return;
    }
    const vectors = RescoreVectors.open(join(this.dir, writer.file), this.dim);
    if (vectors) this.rescore = { vectors, file: writer.file, seq, changed: new Set() };
  }

  /** Opens the saved set's re-scoring file, with the ids changed since it from the change log. */
  private loadRescore(state: AnnState, log: ChangeLog, count: number): void {
    this.dropRescore();
    if (this.precision === 'f32' || !state.vectors) return;
    const changed = log.changedSince(state.vectors.seq, replayLimit(count));
    const vectors = changed ? RescoreVectors.open(join(this.dir, state.vectors.file), this.dim) : null;
    if (vectors && changed)
      this.rescore = { vectors, file: state.vectors.file, seq: state.vectors.seq, changed: new Set(changed) };
  }

  private dropRescore(): void {
    this.rescore?.vectors.close();
    this.rescore = null;
  }

  /** A fresh re-scoring file when too many ids changed since the current one (they cost a SQLite read each). */
  private refreshRescore(): void {
    const r = this.rescore;
    if (this.precision === 'f32' || !this.graphs) return;
    if (r && r.changed.size <= replayLimit(this.countAt(this.storeVersion()))) return;
    this.db.transaction(() => {
      const seq = this.storeVersion();
      const writer = this.rescoreWriter(seq);
      if (!writer) return;
      const rows = this.db.prepare('SELECT rowid AS id, embedding FROM item_vectors').iterate() as Iterable<{
        id: number;
        embedding: Buffer;
      }>;
      try {
        for (const row of rows) writer.w.add(row.id, row.embedding);
      } catch {
        writer.w.abort();
        return;
      }
      this.adoptRescore(writer, seq);
    })();
  }

  /** Re-reads the items changed after `this.seq` from SQLite; false when a rebuild is due instead. */
  private replay(log: ChangeLog, graphs: Graphs, count: number): boolean {
    const ids = log.changedSince(this.seq, replayLimit(count));
    if (!ids) return false;
    const modalityOf = this.db.prepare('SELECT modality FROM items WHERE id = ?').pluck();
    for (const id of ids) {
      this.rescore?.changed.add(id);
      for (const g of graphs.values()) g.remove(BigInt(id));
      const m = modalityOf.get(id) as string | undefined;
      const v = m ? this.exact.get(id) : null;
      if (!m || !v) continue;
      let g = graphs.get(m);
      if (!g) graphs.set(m, (g = this.newGraph()));
      g.add(BigInt(id), v);
    }
    this.stats.replays++;
    return true;
  }

  /**
   * Graphs that reflect the store as of now, in one read snapshot: saved ones when they belong to
   * this store and are not ahead of it, replayed forward from the log; else rebuilt.
   */
  private current(log: ChangeLog): Graphs {
    return this.db.transaction(() => {
      const now = log.version();
      const count = this.countAt(now);
      let loaded = false;
      if (!this.graphs) {
        const state = readAnnState(this.dir);
        const graphs =
          state && state.store === this.storeId && state.seq <= now && (state.precision ?? 'f32') === this.precision
            ? loadAnnGraphs(this.dir, state, () => this.newGraph())
            : null;
        if (graphs && state) {
          this.graphs = graphs;
          this.seq = state.seq;
          this.loadRescore(state, log, count);
          this.stats.loads++;
          loaded = true;
        }
      }
      // Loaded or replayed graphs must also hold as many vectors per modality as SQLite does
      // (a store restored from a backup can reach the same version with other content).
      if (this.graphs && this.seq === now && (!loaded || this.sameCounts(this.graphs))) return this.graphs;
      if (this.graphs && this.seq < now && this.replay(log, this.graphs, count) && this.sameCounts(this.graphs)) {
        this.seq = now;
        this.dirty = true;
        return this.graphs;
      }
      this.graphs = this.build(now);
      this.seq = now;
      this.save();
      return this.graphs;
    })();
  }

  private save(): void {
    if (!this.graphs || this.seq < 0) return;
    try {
      this.refreshRescore();
      const r = this.rescore;
      saveAnnGraphs(this.dir, this.graphs, {
        seq: this.seq,
        store: this.storeId,
        precision: this.precision,
        counts: this.graphCounts(this.graphs),
        ...(r ? { vectors: { file: r.file, seq: r.seq } } : {}),
      });
      this.dirty = false;
    } catch {
      // A read-only location only costs a rebuild or a replay in the next process.
    }
  }

  beginWrite(): void {
    this.pending = [];
    this.txBefore = this.graphs && this.log ? this.log.version() : -1;
  }

  put(id: number, modality: StoreModality, unit: Float32Array): void {
    this.exact.put(id, modality, unit);
    if (this.graphs) this.pending.push({ id, modality, unit });
  }

  delete(id: number): void {
    this.exact.delete(id);
    if (this.graphs) this.pending.push({ id });
  }

  finishWrite(): void {
    this.txAfter = this.graphs && this.log ? this.log.version() : -1;
  }

  /** After the transaction: a committed write reaches the graphs; a rolled-back one never did. */
  afterWrite(committed: boolean): void {
    const ops = this.pending;
    this.pending = [];
    if (!committed || !this.graphs) return;
    for (const op of ops) {
      this.rescore?.changed.add(op.id);
      for (const g of this.graphs.values()) g.remove(BigInt(op.id));
      if (!op.modality || !op.unit) continue;
      let g = this.graphs.get(op.modality);
      if (!g) this.graphs.set(op.modality, (g = this.newGraph()));
      g.add(BigInt(op.id), op.unit);
    }
    // Only when nobody else wrote in between are the graphs now exactly at the new version;
    // otherwise the next search replays the log from where they were (this write included).
    if (this.seq === this.txBefore && this.txAfter >= this.txBefore) this.seq = this.txAfter;
    this.dirty = true;
  }

  get(id: number): Float32Array | null {
    return this.exact.get(id);
  }

  search(q: IndexQuery): IndexHit[] {
    const log = this.log;
    if (!log || this.countAt(log.version()) < (this.o.minItems ?? 20_000)) return this.exact.search(q);
    const graphs = this.current(log);
    const exclude = q.excludeIds ?? new Set<number>();
    const factor = this.precision === 'f32' ? 1 : (this.o.rescoreFactor ?? RERANK[this.precision]);
    const want = q.k * factor + exclude.size;
    let hits: IndexHit[] = [];
    for (const [m, g] of graphs) {
      if (q.modalities && q.modalities.length > 0 && !q.modalities.includes(m as StoreModality)) continue;
      if (g.size() === 0) continue;
      const r = g.search(q.unit, Math.min(want, g.size()), 1);
      for (let i = 0; i < r.keys.length; i++) {
        const id = Number(r.keys[i]);
        if (!exclude.has(id)) hits.push({ id, score: 1 - r.distances[i] });
      }
    }
    if (this.precision !== 'f32') hits = hits.map((h) => ({ id: h.id, score: this.exactScore(h, q.unit) }));
    return hits.sort((a, b) => b.score - a.score).slice(0, q.k);
  }

  /**
   * The float32 cosine sqlite-vec would give, from the stored unit vector: the re-scoring file's
   * unless the item changed since it was written, else SQLite's (the graph's score if it is gone).
   */
  private exactScore(h: IndexHit, unit: Float32Array): number {
    const r = this.rescore;
    let v = r && !r.changed.has(h.id) ? r.vectors.get(h.id) : null;
    if (v) this.stats.rescoredFromFile++;
    else {
      v = this.exact.get(h.id);
      this.stats.rescoredFromStore++;
    }
    if (!v) return h.score;
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * unit[i];
    return Math.fround(dot);
  }

  /**
   * Compares the graphs, brought up to date, with SQLite: per modality, every item id must be in
   * its modality's graph and nowhere else. Empty when they agree; null below `minItems` (no graphs).
   */
  check(): string[] | null {
    const log = this.log;
    if (!log || this.countAt(log.version()) < (this.o.minItems ?? 20_000)) return null;
    const graphs = this.current(log);
    const problems: string[] = [];
    const rows = this.db.prepare('SELECT id, modality FROM items').iterate() as Iterable<{
      id: number;
      modality: string;
    }>;
    const seen = new Map<string, number>();
    let missing = 0;
    for (const r of rows) {
      seen.set(r.modality, (seen.get(r.modality) ?? 0) + 1);
      if (graphs.get(r.modality)?.contains(BigInt(r.id))) continue;
      if (++missing <= 10) problems.push(`item ${r.id} (${r.modality}) is missing from the ANN index`);
    }
    if (missing > 10) problems.push(`… ${missing} items in all are missing from the ANN index`);
    for (const [m, g] of graphs)
      if (g.size() !== (seen.get(m) ?? 0))
        problems.push(`the ANN graph of ${m} holds ${g.size()} vectors, SQLite ${seen.get(m) ?? 0}`);
    return problems;
  }

  /** Drops the graphs in memory and on disk; the next search rebuilds them. */
  discard(): void {
    this.graphs = null;
    this.dropRescore();
    this.seq = -1;
    this.dirty = false;
  }

  get directory(): string {
    return this.dir;
  }

  /** Saves graphs changed in this process, labelled with the version they reflect. */
  close(): void {
    if (this.dirty) this.save();
    const r = this.rescore;
    this.dropRescore();
    // A file that never got into state.json (another process saved a fresher set) has no other reader.
    if (r && readAnnState(this.dir)?.vectors?.file !== r.file) rmSync(join(this.dir, r.file), { force: true });
  }
}
