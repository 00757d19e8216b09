/**
 * `imagebind verify`: the full check of a store, and the repairs that can be made in place.
 *
 * Checks: SQLite's integrity_check of every table and index (vectors included); duplicate
 * (path, modality) rows, read without the UNIQUE index that should have prevented them; items
 * without a vector and vectors without an item; the HNSW graphs (when the store is large enough to
 * use them) against SQLite. Rebuild: duplicates are dropped (the newest row of each stays),
 * every index is rebuilt from its table (REINDEX), orphans are removed (an item without a vector
 * is re-embedded by the next `index`), the saved graphs are deleted (the next search rebuilds
 * them), then everything is checked again. Damage to the tables themselves cannot be repaired in
 * place: restore a backup, or re-index into a new file.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { AnnIndex, type AnnOptions } from './ann-index.ts';
import { readAnnState } from './ann-files.ts';
import { ChangeLog, ensureChangeLog, hasChangeLog } from './change-log.ts';
import { openConnection, storeErrorFrom } from './connection.ts';
import { sqliteProblems } from './integrity.ts';
import { readInfo } from './schema.ts';
import { StoreError } from '../core/errors.ts';

export interface VerifyProblem {
  /** Which check found it: sqlite, duplicates, vectors, ann. */
  readonly check: string;
  readonly detail: string;
}

export interface VerifyReport {
  readonly file: string;
  readonly items: number;
  readonly problems: VerifyProblem[];
  /** What --rebuild did. */
  readonly repaired: string[];
  /** Problems left after the rebuild (or all of them without one). */
  readonly remaining: VerifyProblem[];
}

function check(db: Database.Database, dbFile: string, storeId: string, dim: number, ann: AnnOptions): VerifyProblem[] {
  const out: VerifyProblem[] = [];
  const push = (check: string, details: string[]) => out.push(...details.map((detail) => ({ check, detail })));
  push('sqlite', sqliteProblems(db, 'integrity_check(100)'));
  try {
    const dups = db
      .prepare(
        'SELECT path, modality, count(*) AS n FROM items NOT INDEXED GROUP BY path, modality HAVING n > 1 LIMIT 20',
      )
      .all() as { path: string; modality: string; n: number }[];
    push(
      'duplicates',
      dups.map((d) => `${d.path} (${d.modality}) is stored ${d.n} times`),
    );
    const [noVector, noItem] = orphans(db);
    if (noVector.length) push('vectors', [`${noVector.length} items have no vector (e.g. id ${noVector[0]})`]);
    if (noItem.length) push('vectors', [`${noItem.length} vectors belong to no item (e.g. id ${noItem[0]})`]);
  } catch (e) {
    push('sqlite', [(e as Error).message]);
  }
  if (!out.some((p) => p.check === 'sqlite') && hasChangeLog(db)) {
    try {
      push('ann', new AnnIndex(db, dim, dbFile, storeId, ann).check() ?? []);
    } catch (e) {
      push('ann', [`the HNSW graphs could not be brought up to date: ${(e as Error).message}`]);
    }
  }
  return out;
}

function orphans(db: Database.Database): [number[], number[]] {
  const ids = (sql: string) => (db.prepare(sql).pluck().all() as (number | bigint)[]).map(Number);
  return [
    ids('SELECT id FROM items NOT INDEXED WHERE id NOT IN (SELECT rowid FROM item_vectors_rowids)'),
    ids('SELECT rowid FROM item_vectors_rowids WHERE rowid NOT IN (SELECT id FROM items NOT INDEXED)'),
  ];
}

function rebuild(db: Database.Database, annDir: string): string[] {
  const done: string[] = [];
  db.transaction(() => {
    // Read without the (damaged) UNIQUE index; one sort, not a lookup per row.
    const extra = db
      .prepare(
        `SELECT id FROM (SELECT id, row_number() OVER (PARTITION BY path, modality ORDER BY updated_at DESC, id DESC) AS r
           FROM items NOT INDEXED) WHERE r > 1`,
      )
      .pluck()
      .all() as number[];
    const delItem = db.prepare('DELETE FROM items WHERE id = ?');
    const delVector = db.prepare('DELETE FROM item_vectors WHERE rowid = ?');
    for (const id of extra) {
      delItem.run(id);
      delVector.run(BigInt(id));
    }
    if (extra.length) done.push(`removed ${extra.length} duplicate rows (kept the newest of each path and modality)`);
    db.exec('REINDEX');
    done.push('rebuilt every index from its table (REINDEX)');
    const [noVector, noItem] = orphans(db);
    for (const id of noVector) delItem.run(id);
    for (const id of noItem) delVector.run(BigInt(id));
    if (noVector.length)
      done.push(`removed ${noVector.length} items without a vector (the next \`index\` re-embeds them)`);
    if (noItem.length) done.push(`removed ${noItem.length} vectors without an item`);
  }).immediate();
  if (readAnnState(annDir)) {
    // The graphs go; settings.json (the store's vector precision) stays, so the rebuild keeps it.
    for (const f of readdirSync(annDir))
      if (f !== 'settings.json') rmSync(join(annDir, f), { recursive: true, force: true });
    done.push(`deleted the saved HNSW graphs (${annDir}); the next search rebuilds them`);
  }
  return done;
}

/** Runs every check on `file`; with `rebuild`, repairs what can be repaired and checks again. */
export function verifyStore(file: string, opts: { rebuild?: boolean; ann?: AnnOptions } = {}): VerifyReport {
  const path = resolve(file);
  const db = openConnection(path, { readonly: !opts.rebuild, busyTimeoutMs: 5000, synchronous: 'FULL' });
  try {
    const info = readInfo(db, path);
    if (!info) throw new StoreError('STORE_NOT_A_STORE', `${path} is empty, not an imagebind store.`);
    const storeId = `${info.identity}:${info.createdAt}`;
    const items = Number(db.prepare('SELECT count(*) FROM items NOT INDEXED').pluck().get());
    const problems = check(db, path, storeId, info.dim, opts.ann ?? {});
    if (!opts.rebuild || problems.length === 0)
      return { file: path, items, problems, repaired: [], remaining: problems };
    ensureChangeLog(db);
    const repaired = rebuild(db, `${path}.ann`);
    new ChangeLog(db).prune();
    return { file: path, items, problems, repaired, remaining: check(db, path, storeId, info.dim, opts.ann ?? {}) };
  } catch (e) {
    throw storeErrorFrom(e, path, 'verifying it');
  } finally {
    db.close();
  }
}
