/**
 * Issue 15 item 1's faults, each with real processes on a real redis-server (AOF):
 * - a worker killed with -9 mid-job: another worker takes the job over; nothing lost or duplicated;
 * - Redis killed and restarted mid-run: the run finishes with every file;
 * - the coordinator killed (-9) and started again: it resumes, skipping what it had committed;
 * - SIGTERM: the worker finishes the job in hand (it completes, not left to stall), then exits 0.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { makeCorpus, spawnCli, storeRows, until } from '../helpers/queue.ts';
import { type TestRedis, haveRedis, startRedis } from '../helpers/redis.ts';

const work = realpathSync(mkdtempSync(join(tmpdir(), 'imagebind-queue-faults-')));
let redis: TestRedis;
const skip =
  haveRedis() || process.env.CI === 'true'
    ? false
    : 'redis-server is not installed (Debian: apt-get install redis-server)';
const queues: Queue[] = [];

before(async () => {
  if (!skip) redis = await startRedis();
});

after(async () => {
  for (const q of queues) await q.close().catch(() => undefined);
  await redis?.stop();
});

/** A BullMQ view of the queue, to watch it from outside. */
function watch(name: string): Queue {
  const q = new Queue(name, {
    connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null },
    prefix: 'imagebind',
  });
  q.on('error', () => undefined);
  queues.push(q);
  return q;
}

/** Rows committed so far (0 before the coordinator creates the store). */
function committed(db: string): number {
  try {
    return storeRows(db).length;
  } catch {
    return 0;
  }
}

function assertComplete(db: string, dir: string, n: number): void {
  const rows = storeRows(db);
  assert.equal(rows.length, n, 'one row per file');
  assert.equal(new Set(rows.map((r) => r.path)).size, n, 'no duplicates');
  assert.ok(rows.every((r) => r.path.startsWith(dir)));
}

test(
  'a worker killed with -9 mid-job: another worker takes the job over; nothing lost or duplicated',
  { skip, timeout: 180_000 },
  async () => {
    const name = 'kill9';
    const dir = join(work, name);
    await makeCorpus(dir, 30, 11);
    const db = join(work, `${name}.db`);
    const q = watch(name);
    const coordinator = spawnCli(['index', '--queue', redis.url(name), '--db', db, '--json', dir]);
    const first = spawnCli(['worker', '--queue', redis.url(name), '--concurrency', '2', '--lock-seconds', '2']);
    let held: string[] = [];
    await until('the first worker to hold jobs after finishing some', async () => {
      if ((await q.getJobCountByTypes('completed')) + committed(db) < 3) return false;
      held = (await q.getActive()).map((j) => j.id!);
      return held.length > 0;
    });
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    const second = spawnCli(['worker', '--queue', redis.url(name), '--exit-when-idle', '--lock-seconds', '2']);
    assert.equal(await coordinator.exited, 0, coordinator.stderr());
    assert.equal(await second.exited, 0, second.stderr());
    const report = JSON.parse(coordinator.stdout()) as { added: number; failed: unknown[] };
    assert.equal(report.added, 30);
    assert.deepEqual(report.failed, []);
    assertComplete(db, dir, 30);
    console.log(`# killed the first worker holding ${held.length} job(s); the second finished them`);
  },
);

test('Redis killed and restarted mid-run: the run finishes with every file', { skip, timeout: 180_000 }, async () => {
  const name = 'redis-restart';
  const dir = join(work, name);
  await makeCorpus(dir, 30, 12);
  const db = join(work, `${name}.db`);
  const q = watch(name);
  const coordinator = spawnCli(['index', '--queue', redis.url(name), '--db', db, '--json', dir]);
  const worker = spawnCli(['worker', '--queue', redis.url(name), '--concurrency', '2', '--lock-seconds', '2']);
  await until('some jobs done', async () => (await q.getJobCountByTypes('completed')) + committed(db) >= 3);
  await redis.restart('SIGKILL', 1000);
  assert.equal(await coordinator.exited, 0, coordinator.stderr());
  worker.child.kill('SIGTERM');
  assert.equal(await worker.exited, 0, worker.stderr());
  assert.equal((JSON.parse(coordinator.stdout()) as { added: number }).added, 30);
  assertComplete(db, dir, 30);
});

test(
  'the coordinator killed and started again resumes; SIGTERM lets a worker finish its job',
  { skip, timeout: 180_000 },
  async () => {
    const name = 'resume';
    const dir = join(work, name);
    await makeCorpus(dir, 30, 13);
    const db = join(work, `${name}.db`);
    const q = watch(name);
    const worker = spawnCli(['worker', '--queue', redis.url(name), '--concurrency', '1', '--lock-seconds', '2']);
    const first = spawnCli(['index', '--queue', redis.url(name), '--db', db, '--json', dir]);
    await until('the first coordinator to commit some files', () => committed(db) >= 3);
    first.child.kill('SIGKILL');
    assert.equal(await first.exited, null);
    const before = storeRows(db).length;
    const second = spawnCli(['index', '--queue', redis.url(name), '--db', db, '--json', dir]);
    assert.equal(await second.exited, 0, second.stderr());
    const report = JSON.parse(second.stdout()) as { added: number; skipped: number };
    assert.equal(report.skipped, before, 'what the first committed is unchanged');
    assert.equal(report.added, 30 - before);
    assertComplete(db, dir, 30);

    // SIGTERM while the worker holds a job: that job completes, then the worker exits 0.
    const more = join(work, 'resume-more');
    await makeCorpus(more, 12, 14);
    const third = spawnCli(['index', '--queue', redis.url(name), '--db', db, '--json', more]);
    let inHand = '';
    await until('the worker to hold a job', async () => {
      inHand = (await q.getActive())[0]?.id ?? '';
      return inHand !== '';
    });
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.stderr());
    assert.match(worker.stderr(), /finishing the jobs in hand/);
    // Finished, not abandoned: completed, or already committed and removed by the coordinator.
    assert.ok(['completed', 'unknown'].includes(await q.getJobState(inHand)), `job ${inHand} was not finished`);
    assert.equal((await q.getActive()).length, 0, 'no job left held by the stopped worker');
    // The coordinator still waits for the rest; a new worker finishes them.
    const last = spawnCli(['worker', '--queue', redis.url(name), '--exit-when-idle']);
    assert.equal(await third.exited, 0, third.stderr());
    assert.equal(await last.exited, 0, last.stderr());
    assert.equal((JSON.parse(third.stdout()) as { added: number }).added, 12);
    assert.equal(storeRows(db).length, 42);
  },
);
