/**
 * Checking a store for damage. Measured with random bit flips in a 3,000-item store (60 trials of
 * 20 flipped bits): 33 damaged files passed `PRAGMA quick_check(items)` but not
 * `integrity_check(items)`, which also compares index entries with their rows; among them were 5
 * of the 7 files in which re-adding items then created duplicates (the UNIQUE (path, modality)
 * index no longer found the existing rows). integrity_check(items) costs about 1.7 µs per item,
 * so opening a store runs it up to OPEN_CHECK_ITEMS items (~0.4 s) and the structural
 * quick_check(items) above that; `imagebind verify` checks every table (vectors included), any size.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../core/errors.ts';

/** Above this many items, opening a store checks the items table's structure only. */
export const OPEN_CHECK_ITEMS = 250_000;

function pragmaRows(db: Database.Database, pragma: string): string[] {
  return (db.pragma(pragma) as Record<string, string>[]).map((r) => String(Object.values(r)[0]));
}

/** Problems SQLite reports for `pragma` (integrity_check / quick_check, optionally of one table); empty when ok. */
export function sqliteProblems(db: Database.Database, pragma: string): string[] {
  const rows = pragmaRows(db, pragma);
  return rows.length === 1 && rows[0] === 'ok' ? [] : rows.filter((r) => r !== 'ok');
}

/**
 * The check run when a store is opened: the items table and its indexes (the UNIQUE one included)
 * against each other. Throws STORE_CORRUPT naming the file and what to run.
 */
export function checkOnOpen(db: Database.Database, file: string): void {
  let problems: string[];
  let items = 0;
  try {
    items = Number(db.prepare('SELECT count(*) FROM items').pluck().get());
    problems = sqliteProblems(db, items <= OPEN_CHECK_ITEMS ? 'integrity_check(items)' : 'quick_check(items)');
  } catch (e) {
    problems = [(e as Error).message];
  }
  if (problems.length > 0) throw corrupt(file, problems);
}

export function corrupt(file: string, problems: readonly string[]): StoreError {
  const shown = problems.slice(0, 3).join('; ');
  return new StoreError(
    'STORE_CORRUPT',
    `${file} is damaged (${shown}${problems.length > 3 ? `; ${problems.length - 3} more` : ''}). ` +
      `Run \`imagebind verify --db ${file} --rebuild\` to check it fully and rebuild its indexes, ` +
      'or restore it from a backup.',
  );
}
