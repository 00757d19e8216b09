/**
 * The store's change log: every insert, vector-changing update and delete of an item appends the
 * item's id, by SQLite triggers, so the entry commits or rolls back with the change itself, in
 * whichever process made it (older imagebind-ts versions included, since triggers live in the
 * file). Its largest `seq` is the store's version: an ANN index kept outside SQLite records the
 * version it reflects and replays the entries after it (see ann-index.ts).
 */
import type Database from 'better-sqlite3';

/** Entries kept; an index further behind than this rebuilds instead of replaying. */
export const CHANGE_LOG_KEEP = 100_000;

const CREATE = `
  CREATE TABLE IF NOT EXISTS item_changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, item_id INTEGER NOT NULL);
  CREATE TRIGGER IF NOT EXISTS item_changes_insert AFTER INSERT ON items
    BEGIN INSERT INTO item_changes (item_id) VALUES (NEW.id); END;
  CREATE TRIGGER IF NOT EXISTS item_changes_update AFTER UPDATE OF path, modality, hash, norm, updated_at ON items
    BEGIN INSERT INTO item_changes (item_id) VALUES (NEW.id); END;
  CREATE TRIGGER IF NOT EXISTS item_changes_delete AFTER DELETE ON items
    BEGIN INSERT INTO item_changes (item_id) VALUES (OLD.id); END;
`;

/** Creates the log and its triggers when missing (stores made before it existed); idempotent. */
export function ensureChangeLog(db: Database.Database): void {
  if (hasChangeLog(db)) return;
  db.transaction(() => db.exec(CREATE)).immediate();
}

export function hasChangeLog(db: Database.Database): boolean {
  const n = db
    .prepare(
      "SELECT count(*) FROM sqlite_master WHERE (type = 'table' AND name = 'item_changes') OR (type = 'trigger' AND name LIKE 'item_changes_%')",
    )
    .pluck()
    .get() as number;
  return n === 4;
}

export class ChangeLog {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      version: db.prepare('SELECT coalesce(max(seq), 0) FROM item_changes').pluck(),
      oldest: db.prepare('SELECT min(seq) FROM item_changes').pluck(),
      since: db.prepare('SELECT DISTINCT item_id FROM item_changes WHERE seq > ?').pluck(),
      countSince: db.prepare('SELECT count(*) FROM item_changes WHERE seq > ?').pluck(),
      prune: db.prepare('DELETE FROM item_changes WHERE seq <= ?'),
    };
  }

  /** The store's version: the last change's seq (0 for a store never written). */
  version(): number {
    return Number(this.stmts.version.get());
  }

  /**
   * Ids changed after `seq`, or null when the log no longer reaches back that far (pruned) or
   * holds more than `limit` entries since: replaying would cost more than a rebuild.
   */
  changedSince(seq: number, limit: number): number[] | null {
    const oldest = this.stmts.oldest.get() as number | null;
    if (oldest !== null && oldest > seq + 1) return null;
    if (Number(this.stmts.countSince.get(seq)) > limit) return null;
    return (this.stmts.since.all(seq) as (number | bigint)[]).map(Number);
  }

  /** Drops entries more than CHANGE_LOG_KEEP behind the newest; call inside write transactions. */
  prune(): void {
    const v = this.version();
    if (v > CHANGE_LOG_KEEP) this.stmts.prune.run(v - CHANGE_LOG_KEEP);
  }
}
