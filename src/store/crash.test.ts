import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { fileURLToPath } from 'node:url';
import { crashItemVector } from '../../test/helpers/store-crash-data.ts';
import { openStore } from './open.ts';
import { cosine, tempDbPath, testSpace } from '../../test/helpers/store.ts';

const DIM = 64;
const BATCH = 250;
const WRITER = fileURLToPath(new URL('../../test/helpers/store-crash-writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs the writer until it has reported `commits` commits plus a random few ms, then kill -9s it. */
function runAndKill(file: string, first: number, commits: number, extraMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, file, String(DIM), String(BATCH), String(first)],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let last = first - 1;
    let seen = 0;
    let stderr = '';
    let killing = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout.on('data', (d: Buffer) => {
      for (const m of d.toString().matchAll(/committed (\d+)/g)) {
        last = Math.max(last, Number(m[1]));
        seen++;
      }
      if (seen >= commits && !killing) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(last);
      else reject(new Error(`writer exited with ${code} before it was killed:\n${stderr}`));
    });
  });
}

function verify(file: string, lastReported: number): number {
  const raw = new Database(file, { readonly: true });
  assert.deepEqual(raw.pragma('integrity_check', { simple: true }), 'ok');
  raw.close();
  const s = openStore(file, { space: testSpace(DIM) });
  assert.deepEqual(s.integrityCheck(), []);
  const perBatch = new Map<number, number>();
  const paths = new Set<string>();
  for (let after = 0; ;) {
    const page = s.list({ afterId: after, limit: 1000 });
    if (page.length === 0) break;
    for (const it of page) {
      const b = it.metadata.batch as number;
      perBatch.set(b, (perBatch.get(b) ?? 0) + 1);
      assert.ok(!paths.has(it.path), `duplicate ${it.path}`);
      paths.add(it.path);
      if (it.id % 97 === 0) {
        const v = s.getVector(it.id)!;
        assert.ok(cosine(v, crashItemVector(b, it.metadata.i as number, DIM)) > 1 - 1e-6, `vector of ${it.path}`);
      }
    }
    after = page[page.length - 1].id;
  }
  const batches = [...perBatch.keys()].sort((a, b) => a - b);
  const max = batches.at(-1) ?? -1;
  assert.ok(max >= lastReported, `batch ${lastReported} was reported committed but the store ends at ${max}`);
  assert.ok(max <= lastReported + 1, 'at most the batch in flight can have committed unreported');
  assert.deepEqual(
    batches,
    Array.from({ length: max + 1 }, (_, i) => i),
    'every batch up to the last is present',
  );
  for (const [b, n] of perBatch) assert.equal(n, BATCH, `batch ${b} has ${n} of ${BATCH} items`);
  assert.equal(s.count(), (max + 1) * BATCH);
  s.close();
  return max;
}

test(
  'kill -9 mid-indexing loses at most the batch in flight and never corrupts the file',
  { timeout: 60_000 },
  async () => {
    const file = tempDbPath();
    openStore(file, { space: testSpace(DIM) }).close();
    let next = 0;
    for (const [commits, extraMs] of [
      [3, 0],
      [2, 7],
      [4, 23],
    ]) {
      const reported = await runAndKill(file, next, commits, extraMs);
      next = verify(file, reported) + 1;
    }
    // The writer resumes where the last complete batch ended.
    const s = openStore(file, { space: testSpace(DIM) });
    const before = s.count();
    s.addItems([
      { path: 'after-crash', modality: 'text', vector: crashItemVector(0, 0, DIM), hash: 'x', mtime: 1, size: 1 },
    ]);
    assert.equal(s.count(), before + 1);
    s.close();
  },
);
