/**
 * Issue 11 items 8 and 9 through the real CLI and server (embedded mini model): re-indexing prunes
 * the items of deleted files and says how many; symlink loops and dangling links are skipped with a
 * reason instead of aborting `index` (or answering 500 on the server); a file reached by two paths
 * is indexed once, under its real path.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedServer, spawnServer } from '../helpers/server.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { ref } from '../helpers/shared.ts';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'imagebind-hygiene-')));
const media = join(work, 'media');
const db = join(work, 'index.db');
let server: SpawnedServer | null = null;

interface Report {
  found: number;
  added: number;
  skipped: number;
  pruned: number;
  failed: unknown[];
  unreachable: { path: string; reason: string }[];
}

function storedPaths(): string[] {
  const store = openStore(db, { readonly: true });
  try {
    return store
      .list({ limit: 1000 })
      .map((i) => i.path)
      .sort();
  } finally {
    store.close();
  }
}

before(() => {
  mkdirSync(join(media, 'sub'), { recursive: true });
  copyFileSync(ref('assets', 'dog_image.jpg'), join(media, 'dog.jpg'));
  copyFileSync(ref('assets', 'car_image.jpg'), join(media, 'car.jpg'));
  copyFileSync(ref('assets', 'dog_audio.wav'), join(media, 'sub', 'bark.wav'));
  symlinkSync(join(media, 'dog.jpg'), join(media, 'also-dog.jpg')); // the same file by a second path
  symlinkSync(join(media, 'loop.jpg'), join(media, 'loop.jpg')); // ELOOP
  symlinkSync('..', join(media, 'sub', 'up')); // a folder loop
  symlinkSync(join(media, 'missing.png'), join(media, 'dangling.png'));
});

after(async () => {
  await server?.stop();
});

test('index: loops and dangling links are skipped with reasons; a twice-linked file is one item', async () => {
  const r = await runCli(['index', media, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.found, 3);
  assert.equal(report.added, 3);
  assert.equal(report.pruned, 0);
  const reasons = new Map(report.unreachable.map((u) => [u.path, u.reason]));
  assert.match(reasons.get(join(media, 'loop.jpg')) ?? '', /ELOOP/);
  assert.match(reasons.get(join(media, 'dangling.png')) ?? '', /does not exist/);
  assert.match(reasons.get(join(media, 'sub', 'up')) ?? '', /already visited/);
  assert.deepEqual(storedPaths(), [join(media, 'car.jpg'), join(media, 'dog.jpg'), join(media, 'sub', 'bark.wav')]);
  // The plain report says the same.
  const plain = await runCli(['index', media, '--db', db]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.match(plain.stdout, /0 pruned/);
  assert.match(plain.stdout, /skipped: .*loop\.jpg: a symlink loop/);
});

test('index: a deleted file is pruned on the next run and no longer found by search', async () => {
  rmSync(join(media, 'car.jpg'));
  rmSync(join(media, 'sub', 'bark.wav'));
  const r = await runCli(['index', media, '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Report;
  assert.equal(report.pruned, 2);
  assert.equal(report.added, 0);
  assert.deepEqual(storedPaths(), [join(media, 'dog.jpg')]);
  const s = await runCli(['search', '--db', db, '--image', ref('assets', 'car_image.jpg'), '--json']);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(
    (JSON.parse(s.stdout) as { path: string }[]).map((h) => h.path),
    [join(media, 'dog.jpg')],
  );
  // Restored: indexed again.
  copyFileSync(ref('assets', 'car_image.jpg'), join(media, 'car.jpg'));
  const again = JSON.parse((await runCli(['index', media, '--db', db, '--json'])).stdout) as Report;
  assert.equal(again.added, 1);
  assert.equal(again.pruned, 0);
});

test('server: indexing a root with symlink loops answers 200 with per-path reasons, and prunes', async () => {
  server = await spawnServer(['--db', db, '--root', media]);
  const post = async () => {
    const res = await fetch(`${server!.url}/v1/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: [media] }),
    });
    return {
      status: res.status,
      json: (await res.json()) as { pruned: number; errors: { path: string; code: string }[] },
    };
  };
  const first = await post();
  assert.equal(first.status, 200, JSON.stringify(first.json));
  const unreachable = first.json.errors.filter((e) => e.code === 'UNREACHABLE').map((e) => e.path);
  assert.deepEqual(unreachable.sort(), [
    join(media, 'dangling.png'),
    join(media, 'loop.jpg'),
    join(media, 'sub', 'up'),
  ]);
  rmSync(join(media, 'car.jpg'));
  const second = await post();
  assert.equal(second.status, 200);
  assert.equal(second.json.pruned, 1);
});
