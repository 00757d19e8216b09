/**
 * Segments: one vector per time window of a long audio or video item, with its start and end in
 * seconds, so a search can answer "where in this recording". An additive migration: the tables
 * are created the first time segments are written (older stores and older code are unaffected),
 * and a trigger drops an item's segments when the item row goes, whoever deletes it.
 *
 * Layout: `segments` (id, item_id, modality, start_s, end_s, norm) and `segment_vectors`, a
 * sqlite-vec `vec0` table of unit vectors (cosine, `modality` partition key), rowid = segment id.
 * Search is exact; at 10-second windows an hour of media is 360 vectors.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../core/errors.ts';
import { fromBlob, normalise, toBlob } from '../core/vector-math.ts';
import { isStoreModality, type StoreModality } from './modality.ts';
import type { Metadata } from './types.ts';

export const SEGMENTS_VERSION = 1;
const VEC0_MAX_K = 4096;

export interface SegmentInput {
  /** Seconds from the start of the file; 0 ≤ start < end. */
  readonly start: number;
  readonly end: number;
  /** The model's raw output for the window; stored unit-length with its norm. */
  readonly vector: Float32Array;
  /** Which encoder's window: 'audio' (the sound) or 'video' (the pictures). */
  readonly modality: StoreModality;
}

export interface Segment {
  readonly id: number;
  readonly itemId: number;
  readonly modality: StoreModality;
  readonly start: number;
  readonly end: number;
}

export interface SegmentHit extends Segment {
  readonly path: string;
  /** The item's own modality (a video file's audio segments belong to a 'video' item). */
  readonly itemModality: StoreModality;
  readonly score: number;
  readonly metadata: Metadata;
}

export interface SegmentSearchOptions {
  readonly k: number;
  /** Only segments of these modalities ('audio', 'video'); all when absent or empty. */
  readonly modalities?: readonly string[];
  /** Only segments of this item (search inside one recording). */
  readonly itemId?: number;
}

function createSql(dim: number): string {
  return `
    CREATE TABLE IF NOT EXISTS segments (
      id INTEGER PRIMARY KEY,
      item_id INTEGER NOT NULL,
      modality TEXT NOT NULL,
      start_s REAL NOT NULL,
      end_s REAL NOT NULL,
      norm REAL NOT NULL
    );
    CREATE INDEX IF NOT EXISTS segments_item ON segments (item_id, start_s);
    CREATE VIRTUAL TABLE IF NOT EXISTS segment_vectors USING vec0(
      embedding float[${dim}] distance_metric=cosine,
      modality text partition key
    );
    CREATE TRIGGER IF NOT EXISTS segments_follow_items AFTER DELETE ON items BEGIN
      DELETE FROM segment_vectors WHERE rowid IN (SELECT id FROM segments WHERE item_id = OLD.id);
      DELETE FROM segments WHERE item_id = OLD.id;
    END;
    INSERT OR REPLACE INTO meta (key, value) VALUES ('segments_version', '${SEGMENTS_VERSION}');
  `;
}

