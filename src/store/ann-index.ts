/**
 * Approximate nearest neighbours (usearch HNSW, one graph per modality) in front of the exact
 * sqlite-vec index. SQLite stays the source of truth: `put`/`delete`/`get` go to the exact index
 * inside the store's transactions. Below `minItems` every search is exact; above it the graphs are
 * built from the stored vectors on first search, saved beside the database, and reused by later
 * processes while the store's fingerprint (item count, newest update, largest id) is unchanged.
 * The graphs hold f32 vectors, so a hit's score is the same float32 cosine sqlite-vec computes;
 * re-scoring from SQLite is skipped (each vec0 row read pulls in a whole chunk of vectors).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import type { Index as UsearchIndex } from 'usearch';

// usearch's ESM entry cannot find its prebuilt binary (it searches for a local build); the CJS one can.
const usearch = createRequire(import.meta.url)('usearch') as typeof import('usearch');
import type { StoreModality } from './modality.ts';
import { SqliteVecIndex } from './sqlite-vec-index.ts';
import type { IndexHit, IndexQuery, VectorIndex } from './vector-index.ts';
import { fromBlob } from '../core/vector-math.ts';

export interface AnnOptions {
  /** Searches stay exact below this many stored vectors. */
  readonly minItems?: number;
  /** HNSW graph degree and beam widths (usearch's connectivity / expansion_add / expansion_search). */
  readonly connectivity?: number;
  readonly expansionAdd?: number;
  readonly expansionSearch?: number;
}

type Graphs = Map<string, UsearchIndex>;

export class AnnIndex implements VectorIndex {
  readonly kind = 'usearch-hnsw';
  readonly exactScores = true;
  readonly maxK: number;
  private readonly exact: SqliteVecIndex;
  private graphs: Graphs | null = null;
  private dirty = false;
  private readonly dir: string;

  constructor(
    private readonly db: Database.Database,
    readonly dim: number,
    dbFile: string,
    private readonly o: AnnOptions = {},
  ) {
    this.exact = new SqliteVecIndex(db, dim);
    this.maxK = this.exact.maxK;
    this.dir = `${dbFile}.ann`;
  }

  private fingerprint(): string {
    const r = this.db
      .prepare('SELECT count(*) AS n, coalesce(max(updated_at), 0) AS t, coalesce(max(id), 0) AS m FROM items')
      .get() as { n: number; t: number; m: number };
    return `${r.n}:${r.t}:${r.m}`;
  }

  private count(): number {
    return (this.db.prepare('SELECT count(*) FROM items').pluck().get() as number) ?? 0;
  }

  private newGraph(): UsearchIndex {
    return new usearch.Index({
      dimensions: this.dim,
      metric: usearch.MetricKind.Cos,
      quantization: usearch.ScalarKind.F32,
      connectivity: this.o.connectivity ?? 16,
      expansion_add: this.o.expansionAdd ?? 64,
      expansion_search: this.o.expansionSearch ?? 384,
      multi: false,
    });
  }

  /** Loads the saved graphs when they match the store, else rebuilds and saves them. */
  private ensure(): Graphs {
    if (this.graphs) return this.graphs;
    const fp = this.fingerprint();
    const statePath = join(this.dir, 'state.json');
    const graphs: Graphs = new Map();
    const state = existsSync(statePath)
      ? (JSON.parse(readFileSync(statePath, 'utf8')) as { fingerprint: string; modalities: string[] })
      : null;
    if (state?.fingerprint === fp && state.modalities.every((m) => existsSync(join(this.dir, `${m}.usearch`)))) {
      for (const m of state.modalities) {
        const g = this.newGraph();
        g.load(join(this.dir, `${m}.usearch`));
        graphs.set(m, g);
      }
    } else {
      // Batched adds let usearch insert on every core; one-at-a-time adds ran single-threaded.
      const pending = new Map<string, { keys: bigint[]; vectors: Float32Array[] }>();
      const flush = (m: string) => {
        const p = pending.get(m);
        if (!p || p.keys.length === 0) return;
        let g = graphs.get(m);
        if (!g) {
          g = this.newGraph();
          graphs.set(m, g);
        }
        g.add(BigUint64Array.from(p.keys), p.vectors, 0);
        pending.set(m, { keys: [], vectors: [] });
      };
      const rows = this.db.prepare('SELECT rowid AS id, modality, embedding FROM item_vectors').iterate() as Iterable<{
        id: number;
        modality: string;
        embedding: Buffer;
      }>;
      for (const r of rows) {
        const p = pending.get(r.modality) ?? { keys: [], vectors: [] };
        p.keys.push(BigInt(r.id));
        p.vectors.push(fromBlob(r.embedding));
        pending.set(r.modality, p);
        if (p.keys.length >= 8192) flush(r.modality);
      }
      for (const m of [...pending.keys()]) flush(m);
      this.graphs = graphs;
      this.save(fp);
    }
    this.graphs = graphs;
    return graphs;
  }

  private save(fp = this.fingerprint()): void {
    if (!this.graphs) return;
    try {
      mkdirSync(this.dir, { recursive: true });
      rmSync(join(this.dir, 'state.json'), { force: true });
      for (const [m, g] of this.graphs) g.save(join(this.dir, `${m}.usearch`));
      writeFileSync(
        join(this.dir, 'state.json.tmp'),
        JSON.stringify({ fingerprint: fp, modalities: [...this.graphs.keys()] }),
      );
      renameSync(join(this.dir, 'state.json.tmp'), join(this.dir, 'state.json'));
      this.dirty = false;
    } catch {
      // A read-only location only costs a rebuild in the next process.
    }
  }

  put(id: number, modality: StoreModality, unit: Float32Array): void {
    this.exact.put(id, modality, unit);
    if (!this.graphs) return;
    for (const g of this.graphs.values()) g.remove(BigInt(id));
    let g = this.graphs.get(modality);
    if (!g) {
      g = this.newGraph();
      this.graphs.set(modality, g);
    }
    g.add(BigInt(id), unit);
    this.dirty = true;
  }

  delete(id: number): void {
    this.exact.delete(id);
    if (!this.graphs) return;
    for (const g of this.graphs.values()) g.remove(BigInt(id));
    this.dirty = true;
  }

  get(id: number): Float32Array | null {
    return this.exact.get(id);
  }

  search(q: IndexQuery): IndexHit[] {
    if (this.count() < (this.o.minItems ?? 20_000)) return this.exact.search(q);
    const graphs = this.ensure();
    const exclude = q.excludeIds ?? new Set<number>();
    const want = q.k + exclude.size;
    const hits: IndexHit[] = [];
    for (const [m, g] of graphs) {
      if (q.modalities && q.modalities.length > 0 && !q.modalities.includes(m as StoreModality)) continue;
      if (g.size() === 0) continue;
      const r = g.search(q.unit, Math.min(want, g.size()), 1);
      for (let i = 0; i < r.keys.length; i++) {
        const id = Number(r.keys[i]);
        if (!exclude.has(id)) hits.push({ id, score: 1 - r.distances[i] });
      }
    }
    return hits.sort((a, b) => b.score - a.score).slice(0, q.k);
  }

  /** Saves graphs changed in this process, so the next one need not rebuild them. */
  close(): void {
    if (this.dirty) this.save();
  }
}
