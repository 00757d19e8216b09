/**
 * `--queue redis://[user:password@]host:port/NAME`: which Redis, and which queue on it. NAME is the
 * queue's name (not a Redis database number), so one Redis can carry several independent indexing
 * runs; `?db=N` picks a database. Every key lives under `imagebind:NAME:` (BullMQ's own keys, and
 * ours: space, open, dead, see keys()).
 */
import type { RedisOptions } from 'ioredis';
import { QueueError } from '../core/errors.ts';

export interface QueueAddress {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly db: number;
  readonly username?: string;
  readonly password?: string;
  /** The URL without its password, for messages. */
  readonly display: string;
}

export const KEY_PREFIX = 'imagebind';

export function parseQueueUrl(s: string, flag = '--queue'): QueueAddress {
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new QueueError('BAD_QUEUE_URL', `${flag}: "${s}" is not a URL; write redis://host:port/NAME.`);
  }
  if (u.protocol !== 'redis:')
    throw new QueueError('BAD_QUEUE_URL', `${flag}: "${s}" must start with redis:// (write redis://host:port/NAME).`);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    throw new QueueError(
      'BAD_QUEUE_URL',
      `${flag}: "${s}" needs a queue name after the port (letters, digits, _ . -; up to 100), e.g. redis://127.0.0.1:6379/photos.`,
    );
  const db = Number(u.searchParams.get('db') ?? 0);
  if (!Number.isInteger(db) || db < 0 || db > 15)
    throw new QueueError(
      'BAD_QUEUE_URL',
      `${flag}: ?db= must be a Redis database number 0-15, got "${u.searchParams.get('db')}".`,
    );
  const port = u.port ? Number(u.port) : 6379;
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  return {
    host,
    port,
    name,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    display: `redis://${u.host}/${name}${db ? `?db=${db}` : ''}`,
  };
}

/**
 * ioredis options for BullMQ. `maxRetriesPerRequest: null` lets commands wait out a Redis restart
 * (BullMQ requires it for workers); reconnection retries every ≤ 1 s for as long as it takes.
 */
export function redisOptions(a: QueueAddress): RedisOptions {
  return {
    host: a.host,
    port: a.port,
    db: a.db,
    username: a.username,
    password: a.password,
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
}

/** Our keys beside BullMQ's, under the same prefix and name. */
export function keys(a: QueueAddress): { space: string; open: string; dead: string } {
  const base = `${KEY_PREFIX}:${a.name}`;
  return { space: `${base}:space`, open: `${base}:open`, dead: `${base}:dead` };
}
