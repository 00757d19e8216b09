/**
 * Issue 11 item 10: a damaged store is noticed. The reproduction flips one byte of a key in the
 * UNIQUE (path, modality) index, the damage that let `index` add duplicates. Opening the store now
 * fails with STORE_CORRUPT (exit 2, naming `imagebind verify`); `verify` finds the damage and
 * `verify --rebuild` repairs it, duplicates included.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { runCli } from '../helpers/cli.ts';
import { ref } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-verify-'));
const media = join(work, 'media');
const db = join(work, 'index.db');

/** Flips the last byte of `key`'s copy inside the pages of index `indexName` (not the table's copy). */
function damageIndexKey(file: string, indexName: string, key: string): void {
  const raw = new Database(file);
  const pageSize = raw.pragma('page_size', { simple: true }) as number;
  const pages = raw.prepare('SELECT pageno FROM dbstat WHERE name = ?').pluck().all(indexName) as number[];
  raw.close(); // the last connection checkpoints the WAL into the file
  const bytes = readFileSync(file);
  const needle = Buffer.from(key);
  let flipped = 0;
  for (const p of pages) {
    const start = (p - 1) * pageSize;
    const at = bytes.subarray(start, start + pageSize).indexOf(needle);
    if (at < 0) continue;
    bytes[start + at + needle.length - 1] ^= 0x01;
    flipped++;
  }
  assert.equal(flipped, 1, `the key was found in ${flipped} pages of ${indexName}`);
  writeFileSync(file, bytes);
}

before(async () => {
  mkdirSync(media, { recursive: true });
  for (const n of ['dog', 'car', 'bird']) copyFileSync(ref('assets', `${n}_image.jpg`), join(media, `${n}.jpg`));
  const r = await runCli(['index', media, '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  damageIndexKey(db, 'sqlite_autoindex_items_1', join(media, 'dog.jpg'));
});

test('a store whose UNIQUE index is damaged is refused by index and search (exit 2, STORE_CORRUPT)', async () => {
  for (const args of [
    ['index', media, '--db', db],
    ['search', '--db', db, '--text', 'a dog'],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args[0]}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /^error \[STORE_CORRUPT\]: .*index\.db is damaged/m);
    assert.match(r.stderr, /imagebind verify --db .* --rebuild/);
  }
});

test('verify finds the damage (exit 2); verify --rebuild repairs it, duplicates included', async () => {
  const v = await runCli(['verify', '--db', db, '--json']);
  assert.equal(v.code, 2);
  const report = JSON.parse(v.stdout) as { items: number; problems: { check: string; detail: string }[] };
  assert.equal(report.items, 3);
  assert.ok(
    report.problems.some((p) => p.check === 'sqlite' && /index/.test(p.detail)),
    v.stdout,
  );

  // What the old code then did: the damaged index no longer finds dog.jpg, so inserting it again succeeds.
  const raw = new Database(db);
  sqliteVec.load(raw);
  const old = raw.prepare('SELECT id FROM items NOT INDEXED WHERE path = ?').pluck().get(join(media, 'dog.jpg'));
  const id = raw
    .prepare(
      `INSERT INTO items (path, modality, hash, mtime, size, metadata, norm, updated_at)
       SELECT path, modality, hash, mtime, size, metadata, norm, updated_at + 1 FROM items NOT INDEXED WHERE id = ?`,
    )
    .run(old).lastInsertRowid;
  raw
    .prepare(
      'INSERT INTO item_vectors (rowid, embedding, modality) SELECT ?, embedding, modality FROM item_vectors WHERE rowid = ?',
    )
    .run(BigInt(id), BigInt(old as number));
  raw.close();

  const dup = JSON.parse((await runCli(['verify', '--db', db, '--json'])).stdout) as {
    problems: { check: string; detail: string }[];
  };
  assert.ok(
    dup.problems.some((p) => p.check === 'duplicates' && p.detail.includes('dog.jpg')),
    JSON.stringify(dup),
  );

  const fixed = await runCli(['verify', '--db', db, '--rebuild']);
  assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
  assert.match(fixed.stdout, /repaired: removed 1 duplicate rows/);
  assert.match(fixed.stdout, /repaired: rebuilt every index/);
  assert.match(fixed.stdout, /after the rebuild: 0 problems remain/);

  const again = await runCli(['verify', '--db', db, '--json']);
  assert.equal(again.code, 0, again.stdout);
  assert.deepEqual((JSON.parse(again.stdout) as { problems: unknown[] }).problems, []);
  const index = await runCli(['index', media, '--db', db, '--json']);
  assert.equal(index.code, 0, index.stderr);
  const r = JSON.parse(index.stdout) as { found: number; added: number; skipped: number };
  assert.deepEqual([r.found, r.added, r.skipped], [3, 0, 3]);
  const list = new Database(db, { readonly: true });
  const rows = list.prepare('SELECT path, count(*) AS n FROM items NOT INDEXED GROUP BY path').all() as {
    path: string;
    n: number;
  }[];
  list.close();
  assert.deepEqual(
    rows.map((x) => x.n),
    [1, 1, 1],
  );
});
