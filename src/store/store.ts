import type Database from 'better-sqlite3';
import { StoreError } from '../core/errors.ts';
import { ChangeLog, hasChangeLog } from './change-log.ts';
import { storeErrorFrom } from './connection.ts';
import { isStoreModality, type StoreModality } from './modality.ts';
import type { StoreInfo } from './schema.ts';
import type { FileState, Item, ItemInput, ListOptions, Metadata, SearchHit, SearchOptions } from './types.ts';
import type { VectorIndex } from './vector-index.ts';
import { SegmentTable } from './segments.ts';
import { dot, normalise } from '../core/vector-math.ts';

interface ItemRow {
  id: number;
  path: string;
  modality: string;
  hash: string;
  mtime: number;
  size: number;
  metadata: string;
  norm: number;
  updated_at: number;
}

/** Whether `id` can be an item's row id at all: SQLite's rowids are positive 64-bit integers,
 * and ids travel as JS numbers, so anything beyond 2^53 or fractional names no item. */
function isRowId(id: number): boolean {
  return Number.isSafeInteger(id) && id >= 1;
}

function toItem(r: ItemRow): Item {
  return {
    id: r.id,
    path: r.path,
    modality: r.modality as StoreModality,
    hash: r.hash,
    mtime: r.mtime,
    size: r.size,
    metadata: JSON.parse(r.metadata) as Metadata,
    norm: r.norm,
    updatedAt: r.updated_at,
  };
}

function checkModality(m: string): StoreModality {
  if (!isStoreModality(m)) {
    throw new StoreError(
      'STORE_BAD_MODALITY',
      `unknown modality "${m}"; expected one of vision, text, audio, video, depth, thermal, imu`,
    );
  }
  return m;
}

/**
 * Items (one per (path, modality)) and their vectors in one SQLite file. Writes are
 * transactional per batch; only one process may write at a time (a second one gets STORE_BUSY
 * after the busy timeout), while any number may search concurrently thanks to WAL.
 * Open with `openStore`.
 */
