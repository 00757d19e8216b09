import type Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { StoreError } from '../core/errors.ts';
import { openConnection, storeErrorFrom } from './connection.ts';
import { checkSpace, createSchema, readInfo, type SpaceIdentity, type StoreInfo } from './schema.ts';
import { SqliteVecIndex } from './sqlite-vec-index.ts';
import { AnnIndex, type AnnOptions } from './ann-index.ts';
import { ensureChangeLog } from './change-log.ts';
import { checkOnOpen } from './integrity.ts';
import { VectorStore } from './store.ts';
import type { VectorIndex } from './vector-index.ts';

export interface OpenStoreOptions {
  /**
   * The embedding space of the vectors the caller will add or query with. Required to create a
   * store; when given for an existing one, a different identity or dim is refused.
   */
  readonly space?: SpaceIdentity;
  /** Open for searching only (e.g. while an indexer writes). The file must exist. */
  readonly readonly?: boolean;
  /** Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /** Default 'FULL'; see ConnectionOptions. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** Swaps the vector index for another implementation. */
  readonly index?: (db: Database.Database, info: StoreInfo) => VectorIndex;
  /**
   * Check the items table and its indexes when opening (default true; see integrity.ts). A damaged
   * store then fails with STORE_CORRUPT instead of silently adding duplicates.
   */
  readonly check?: boolean;
  /**
   * The default index: exact search, with a usearch HNSW graph per modality once the store holds
   * `minItems` vectors (default 20 000). `false` keeps every search exact.
   */
  readonly ann?: AnnOptions | false;
}

/** Opens (or, given `space`, creates) the store in `file`. */
export function openStore(file: string, opts: OpenStoreOptions = {}): VectorStore {
  const path = resolve(file);
  const readonly = opts.readonly ?? false;
  if (!readonly && !opts.space && !existsSync(path)) {
    throw new StoreError(
      'STORE_NO_SPACE',
      `${path} does not exist; creating a store needs the model's identity and vector dim`,
    );
  }
  const db = openConnection(path, {
    readonly,
    busyTimeoutMs: opts.busyTimeoutMs ?? 5000,
    synchronous: opts.synchronous ?? 'FULL',
  });
  try {
    let info = readInfo(db, path);
    if (!info) {
      if (readonly)
        throw new StoreError(
          'STORE_NOT_A_STORE',
          `${path} is empty, not an imagebind store; index something into it first`,
        );
      const space = opts.space;
      if (!space) {
        throw new StoreError(
          'STORE_NO_SPACE',
          `${path} is a new store and needs the model's identity and vector dim to be created`,
        );
      }
      // IMMEDIATE so two processes creating the same file at once cannot both write a schema.
      info = db
        .transaction(() => {
          const again = readInfo(db, path);
          if (again) return again;
          createSchema(db, space);
          return readInfo(db, path);
        })
        .immediate();
      if (!info) throw new StoreError('STORE_IO', `${path}: the schema just written could not be read back`);
    }
    if (opts.space) checkSpace(info, opts.space, path);
    if (opts.check !== false) checkOnOpen(db, path);
    if (!readonly) ensureChangeLog(db);
    const index = opts.index
      ? opts.index(db, info)
      : opts.ann === false
        ? new SqliteVecIndex(db, info.dim)
        : new AnnIndex(db, info.dim, path, `${info.identity}:${info.createdAt}`, { readonly, ...opts.ann });
    if (index.dim !== info.dim) {
      throw new StoreError(
        'STORE_DIM_MISMATCH',
        `index ${index.kind} has dim ${index.dim} but ${path} stores ${info.dim}-d vectors`,
      );
    }
    return new VectorStore(db, path, info, index);
  } catch (err) {
    db.close();
    throw storeErrorFrom(err, path, 'opening it');
  }
}
