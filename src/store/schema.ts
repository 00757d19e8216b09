import type Database from 'better-sqlite3';
import { StoreError } from '../core/errors.ts';
import { SqliteVecIndex } from './sqlite-vec-index.ts';

/** Bump when the on-disk layout changes; older code refuses newer files instead of misreading them. */
export const SCHEMA_VERSION = 1;
/** 'IBnd': marks the file as ours, so a foreign SQLite database is refused rather than altered. */
export const APPLICATION_ID = 0x49426e64;

/** The embedding space a store's vectors belong to. */
export interface SpaceIdentity {
  /** The model directory manifest's identity hash. */
  readonly identity: string;
  readonly dim: number;
  /** Human-readable model name, used in error messages. */
  readonly modelName: string;
}

export interface StoreInfo extends SpaceIdentity {
  readonly schemaVersion: number;
  readonly createdAt: string;
}

export function createSchema(db: Database.Database, space: SpaceIdentity): void {
  if (!Number.isInteger(space.dim) || space.dim <= 0) {
    throw new StoreError('STORE_BAD_SPACE', `vector dim must be a positive integer, got ${space.dim}`);
  }
  db.transaction(() => {
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL,
        modality TEXT NOT NULL,
        hash TEXT NOT NULL,
        mtime INTEGER NOT NULL,
        size INTEGER NOT NULL,
        metadata TEXT NOT NULL DEFAULT '{}',
        norm REAL NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (path, modality)
      );
      CREATE INDEX items_modality ON items (modality, id);
    `);
    db.exec(SqliteVecIndex.createSql(space.dim));
    const put = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)');
    put.run('schema_version', String(SCHEMA_VERSION));
    put.run('identity', space.identity);
    put.run('dim', String(space.dim));
    put.run('model_name', space.modelName);
    put.run('created_at', new Date().toISOString());
    db.pragma(`application_id = ${APPLICATION_ID}`);
  })();
}

/** Reads and validates the meta table; null when the database is empty (a new file). */
export function readInfo(db: Database.Database, file: string): StoreInfo | null {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (tables.length === 0) return null;
  const appId = db.pragma('application_id', { simple: true }) as number;
  if (!tables.includes('meta') || appId !== APPLICATION_ID) {
    throw new StoreError(
      'STORE_NOT_A_STORE',
      `${file} is a SQLite database but not an imagebind vector store; pass a new path with --db instead of reusing this file`,
    );
  }
  const rows = db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[];
  const meta = new Map(rows.map((r) => [r.key, r.value]));
  const version = Number(meta.get('schema_version'));
  if (!Number.isInteger(version)) {
    throw new StoreError(
      'STORE_CORRUPT',
      `${file} has no readable schema version in its meta table; re-index into a new --db`,
    );
  }
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      'STORE_SCHEMA_TOO_NEW',
      `${file} uses store schema version ${version}, but this imagebind-ts understands up to ${SCHEMA_VERSION}; upgrade imagebind-ts to open it`,
    );
  }
  return {
    schemaVersion: version,
    identity: meta.get('identity') ?? '',
    dim: Number(meta.get('dim')),
    modelName: meta.get('model_name') ?? '(unknown)',
    createdAt: meta.get('created_at') ?? '',
  };
}

/** Refuses to mix embedding spaces: vectors from different models are not comparable. */
export function checkSpace(info: StoreInfo, want: SpaceIdentity, file: string): void {
  if (info.identity !== want.identity) {
    throw new StoreError(
      'STORE_SPACE_MISMATCH',
      `${file} holds vectors from model "${info.modelName}" (identity ${info.identity}), ` +
        `but the current model is "${want.modelName}" (identity ${want.identity}); vectors from different ` +
        `models are not comparable. Use a new --db for this model, or re-index this one with it.`,
    );
  }
  if (info.dim !== want.dim) {
    throw new StoreError(
      'STORE_DIM_MISMATCH',
      `${file} stores ${info.dim}-d vectors but model "${want.modelName}" produces ${want.dim}-d vectors; use a new --db or re-index`,
    );
  }
}
