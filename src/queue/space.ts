/**
 * One queue, one embedding space. The coordinator records its model's space under `…:space`; a
 * worker compares its own model with it before taking jobs (and each job names the space again),
 * so vectors of two models never meet in one store.
 */
import type { Redis } from 'ioredis';
import { QueueError } from '../core/errors.ts';
import type { SpaceRecord } from './protocol.ts';

export function sameSpace(a: SpaceRecord, b: SpaceRecord): boolean {
  return a.identity === b.identity && a.dim === b.dim;
}

export async function readSpace(redis: Redis, key: string): Promise<SpaceRecord | null> {
  const s = await redis.get(key);
  if (!s) return null;
  try {
    return JSON.parse(s) as SpaceRecord;
  } catch {
    return null;
  }
}

/**
 * The coordinator's claim: sets the space, unless the queue still holds work of another model
 * (`busy`), which it refuses rather than mixing.
 */
export async function claimSpace(
  redis: Redis,
  key: string,
  mine: SpaceRecord,
  busy: () => Promise<boolean>,
  where: string,
): Promise<void> {
  const theirs = await readSpace(redis, key);
  if (theirs && !sameSpace(theirs, mine) && (await busy()))
    throw new QueueError(
      'MODEL_SPACE_MISMATCH',
      `${where} holds jobs for model "${theirs.modelName}" (${theirs.identity.slice(0, 12)}…), not this store's ` +
        `"${mine.modelName}" (${mine.identity.slice(0, 12)}…). Use another queue name, or let that run finish.`,
    );
  await redis.set(key, JSON.stringify(mine));
}

export function refuseOtherSpace(queue: SpaceRecord, worker: SpaceRecord, where: string): void {
  if (sameSpace(queue, worker)) return;
  throw new QueueError(
    'MODEL_SPACE_MISMATCH',
    `${where} embeds with model "${queue.modelName}" (${queue.identity.slice(0, 12)}…, ${queue.dim}-d), but this ` +
      `worker loaded "${worker.modelName}" (${worker.identity.slice(0, 12)}…, ${worker.dim}-d): its vectors would not ` +
      'mix with the store. Start the worker with the same --model as the `index --queue` coordinator.',
  );
}
