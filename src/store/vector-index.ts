import type { StoreModality } from './modality.ts';

/** A candidate from an index: the item id and the index's own (possibly approximate) cosine. */
export interface IndexHit {
  readonly id: number;
  readonly score: number;
}

export interface IndexQuery {
  /** Unit-length query vector. */
  readonly unit: Float32Array;
  readonly k: number;
  /** Restrict to these modalities; all when absent. Each listed modality may fill all k slots. */
  readonly modalities?: readonly StoreModality[];
  readonly excludeIds?: ReadonlySet<number>;
}

/**
 * Where vectors live and how nearest neighbours are found. The store calls `put`/`delete` inside
 * its own write transaction, so an index that shares the SQLite connection stays consistent with
 * the item rows across crashes. An ANN index kept in a separate file (AnnIndex) cannot join that
 * transaction: it uses the write hooks below and the store's change log to stay current.
 */
export interface VectorIndex {
  /** Short name recorded in results and errors, e.g. 'sqlite-vec-exact'. */
  readonly kind: string;
  readonly dim: number;
  /** Inserts or replaces the unit vector stored for `id`. */
  put(id: number, modality: StoreModality, unit: Float32Array): void;
  delete(id: number): void;
  /** The stored unit vector, or null. */
  get(id: number): Float32Array | null;
  /** Up to k hits, best first. Must not drop a matching item merely because others rank higher. */
  search(q: IndexQuery): IndexHit[];
  /**
   * True when hit scores are the cosine of the stored vectors to within 1e-6. When false (e.g. a
   * quantised ANN index) the store re-scores hits from `get` in float64.
   */
  readonly exactScores: boolean;
  /** Largest k the index can return in one query. */
  readonly maxK: number;
  /** Called by the store's close(), e.g. to persist side files. */
  close?(): void;
  /**
   * Write hooks for an index kept outside SQLite: `beginWrite` and `finishWrite` run inside the
   * store's write transaction (first and last), `afterWrite` after it, with whether it committed.
   */
  beginWrite?(): void;
  finishWrite?(): void;
  afterWrite?(committed: boolean): void;
}