export class VectorStore {
  private readonly q;
  /** Null for a read-only store made before the change log existed. */
  private readonly log: ChangeLog | null;

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    readonly info: StoreInfo,
    readonly index: VectorIndex,
  ) {
    this.log = hasChangeLog(db) ? new ChangeLog(db) : null;
    this.q = {
      byKey: db.prepare('SELECT * FROM items WHERE path = ? AND modality = ?'),
      byId: db.prepare('SELECT * FROM items WHERE id = ?'),
      byIds: db.prepare('SELECT id, path, modality, metadata FROM items WHERE id IN (SELECT value FROM json_each(?))'),
      insert: db.prepare(`INSERT INTO items (path, modality, hash, mtime, size, metadata, norm, updated_at)
        VALUES (@path, @modality, @hash, @mtime, @size, @metadata, @norm, @now)`),
      update: db.prepare(`UPDATE items SET hash = @hash, mtime = @mtime, size = @size, metadata = @metadata,
        norm = @norm, updated_at = @now WHERE id = @id`),
      touch: db.prepare('UPDATE items SET mtime = ? WHERE path = ? AND modality = ?'),
      del: db.prepare('DELETE FROM items WHERE id = ?'),
      idsByPath: db.prepare('SELECT id FROM items WHERE path = ?').pluck(),
      pathsIn: db.prepare('SELECT DISTINCT path FROM items WHERE path >= ? AND path < ? ORDER BY path').pluck(),
      idsByKey: db.prepare('SELECT id FROM items WHERE path = ? AND modality = ?').pluck(),
      count: db.prepare('SELECT count(*) FROM items').pluck(),
      countBy: db.prepare('SELECT count(*) FROM items WHERE modality = ?').pluck(),
      list: db.prepare('SELECT * FROM items WHERE id > ? ORDER BY id LIMIT ?'),
      listBy: db.prepare('SELECT * FROM items WHERE modality = ? AND id > ? ORDER BY id LIMIT ?'),
    };
  }

  get dim(): number {
    return this.info.dim;
  }

  private segmentTable: SegmentTable | null = null;

  /** Per-window vectors of long audio and video items, with their time ranges (segments.ts). */
  get segments(): SegmentTable {
    this.segmentTable ??= new SegmentTable(this.db, this.file, this.dim);
    return this.segmentTable;
  }

  /** Runs `fn` as one write transaction, so e.g. an item and its segments commit together. */
  transaction<T>(fn: () => T): T {
    return this.guard('writing', () => this.db.transaction(fn).immediate());
  }

  private guard<T>(doing: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeErrorFrom(err, this.file, doing);
    }
  }

  /**
   * One write transaction (BEGIN IMMEDIATE) with the index's write hooks around it; the change log
   * is pruned inside it (its entries themselves are written by triggers, see change-log.ts).
   */
  private write<T>(doing: string, fn: () => T): T {
    return this.guard(doing, () => {
      let committed = false;
      try {
        const out = this.db
          .transaction(() => {
            this.index.beginWrite?.();
            const r = fn();
            this.log?.prune();
            this.index.finishWrite?.();
            return r;
          })
          .immediate();
        committed = true;
        return out;
      } finally {
        this.index.afterWrite?.(committed);
      }
    });
  }

  private unitOf(v: Float32Array, what: string): { unit: Float32Array; norm: number } {
    if (!(v instanceof Float32Array) || v.length !== this.dim) {
      throw new StoreError(
        'STORE_DIM_MISMATCH',
        `${what} has ${v?.length} values but ${this.file} stores ${this.dim}-d vectors of model "${this.info.modelName}"`,
      );
    }
    return normalise(v, what);
  }

  /**
   * Adds or replaces items in one transaction: all of the batch is committed or none of it.
   * Re-adding an existing (path, modality) keeps its id and replaces everything else.
   * Returns the ids in input order.
   */
  addItems(batch: readonly ItemInput[]): number[] {
    const prepared = batch.map((it, i) => {
      const what = `item ${i} (${it.path})`;
      if (typeof it.path !== 'string' || it.path === '')
        throw new StoreError('STORE_BAD_ITEM', `${what} has an empty path`);
      checkModality(it.modality);
      if (!Number.isFinite(it.mtime) || !Number.isFinite(it.size)) {
        throw new StoreError('STORE_BAD_ITEM', `${what} needs finite mtime and size`);
      }
      const { unit, norm } = this.unitOf(it.vector, `the vector of ${what}`);
      const metadata = JSON.stringify(it.metadata ?? {});
      return {
        it,
        unit,
        row: {
          path: it.path,
          modality: it.modality,
          hash: it.hash,
          mtime: Math.round(it.mtime),
          size: it.size,
          metadata,
          norm,
        },
      };
    });
    return this.write(`adding ${batch.length} items`, () => {
      const now = Date.now();
      return prepared.map(({ it, unit, row }) => {
        const old = this.q.byKey.get(it.path, it.modality) as ItemRow | undefined;
        let id: number;
        if (old) {
          id = old.id;
          this.q.update.run({ ...row, now, id });
        } else {
          id = Number(this.q.insert.run({ ...row, now }).lastInsertRowid);
        }
        this.index.put(id, it.modality, unit);
        return id;
      });
    });
  }

  get(id: number): Item | null {
    if (!isRowId(id)) return null;
    return this.guard('reading an item', () => {
      const r = this.q.byId.get(id) as ItemRow | undefined;
      return r ? toItem(r) : null;
    });
  }

  /** The stored unit vector of an item (multiply by `item.norm` for the original). */
  getVector(id: number): Float32Array | null {
    if (!isRowId(id)) return null;
    return this.guard('reading a vector', () => this.index.get(id));
  }

  getByPath(path: string, modality: StoreModality): Item | null {
    return this.guard('reading an item', () => {
      const r = this.q.byKey.get(path, checkModality(modality)) as ItemRow | undefined;
      return r ? toItem(r) : null;
    });
  }

  /**
   * Whether a file must be (re-)embedded: it is new, its size changed, or its mtime changed and
   * its content hash differs (or no hash was given). A touched file with identical content
   * returns false; call `touch` then so the next check is decided by mtime alone.
   */
  needsUpdate(path: string, modality: StoreModality, state: FileState): boolean {
    const old = this.getByPath(path, modality);
    if (!old || old.size !== state.size) return true;
    if (old.mtime === Math.round(state.mtime)) return false;
    if (state.hash === undefined) return true;
    const hash = typeof state.hash === 'function' ? state.hash() : state.hash;
    return hash !== old.hash;
  }

  /** Records a new mtime for an item whose content did not change. */
  touch(path: string, modality: StoreModality, mtime: number): boolean {
    return this.guard(
      'updating an mtime',
      () => this.q.touch.run(Math.round(mtime), path, checkModality(modality)).changes > 0,
    );
  }

  remove(id: number): boolean {
    return isRowId(id) && this.removeIds([id]) > 0;
  }

  /** Removes the item at `path` for one modality, or for all modalities when none is given. */
  removeByPath(path: string, modality?: StoreModality): number {
    const ids = this.guard(
      'finding items',
      () => (modality ? this.q.idsByKey.all(path, checkModality(modality)) : this.q.idsByPath.all(path)) as number[],
    );
    return this.removeIds(ids);
  }

  /** Removes every item of these paths (all modalities) in one transaction; returns how many. */
  removePaths(paths: readonly string[]): number {
    const ids = this.guard('finding items', () => paths.flatMap((p) => this.q.idsByPath.all(p) as number[]));
    return ids.length === 0 ? 0 : this.removeIds(ids);
  }

  /** Distinct stored paths inside folder `dir` (at any depth), in path order. */
  pathsUnder(dir: string): string[] {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    // '0' follows '/' in code point order: [prefix, prefix with '/' → '0') is everything under it.
    const end = `${prefix.slice(0, -1)}0`;
    return this.guard('listing paths', () => this.q.pathsIn.all(prefix, end) as string[]);
  }

  private removeIds(ids: readonly number[]): number {
    return this.write(`removing ${ids.length} items`, () => {
      let n = 0;
      for (const id of ids) {
        n += this.q.del.run(id).changes;
        this.index.delete(id);
      }
      return n;
    });
  }

  count(modality?: StoreModality): number {
    return this.guard('counting items', () =>
      Number(modality ? this.q.countBy.get(checkModality(modality)) : this.q.count.get()),
    );
  }

  /** One page of items in id order; pass the last id as `afterId` for the next page. */
  list(opts: ListOptions = {}): Item[] {
    const after = opts.afterId ?? 0;
    const limit = Math.max(0, Math.floor(opts.limit ?? 100));
    return this.guard('listing items', () =>
      (
        (opts.modality
          ? this.q.listBy.all(checkModality(opts.modality), after, limit)
          : this.q.list.all(after, limit)) as ItemRow[]
      ).map(toItem),
    );
  }

  /** The k items most similar (cosine) to `query`, best first. */
  search(query: Float32Array, opts: SearchOptions): SearchHit[] {
    const k = Math.floor(opts.k);
    if (!(k >= 0)) throw new StoreError('STORE_BAD_QUERY', `k must be a non-negative integer, got ${opts.k}`);
    const { unit, norm } = this.unitOf(query, 'the query vector');
    const mods = opts.modalities?.length ? [...new Set(opts.modalities.map(checkModality))] : undefined;
    const excludeIds = new Set(opts.excludeIds ?? []);
    if (k === 0) return [];
    if (k + excludeIds.size > this.index.maxK) {
      throw new StoreError(
        'STORE_BAD_QUERY',
        `k (${k}) plus excluded ids (${excludeIds.size}) exceeds ${this.index.maxK}, the most the ${this.index.kind} index returns per query`,
      );
    }
    return this.guard('searching', () => {
      const hits = this.index.search({ unit, k, modalities: mods, excludeIds });
      // An approximate index's scores are replaced by float64 cosines of the stored vectors.
      const scored = this.index.exactScores
        ? hits.map((h) => ({ ...h }))
        : hits.map((h) => {
            const v = this.index.get(h.id);
            return { id: h.id, score: v ? dot(v, query) / norm : h.score };
          });
      const rows = this.q.byIds.all(JSON.stringify(scored.map((h) => h.id))) as Pick<
        ItemRow,
        'id' | 'path' | 'modality' | 'metadata'
      >[];
      const byId = new Map(rows.map((r) => [r.id, r]));
      const out: SearchHit[] = [];
      for (const h of scored.sort((a, b) => b.score - a.score || a.id - b.id)) {
        const r = byId.get(h.id);
        if (!r || (opts.minScore !== undefined && h.score < opts.minScore)) continue;
        out.push({
          id: h.id,
          path: r.path,
          modality: r.modality as StoreModality,
          score: h.score,
          metadata: JSON.parse(r.metadata) as Metadata,
        });
      }
      return out;
    });
  }

  /** Empty when healthy; else SQLite's integrity problems and items whose vector row is missing (or vice versa). */
  integrityCheck(): string[] {
    return this.guard('checking integrity', () => {
      const problems = (this.db.pragma('integrity_check') as { integrity_check: string }[]).map(
        (r) => r.integrity_check,
      );
      const orphans = Number(
        this.db
          .prepare(
            `SELECT
        (SELECT count(*) FROM items WHERE id NOT IN (SELECT rowid FROM item_vectors_rowids)) +
        (SELECT count(*) FROM item_vectors_rowids WHERE rowid NOT IN (SELECT id FROM items))`,
          )
          .pluck()
          .get(),
      );
      if (orphans > 0) problems.push(`${orphans} items and vectors do not match up`);
      return problems.length === 1 && problems[0] === 'ok' ? [] : problems.filter((p) => p !== 'ok');
    });
  }

  /** Copies the WAL into the main file and truncates it; call after a large indexing run. */
  checkpoint(): void {
    this.guard('checkpointing', () => this.db.pragma('wal_checkpoint(TRUNCATE)'));
  }

  close(): void {
    if (!this.db.open) return;
    this.index.close?.();
    this.db.close();
  }
}
