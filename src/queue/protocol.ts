/**
 * What travels through the queue. A job is one file to embed, keyed by its kind and content hash
 * (so the same bytes enqueued twice, by two paths or two runs, are one job); a result is its
 * vector. Small files travel inside the job (base64, up to `inlineMaxBytes`); larger ones are read
 * by path from a filesystem the workers share, and their hash is checked on arrival.
 */
import { ImageBindError, QueueError } from '../core/errors.ts';
import type { FileKind } from '../preprocess/loaders.ts';

/** Files up to this size travel inside the job (documented in `index --help`; `--inline-max-bytes`). */
export const DEFAULT_INLINE_MAX_BYTES = 256 * 1024;
/** The most a job may carry inline: Redis keeps every waiting job in memory. */
export const INLINE_MAX_BYTES_LIMIT = 16 * 1024 * 1024;
/** Tries per job before it goes to the dead-letter list (`--attempts`). */
export const DEFAULT_ATTEMPTS = 3;

export interface SpaceRecord {
  /** The model's identity (the hash that names its embedding space; ImageBind.identity). */
  readonly identity: string;
  readonly dim: number;
  readonly modelName: string;
}

export interface EmbedJob {
  readonly kind: FileKind;
  /** sha256 of the file's bytes, hex. */
  readonly hash: string;
  /** The file's real path (read from the shared filesystem when `inline` is absent). */
  readonly path: string;
  readonly size: number;
  /** The file's bytes, base64, when it is small enough. */
  readonly inline?: string;
  /** The embedding space the coordinator's store holds; a worker of another model refuses the job. */
  readonly identity: string;
}

export interface EmbedResult {
  /** Float32 little-endian, base64. */
  readonly vector: string;
  readonly worker: string;
}

/** BullMQ job ids may not contain ':' and may not be integers: `vision-<sha256>`. */
export function jobId(kind: string, hash: string): string {
  return `${kind}-${hash}`;
}

export function encodeVector(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function decodeVector(s: string, dim: number, where: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  if (b.byteLength !== dim * 4)
    throw new QueueError('QUEUE_BAD_RESULT', `${where}: the worker returned ${b.byteLength / 4} numbers, not ${dim}.`);
  const out = new Float32Array(dim);
  new Uint8Array(out.buffer).set(b);
  return out;
}

/** A job's failure reason as BullMQ stores it (a string): `CODE: message`, parsed back by failureOf. */
export function failureReason(e: unknown): string {
  if (e instanceof ImageBindError) return `${e.code}: ${e.message}`;
  return `WORKER_FAILED: ${e instanceof Error ? e.message : String(e)}`;
}

export function failureOf(reason: string | undefined): { code: string; message: string } {
  const m = /^([A-Z][A-Z0-9_]+): ([\s\S]*)$/.exec(reason ?? '');
  return m ? { code: m[1], message: m[2] } : { code: 'WORKER_FAILED', message: reason || 'no reason recorded' };
}
