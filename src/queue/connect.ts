/**
 * Connections to the queue's Redis. The first contact has a deadline (a wrong host or port fails
 * with QUEUE_UNREACHABLE instead of waiting forever); after that, commands wait out a Redis restart
 * (redisOptions: no per-command retry limit), which is how a run survives one.
 */
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { QueueError } from '../core/errors.ts';
import { KEY_PREFIX, type QueueAddress, redisOptions } from './address.ts';

/** How long the first contact with Redis may take. */
export const CONNECT_TIMEOUT_MS = 10_000;

export interface QueueConnection {
  readonly redis: Redis;
  readonly queue: Queue;
  close(): Promise<void>;
}

export async function connectQueue(a: QueueAddress): Promise<QueueConnection> {
  const redis = new Redis({ ...redisOptions(a), lazyConnect: true });
  redis.on('error', () => undefined); // reconnection is automatic; a lasting outage shows as a wait
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new QueueError(
                'QUEUE_UNREACHABLE',
                `${a.display}: no answer from Redis at ${a.host}:${a.port} within ${CONNECT_TIMEOUT_MS / 1000} s ` +
                  `(connect timeout). Start redis-server there (e.g. \`redis-server --port ${a.port} --appendonly yes\`) or fix --queue.`,
              ),
            ),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (e) {
    redis.disconnect();
    if (e instanceof QueueError) throw e;
    throw new QueueError(
      'QUEUE_UNREACHABLE',
      `${a.display}: ${(e as Error).message}. Check that redis-server runs there.`,
      {
        cause: e,
      },
    );
  } finally {
    clearTimeout(timer);
  }
  const queue = new Queue(a.name, { connection: redisOptions(a), prefix: KEY_PREFIX });
  queue.on('error', () => undefined);
  return {
    redis,
    queue,
    async close() {
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}

/** The Redis key of a BullMQ job's hash (to test existence in bulk). */
export function jobKey(a: QueueAddress, id: string): string {
  return `${KEY_PREFIX}:${a.name}:${id}`;
}
