/**
 * Issue 15 item 1 through the real CLI on a real redis-server (AOF, loopback, its own port): an
 * `index --queue` coordinator and `worker` processes with the embedded mini model.
 * - 2 workers build the same store as a single-process `index` (same items, vectors within 1e-5),
 *   with files reaching workers both inline and by shared path; identical contents are one job.
 * - the same corpus enqueued twice adds nothing and duplicates no row.
 * - a poison file fails its attempts into the dead-letter hash with its reason; the rest is indexed.
 * - a worker of another model is refused (MODEL_SPACE_MISMATCH); bad URLs fail before any work.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { exits, makeCorpus, maxAbsDiff, spawnCli, storeRows, until } from '../helpers/queue.ts';
import { type TestRedis, haveRedis, startRedis } from '../helpers/redis.ts';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'imagebind-queue-')));
const media = join(work, 'media');
let redis: TestRedis;
const skip =
  haveRedis() || process.env.CI === 'true'
    ? false
    : 'redis-server is not installed (Debian: apt-get install redis-server)';

before(async () => {
  if (skip) return;
  redis = await startRedis();
  await makeCorpus(media, 18);
  copyFileSync(join(media, 'img-001.png'), join(media, 'copy-of-001.png')); // same bytes, second path
});

after(async () => {
  await redis?.stop();
});

interface Report {
  found: number;
  added: number;
  skipped: number;
  failed: { path: string; code: string; message: string }[];
}

test(
  '2 workers build the store a single-process index builds; a second run adds nothing',
  { skip, timeout: 180_000 },
  async () => {
    const url = redis.url('equivalence');
    const queued = join(work, 'queued.db');
    const local = join(work, 'local.db');
    const coordinator = spawnCli([
      'index',
      '--queue',
      url,
      '--db',
      queued,
      '--json',
      '--inline-max-bytes',
      '1000',
      media,
    ]);
    const workers = [1, 2].map(() =>
      spawnCli(['worker', '--queue', url, '--exit-when-idle', '--concurrency', '4', '--threads', '1']),
    );
    const [code, ...workerCodes] = await exits([coordinator, ...workers], 90_000);
    assert.equal(code, 0, coordinator.stderr());
    assert.deepEqual(workerCodes, [0, 0], workers.map((w) => w.stderr()).join('\n'));
    const report = JSON.parse(coordinator.stdout()) as Report;
    assert.deepEqual(
      { ...report, failed: report.failed.length },
      { found: 19, added: 19, skipped: 0, pruned: 0, failed: 0, unreachable: [] },
    );
    assert.match(coordinator.stderr(), /18 jobs for 19 files enqueued/, 'two paths with the same bytes are one job');
    // Every job embedded once across the workers (how they split them depends on timing).
    const embedded = workers.map((w) => Number(/worker: (\d+) embedded, 0 failed/.exec(w.stderr())?.[1] ?? NaN));
    assert.equal(embedded[0] + embedded[1], 18, workers.map((w) => w.stderr()).join('\n'));
    console.log(`# jobs per worker: ${embedded.join(' + ')}`);

    const single = await runCli(['index', '--db', local, '--json', media]);
    assert.equal(single.code, 0, single.stderr);
    const a = storeRows(queued);
    const b = storeRows(local);
    assert.deepEqual(
      a.map((r) => [r.path, r.modality, r.hash]),
      b.map((r) => [r.path, r.modality, r.hash]),
    );
    const worst = Math.max(...a.map((r, i) => maxAbsDiff(r.vector, b[i].vector)));
    console.log(`# 2 workers vs single-process index: ${a.length} items, max |Δ| ${worst.toExponential(2)}`);
    assert.ok(worst <= 1e-5, `max abs diff ${worst}`);

    // The same corpus again: nothing to enqueue, nothing added, no duplicate rows (no worker needed).
    const again = await runCli(['index', '--queue', url, '--db', queued, '--json', media]);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as Report;
    assert.equal(second.added, 0);
    assert.equal(second.skipped, 19);
    assert.equal(storeRows(queued).length, 19);
  },
);

test(
  'a poison file fails its attempts into the dead-letter hash with its reason; the rest is indexed',
  { skip, timeout: 120_000 },
  async () => {
    const url = redis.url('poison');
    const dir = join(work, 'poison');
    await makeCorpus(dir, 6, 7);
    writeFileSync(
      join(dir, 'broken.png'),
      Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]), Buffer.alloc(300, 7)]),
    );
    const db = join(work, 'poison.db');
    const coordinator = spawnCli(['index', '--queue', url, '--db', db, '--json', '--attempts', '2', dir]);
    const worker = spawnCli(['worker', '--queue', url, '--exit-when-idle', '--concurrency', '2']);
    const [code, wcode] = await exits([coordinator, worker], 90_000);
    assert.equal(code, 2, 'a failed file makes the exit status 2, as for a local index');
    assert.equal(wcode, 0, worker.stderr());
    const report = JSON.parse(coordinator.stdout()) as Report;
    assert.equal(report.added, 6);
    assert.equal(report.failed.length, 1);
    assert.equal(report.failed[0].path, join(dir, 'broken.png'));
    assert.match(report.failed[0].code, /^[A-Z_]+$/);
    assert.notEqual(report.failed[0].code, 'WORKER_FAILED', "the decoder's own error code travels back");
    assert.match(report.failed[0].message, /broken\.png/);
    // Two attempts, each logged by the worker that made it.
    assert.equal((worker.stderr().match(/broken\.png\) attempt \d failed/g) ?? []).length, 2);
    const dead = await redis.client().hgetall('imagebind:poison:dead');
    const entries = Object.values(dead).map(
      (s) => JSON.parse(s) as { paths: string[]; code: string; attempts: number },
    );
    assert.equal(entries.length, 1);
    assert.deepEqual(entries[0].paths, [join(dir, 'broken.png')]);
    assert.equal(entries[0].code, report.failed[0].code);
    assert.equal(entries[0].attempts, 2);
    assert.equal(storeRows(db).length, 6);
  },
);

test(
  'a worker with another model is refused; bad queue URLs fail before any work',
  { skip, timeout: 120_000 },
  async () => {
    const url = redis.url('space');
    const other = join(work, 'other-model');
    const conv = await runCli([
      'convert',
      '--random-init',
      '--config',
      'src/model/configs/mini.json',
      '--modalities',
      'vision',
      '--out',
      other,
    ]);
    assert.equal(conv.code, 0, conv.stderr);
    const dir = join(work, 'space');
    await makeCorpus(dir, 3, 9);
    const coordinator = spawnCli(['index', '--queue', url, '--db', join(work, 'space.db'), '--json', dir]);
    await until('the coordinator to enqueue', () => /enqueued/.test(coordinator.stderr()));
    const refused = await runCli(['worker', '--queue', url, '--model', other, '--exit-when-idle']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /error \[MODEL_SPACE_MISMATCH\]: .*same --model as the `index --queue` coordinator/);
    // The right model then does the work.
    const worker = await runCli(['worker', '--queue', url, '--exit-when-idle']);
    assert.equal(worker.code, 0, worker.stderr);
    assert.equal(await coordinator.exited, 0, coordinator.stderr());
    assert.equal((JSON.parse(coordinator.stdout()) as Report).added, 3);

    const bad = await runCli(['index', '--queue', 'http://127.0.0.1:1/x', '--db', join(work, 'never.db'), dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error \[BAD_QUEUE_URL\]: --queue: .* must start with redis:\/\//);
    const noName = await runCli(['worker', '--queue', `redis://127.0.0.1:${redis.port}`]);
    assert.match(noName.stderr, /error \[BAD_QUEUE_URL\]: .*needs a queue name/);
    const segments = await runCli(['index', '--queue', url, '--segments', '5', '--db', join(work, 'never.db'), dir]);
    assert.match(segments.stderr, /error \[BAD_ARGUMENT\]: --segments cannot be combined with --queue/);
  },
);
