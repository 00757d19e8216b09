import type Database from 'better-sqlite3';
import type { StoreModality } from './modality.ts';
import type { IndexHit, IndexQuery, VectorIndex } from './vector-index.ts';
import { fromBlob, toBlob } from '../core/vector-math.ts';

/** sqlite-vec 0.1.x refuses KNN queries with k above this. */
const VEC0_MAX_K = 4096;

/**
 * Exact (brute-force) cosine search in a sqlite-vec `vec0` table that shares the store's
 * connection, so vector rows commit and roll back with their item rows.
 *
 * `modality` is a partition key: measured at 20k × 1024-d, a query restricted to a 10% modality
 * took 2.4 ms against 13 ms with a plain metadata column and 26 ms unfiltered, and sqlite-vec
 * applies it inside the KNN scan, so a filtered query still returns k items of that modality.
 * `rowid NOT IN (...)` is only applied after the top-k (verified), hence the over-fetch for
 * exclusions.
 */
export class SqliteVecIndex implements VectorIndex {
  readonly kind = 'sqlite-vec-exact';
  readonly maxK = VEC0_MAX_K;
  // float32 cosine over unit vectors: measured max error 2.1e-7 against float64 at 1024-d.
  readonly exactScores = true;
  private readonly stmts;
  private readonly filtered = new Map<number, Database.Statement>();

  static createSql(dim: number): string {
    return `CREATE VIRTUAL TABLE item_vectors USING vec0(
      embedding float[${dim}] distance_metric=cosine,
      modality text partition key
    )`;
  }

  constructor(
    private readonly db: Database.Database,
    readonly dim: number,
  ) {
    this.stmts = {
      del: db.prepare('DELETE FROM item_vectors WHERE rowid = ?'),
      ins: db.prepare('INSERT INTO item_vectors(rowid, embedding, modality) VALUES (?, ?, ?)'),
      get: db.prepare('SELECT embedding FROM item_vectors WHERE rowid = ?').pluck(),
      knn: db.prepare('SELECT rowid AS id, distance FROM item_vectors WHERE embedding MATCH ? AND k = ?'),
    };
  }

  put(id: number, modality: StoreModality, unit: Float32Array): void {
    // vec0 has no upsert, and it rejects rowids bound as doubles, hence BigInt.
    this.stmts.del.run(BigInt(id));
    this.stmts.ins.run(BigInt(id), toBlob(unit), modality);
  }

  delete(id: number): void {
    this.stmts.del.run(BigInt(id));
  }

  get(id: number): Float32Array | null {
    const b = this.stmts.get.get(BigInt(id)) as Buffer | undefined;
    return b ? fromBlob(b) : null;
  }

  search(q: IndexQuery): IndexHit[] {
    const ex = q.excludeIds ?? new Set<number>();
    const fetch = Math.min(this.maxK, q.k + ex.size);
    if (fetch <= 0) return [];
    const qb = toBlob(q.unit);
    const rows = (
      q.modalities
        ? this.filteredStmt(q.modalities.length).all(qb, fetch, ...q.modalities)
        : this.stmts.knn.all(qb, fetch)
    ) as { id: number | bigint; distance: number }[];
    const hits: IndexHit[] = [];
    for (const r of rows) {
      const id = Number(r.id);
      if (ex.has(id)) continue;
      hits.push({ id, score: 1 - r.distance });
      if (hits.length === q.k) break;
    }
    return hits;
  }

  private filteredStmt(n: number): Database.Statement {
    let s = this.filtered.get(n);
    if (!s) {
      const marks = new Array(n).fill('?').join(', ');
      s = this.db.prepare(
        `SELECT rowid AS id, distance FROM item_vectors WHERE embedding MATCH ? AND k = ? AND modality IN (${marks})`,
      );
      this.filtered.set(n, s);
    }
    return s;
  }
}