export class SegmentTable {
  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
    readonly dim: number,
  ) {}

  private exists(): boolean {
    return (
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'segments'").pluck().get() === 1
    );
  }

  private ensure(): void {
    if (this.exists()) return;
    if (this.db.readonly)
      throw new StoreError('STORE_READONLY', `${this.file} has no segments yet and is open read-only`);
    this.db.exec(createSql(this.dim));
  }

  /**
   * Replaces all segments of an item with `segments`, in one transaction (nested in the caller's,
   * when there is one: `VectorStore.transaction` writes an item and its segments atomically).
   */
  replace(itemId: number, segments: readonly SegmentInput[]): number[] {
    const rows = segments.map((s, i) => {
      const what = `segment ${i} of item ${itemId}`;
      if (!isStoreModality(s.modality))
        throw new StoreError('STORE_BAD_MODALITY', `${what}: unknown modality "${s.modality}"`);
      if (!(Number.isFinite(s.start) && Number.isFinite(s.end) && s.start >= 0 && s.end > s.start)) {
        throw new StoreError('STORE_BAD_ITEM', `${what}: needs 0 ≤ start < end in seconds, got [${s.start}, ${s.end}]`);
      }
      if (!(s.vector instanceof Float32Array) || s.vector.length !== this.dim) {
        throw new StoreError(
          'STORE_DIM_MISMATCH',
          `${what} has ${s.vector?.length} values but ${this.file} stores ${this.dim}-d vectors`,
        );
      }
      return { s, ...normalise(s.vector, `the vector of ${what}`) };
    });
    return this.db
      .transaction(() => {
        this.ensure();
        this.db
          .prepare('DELETE FROM segment_vectors WHERE rowid IN (SELECT id FROM segments WHERE item_id = ?)')
          .run(itemId);
        this.db.prepare('DELETE FROM segments WHERE item_id = ?').run(itemId);
        const ins = this.db.prepare(
          'INSERT INTO segments (item_id, modality, start_s, end_s, norm) VALUES (?, ?, ?, ?, ?)',
        );
        const vec = this.db.prepare('INSERT INTO segment_vectors (rowid, embedding, modality) VALUES (?, ?, ?)');
        return rows.map(({ s, unit, norm }) => {
          const id = Number(ins.run(itemId, s.modality, s.start, s.end, norm).lastInsertRowid);
          vec.run(BigInt(id), toBlob(unit), s.modality);
          return id;
        });
      })
      .immediate();
  }

  /** An item's segments in time order (per modality). */
  forItem(itemId: number): Segment[] {
    if (!this.exists()) return [];
    return (
      this.db
        .prepare(
          'SELECT id, item_id, modality, start_s, end_s FROM segments WHERE item_id = ? ORDER BY modality, start_s',
        )
        .all(itemId) as { id: number; item_id: number; modality: string; start_s: number; end_s: number }[]
    ).map((r) => ({
      id: r.id,
      itemId: r.item_id,
      modality: r.modality as StoreModality,
      start: r.start_s,
      end: r.end_s,
    }));
  }

  count(): number {
    return this.exists() ? Number(this.db.prepare('SELECT count(*) FROM segments').pluck().get()) : 0;
  }

  getVector(id: number): Float32Array | null {
    if (!this.exists()) return null;
    const b = this.db.prepare('SELECT embedding FROM segment_vectors WHERE rowid = ?').pluck().get(BigInt(id)) as
      Buffer | undefined;
    return b ? fromBlob(b) : null;
  }

  /** The k segments most similar (cosine) to `query`, best first. */
  search(query: Float32Array, opts: SegmentSearchOptions): SegmentHit[] {
    const k = Math.floor(opts.k);
    if (!(k >= 0)) throw new StoreError('STORE_BAD_QUERY', `k must be a non-negative integer, got ${opts.k}`);
    if (!(query instanceof Float32Array) || query.length !== this.dim)
      throw new StoreError(
        'STORE_DIM_MISMATCH',
        `the query has ${query?.length} values but ${this.file} stores ${this.dim}-d vectors`,
      );
    const { unit } = normalise(query, 'the query vector');
    if (k === 0 || !this.exists()) return [];
    const mods = opts.modalities?.length ? [...new Set(opts.modalities)] : null;
    for (const m of mods ?? [])
      if (!isStoreModality(m)) throw new StoreError('STORE_BAD_MODALITY', `unknown modality "${m}"`);
    const scored = opts.itemId !== undefined ? this.scanItem(unit, opts.itemId, mods) : this.knn(unit, k, mods);
    return this.hits(scored.slice(0, k));
  }

  /** One item's segments scored directly (an hour of 10-second windows is 360 dot products). */
  private scanItem(
    unit: Float32Array,
    itemId: number,
    mods: readonly string[] | null,
  ): { id: number; score: number }[] {
    const rows = this.db
      .prepare(
        'SELECT v.rowid AS id, v.embedding AS e, s.modality AS m FROM segments s JOIN segment_vectors v ON v.rowid = s.id WHERE s.item_id = ?',
      )
      .all(itemId) as { id: number | bigint; e: Buffer; m: string }[];
    return rows
      .filter((r) => !mods || mods.includes(r.m))
      .map((r) => {
        const v = fromBlob(r.e);
        let d = 0;
        for (let i = 0; i < v.length; i++) d += v[i] * unit[i];
        return { id: Number(r.id), score: d };
      })
      .sort((a, b) => b.score - a.score || a.id - b.id);
  }

  private knn(unit: Float32Array, k: number, mods: readonly string[] | null): { id: number; score: number }[] {
    const where = mods ? ` AND modality IN (${mods.map(() => '?').join(', ')})` : '';
    const rows = this.db
      .prepare(`SELECT rowid AS id, distance FROM segment_vectors WHERE embedding MATCH ? AND k = ?${where}`)
      .all(toBlob(unit), Math.min(VEC0_MAX_K, k), ...(mods ?? [])) as { id: number | bigint; distance: number }[];
    return rows.map((r) => ({ id: Number(r.id), score: 1 - r.distance }));
  }

  private hits(scored: readonly { id: number; score: number }[]): SegmentHit[] {
    const ids = scored.map((r) => r.id);
    const rows = this.db
      .prepare(
        `SELECT s.id, s.item_id, s.modality, s.start_s, s.end_s, i.path, i.modality AS item_modality, i.metadata
         FROM segments s JOIN items i ON i.id = s.item_id WHERE s.id IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(ids)) as {
      id: number;
      item_id: number;
      modality: string;
      start_s: number;
      end_s: number;
      path: string;
      item_modality: string;
      metadata: string;
    }[];
    const byId = new Map(rows.map((r) => [r.id, r]));
    const hits: SegmentHit[] = [];
    for (const [j, id] of ids.entries()) {
      const r = byId.get(id);
      if (!r) continue;
      hits.push({
        id,
        itemId: r.item_id,
        modality: r.modality as StoreModality,
        start: r.start_s,
        end: r.end_s,
        path: r.path,
        itemModality: r.item_modality as StoreModality,
        score: scored[j].score,
        metadata: JSON.parse(r.metadata) as Metadata,
      });
    }
    return hits;
  }
}
