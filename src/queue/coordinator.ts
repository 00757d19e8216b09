/**
 * `imagebind index --queue …`: the coordinator and the store's only writer. It finds the files
 * that need embedding (as a local `index` does: unchanged ones are skipped, vanished ones pruned),
 * enqueues one job per distinct content (kind + sha256), then collects the workers' results and
 * commits them to the store in transactions, a page at a time, and only then removes those jobs
 * from Redis. Killed at any point, a restarted coordinator finds the committed files unchanged,
 * re-adds the rest under the same job ids (BullMQ ignores an id it already holds) and collects the
 * results the workers produced meanwhile. Jobs that failed every attempt are recorded in the
 * dead-letter hash (`…:dead`, job id → JSON with paths, code, message, attempts) and reported.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Job } from 'bullmq';
import { type FoundFile, discoverMedia } from '../apps/discover.ts';
import { type IndexReport, pruneMissing } from '../apps/indexer.ts';
import type { KindOverrides } from '../apps/media-kind.ts';
import type { ItemInput, VectorStore } from '../store/index.ts';
import { type QueueAddress, keys } from './address.ts';
import { type QueueConnection, connectQueue, jobKey } from './connect.ts';
import {
  DEFAULT_ATTEMPTS,
  DEFAULT_INLINE_MAX_BYTES,
  type EmbedJob,
  type EmbedResult,
  type SpaceRecord,
  decodeVector,
  failureOf,
  jobId,
} from './protocol.ts';
import { claimSpace } from './space.ts';

export interface QueueIndexOptions {
  readonly overrides?: KindOverrides;
  readonly inlineMaxBytes?: number;
  readonly attempts?: number;
  /** Completed jobs read (and committed in one transaction) per page. */
  readonly page?: number;
  readonly onProgress?: (p: { done: number; total: number }) => void;
  readonly onStatus?: (message: string) => void;
}

interface Outstanding {
  /** The job without its inline bytes (those are read again if the job must be re-added). */
  readonly job: EmbedJob;
  readonly files: FoundFile[];
}

/** While a coordinator runs, `…:open` exists (refreshed; it expires this long after a crash). */
const OPEN_TTL_S = 15;
/** With no result for this long, check that every outstanding job still exists (Redis lost writes). */
const SWEEP_AFTER_MS = 5_000;
const POLL_MS = 100;

export async function indexViaQueue(
  address: QueueAddress,
  space: SpaceRecord,
  store: VectorStore,
  roots: readonly string[],
  opts: QueueIndexOptions = {},
): Promise<IndexReport> {
  const inlineMax = opts.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES;
  // Connected and marked open before the (possibly long) discovery, so idle workers stay.
  const conn = await connectQueue(address);
  const k = keys(address);
  const refresh = () => conn.redis.set(k.open, String(process.pid), 'EX', OPEN_TTL_S).catch(() => undefined);
  await refresh();
  const heartbeat = setInterval(refresh, (OPEN_TTL_S * 1000) / 3);
  try {
    const { files, unreachable, folders } = await discoverMedia(roots, opts.overrides);
    await claimSpace(conn.redis, k.space, space, () => hasWork(conn), address.display);
    const pruned = pruneMissing(store, folders);
    const failed: IndexReport['failed'] = [];
    const outstanding = new Map<string, Outstanding>();
    const attempts = opts.attempts ?? DEFAULT_ATTEMPTS;
    // Enqueued 500 at a time while hashing, so inline bytes are held for one chunk, not the corpus.
    let chunk: [string, EmbedJob][] = [];
    let skipped = 0;
    for (const f of files) {
      let bytes: Buffer;
      try {
        bytes = await readFile(f.real);
      } catch (e) {
        failed.push({ path: f.real, code: 'FILE_UNREADABLE', message: `${f.real}: ${(e as Error).message}` });
        continue;
      }
      const hash = createHash('sha256').update(bytes).digest('hex');
      if (!store.needsUpdate(f.real, f.kind, { size: f.size, mtime: f.mtime, hash: () => hash })) {
        store.touch(f.real, f.kind, f.mtime);
        skipped++;
        continue;
      }
      const id = jobId(f.kind, hash);
      const known = outstanding.get(id);
      if (known) known.files.push(f);
      else {
        const job: EmbedJob = { kind: f.kind, hash, path: f.real, size: bytes.byteLength, identity: space.identity };
        outstanding.set(id, { job, files: [f] });
        chunk.push([id, withInline(job, bytes, inlineMax)]);
        if (chunk.length >= 500) {
          await enqueue(conn, chunk, attempts);
          chunk = [];
        }
      }
    }
    await enqueue(conn, chunk, attempts);
    const total = [...outstanding.values()].reduce((a, o) => a + o.files.length, 0);
    opts.onStatus?.(`${address.display}: ${outstanding.size} jobs for ${total} files enqueued`);
    const added = await collect(conn, address, space, store, outstanding, failed, opts, total);
    return { found: files.length, added, skipped, pruned, failed, unreachable };
  } finally {
    clearInterval(heartbeat);
    await conn.redis.del(k.open).catch(() => undefined);
    await conn.close();
  }
}

