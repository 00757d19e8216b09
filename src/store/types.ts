import type { StoreModality } from './modality.ts';

export type Metadata = Readonly<Record<string, unknown>>;

/** What the indexer knows about a file, cheapest facts first. */
export interface FileState {
  /** Modification time in ms since the epoch. */
  readonly mtime: number;
  readonly size: number;
  /**
   * sha256 hex of the content, or a function computing it: it is only called when size matches
   * but mtime does not, so unchanged files are never hashed.
   */
  readonly hash?: string | (() => string);
}

export interface ItemInput {
  readonly path: string;
  readonly modality: StoreModality;
  /** The model's raw output; stored unit-length with its norm kept beside it. */
  readonly vector: Float32Array;
  /** sha256 hex of the content. */
  readonly hash: string;
  readonly mtime: number;
  readonly size: number;
  readonly metadata?: Metadata;
}

export interface Item {
  readonly id: number;
  readonly path: string;
  readonly modality: StoreModality;
  readonly hash: string;
  readonly mtime: number;
  readonly size: number;
  readonly metadata: Metadata;
  /** L2 norm of the vector as given; the stored vector is this vector divided by it. */
  readonly norm: number;
  /** When the row was last written, ms since the epoch. */
  readonly updatedAt: number;
}

export interface SearchOptions {
  readonly k: number;
  /** Only these modalities; all when absent or empty. k results come back whenever that many exist. */
  readonly modalities?: readonly string[];
  readonly excludeIds?: Iterable<number>;
  /** Drop hits whose cosine similarity is below this. */
  readonly minScore?: number;
}

export interface SearchHit {
  readonly id: number;
  readonly path: string;
  readonly modality: StoreModality;
  /** Cosine similarity between the query and the stored vector, to within 1e-6. */
  readonly score: number;
  readonly metadata: Metadata;
}

export interface ListOptions {
  readonly modality?: StoreModality;
  /** Keyset paging: return items with id greater than this (pass the last id of the previous page). */
  readonly afterId?: number;
  /** Page size, default 100. */
  readonly limit?: number;
}