async function hasWork(conn: QueueConnection): Promise<boolean> {
  const c = await conn.queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed');
  return Object.values(c).some((n) => n > 0);
}

function withInline(job: EmbedJob, bytes: Buffer, inlineMax: number): EmbedJob {
  return bytes.byteLength <= inlineMax ? { ...job, inline: bytes.toString('base64') } : job;
}

async function enqueue(conn: QueueConnection, jobs: [string, EmbedJob][], attempts: number): Promise<void> {
  for (let i = 0; i < jobs.length; i += 500) {
    await conn.queue.addBulk(
      jobs.slice(i, i + 500).map(([id, data]) => ({
        name: 'embed',
        data,
        opts: {
          jobId: id,
          attempts,
          backoff: { type: 'fixed', delay: 500 },
          // The coordinator removes what it committed; these only bound what a vanished one leaves.
          removeOnComplete: { age: 7 * 86_400 },
          removeOnFail: { age: 7 * 86_400 },
        },
      })),
    );
  }
}

/** Pages through finished jobs until every outstanding one is committed or dead-lettered. */
async function collect(
  conn: QueueConnection,
  address: QueueAddress,
  space: SpaceRecord,
  store: VectorStore,
  outstanding: Map<string, Outstanding>,
  failed: IndexReport['failed'],
  opts: QueueIndexOptions,
  total: number,
): Promise<number> {
  const page = opts.page ?? 256;
  let added = 0;
  let done = 0;
  let lastProgress = Date.now();
  while (outstanding.size > 0) {
    let progressed = false;
    for (const state of ['completed', 'failed'] as const) {
      for (let start = 0; outstanding.size > 0; start += page) {
        const jobs = (await conn.queue.getJobs([state], start, start + page - 1, true)).filter(Boolean) as Job[];
        const mine = jobs.filter((j) => j.id && outstanding.has(j.id));
        if (mine.length > 0) {
          const rows: ItemInput[] = [];
          for (const j of mine) {
            const o = outstanding.get(j.id!)!;
            if (state === 'completed') {
              const r = j.returnvalue as EmbedResult;
              const vector = decodeVector(r.vector, space.dim, `${address.display} job ${j.id}`);
              for (const f of o.files)
                rows.push({ path: f.real, modality: f.kind, vector, hash: o.job.hash, mtime: f.mtime, size: f.size });
            } else {
              const why = failureOf(j.failedReason);
              for (const f of o.files) failed.push({ path: f.real, ...why });
              const entry = { paths: o.files.map((f) => f.real), kind: o.job.kind, hash: o.job.hash, ...why };
              await conn.redis.hset(
                keys(address).dead,
                j.id!,
                JSON.stringify({ ...entry, attempts: j.attemptsMade, at: new Date().toISOString() }),
              );
            }
          }
          store.addItems(rows); // one transaction for the page
          added += rows.length;
          // Only now, with the page committed (or its failures recorded), do the jobs leave Redis.
          for (const j of mine) {
            await j.remove().catch(() => undefined);
            done += outstanding.get(j.id!)!.files.length;
            outstanding.delete(j.id!);
          }
          progressed = true;
          lastProgress = Date.now();
          opts.onProgress?.({ done, total });
          start -= mine.length; // the removed jobs no longer occupy the page's range
        }
        if (jobs.length < page) break;
      }
    }
    if (progressed) continue;
    if (Date.now() - lastProgress > SWEEP_AFTER_MS) {
      await readdMissing(
        conn,
        address,
        outstanding,
        opts.attempts ?? DEFAULT_ATTEMPTS,
        opts.inlineMaxBytes ?? DEFAULT_INLINE_MAX_BYTES,
      );
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return added;
}

/**
 * Jobs Redis no longer has (a restart that lost its last writes, a job removed by hand) are added
 * again; finished ones still present are collected by the next page.
 */
async function readdMissing(
  conn: QueueConnection,
  address: QueueAddress,
  outstanding: Map<string, Outstanding>,
  attempts: number,
  inlineMax: number,
): Promise<void> {
  const ids = [...outstanding.keys()];
  const missing: string[] = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const pipe = conn.redis.pipeline();
    for (const id of chunk) pipe.exists(jobKey(address, id));
    const res = (await pipe.exec()) ?? [];
    res.forEach(([, n], j) => {
      if (n === 0) missing.push(chunk[j]);
    });
  }
  const again: [string, EmbedJob][] = [];
  for (const id of missing) {
    const { job } = outstanding.get(id)!;
    const bytes = job.size <= inlineMax ? await readFile(job.path).catch(() => null) : null;
    again.push([id, bytes ? withInline(job, bytes, inlineMax) : job]);
  }
  await enqueue(conn, again, attempts);
}
