/**
 * A resumable HTTP download into `<dest>.part`, renamed to `dest` once complete and verified.
 * An interrupted transfer keeps its bytes; the next call asks for the rest with `Range` (and
 * `If-Range`, so a file that changed on the server restarts instead of being spliced). The size is
 * checked against the server's and the caller's, the sha256 against the caller's when one is
 * known; a full disk is a DownloadError with code DISK_FULL, not a stack trace.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { DownloadError } from '../core/errors.ts';

export interface DownloadOptions {
  /** Refuse (and stop) past this many bytes: a budget against a wrong URL or a misbehaving server. */
  readonly maxBytes: number;
  /** What the option that raises maxBytes is called, for the error message. */
  readonly maxBytesHint?: string;
  readonly expectedBytes?: number;
  /** Lower-case hex; checked after the transfer (a mismatch deletes the file). */
  readonly expectedSha256?: string;
  /** Abort when no byte arrives for this long. */
  readonly idleTimeoutMs?: number;
  readonly onProgress?: (done: number, total: number | null) => void;
}

export interface DownloadResult {
  readonly path: string;
  readonly bytes: number;
  readonly sha256: string;
  /** Bytes that were already on disk from an earlier, interrupted run. */
  readonly resumedFrom: number;
}

interface PartMeta {
  url: string;
  validator: string | null;
}

/** What a server says about a file before any byte is fetched (HEAD): its size, when it tells. */
export async function probeSize(url: string, idleTimeoutMs = 60_000): Promise<number | null> {
  try {
    const res = await fetch(url, {
      method: 'HEAD',
      redirect: 'follow',
      headers: { 'accept-encoding': 'identity' },
      signal: AbortSignal.timeout(idleTimeoutMs),
    });
    const len = res.ok ? Number(res.headers.get('content-length')) : NaN;
    return Number.isFinite(len) && len > 0 ? len : null;
  } catch {
    return null; // the GET will report what is wrong
  }
}

function diskError(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new DownloadError(
      'DISK_FULL',
      `${path}: the disk is full (${code}). Free some space or download elsewhere; the bytes already written are kept and the next run resumes.`,
      { cause: e },
    );
  return e;
}

async function hashExisting(path: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

/** Parses `Content-Range: bytes 100-199/1000` into its start and total (null when `*`). */
function contentRange(h: string | null): { start: number; total: number | null } | null {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(h?.trim() ?? '');
  return m ? { start: Number(m[1]), total: m[2] === '*' ? null : Number(m[2]) } : null;
}

export async function download(url: string, dest: string, o: DownloadOptions): Promise<DownloadResult> {
  // A complete file from an earlier run (kept, or its conversion failed) of the expected size is not fetched again.
  if (o.expectedBytes !== undefined && existsSync(dest) && statSync(dest).size === o.expectedBytes) {
    const hash = createHash('sha256');
    await hashExisting(dest, hash);
    const sha256 = hash.digest('hex');
    if (!o.expectedSha256 || sha256 === o.expectedSha256.toLowerCase())
      return { path: dest, bytes: o.expectedBytes, sha256, resumedFrom: o.expectedBytes };
  }
  const part = `${dest}.part`;
  const metaPath = `${part}.json`;
  let meta: PartMeta | null = null;
  try {
    meta = JSON.parse(await readFile(metaPath, 'utf8')) as PartMeta;
  } catch {
    meta = null;
  }
  // A part from another URL, or without its record, cannot be trusted to continue.
  let offset = existsSync(part) && meta?.url === url ? statSync(part).size : 0;
  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (meta?.validator) headers['if-range'] = meta.validator;
  }
  const idle = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => idle.abort(), o.idleTimeoutMs ?? 60_000);
  };
  arm();
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'follow', headers, signal: idle.signal });
  } catch (e) {
    clearTimeout(timer);
    throw new DownloadError('DOWNLOAD_FAILED', `${url}: ${(e as Error).message}; check the URL and the network.`, {
      cause: e,
    });
  }
  let total: number | null;
  if (res.status === 206) {
    const range = contentRange(res.headers.get('content-range'));
    if (!range || range.start !== offset) {
      clearTimeout(timer);
      await res.body?.cancel();
      throw new DownloadError(
        'BAD_RANGE',
        `${url}: asked for bytes from ${offset}, the server sent ${res.headers.get('content-range')}; delete ${part} to start over.`,
      );
    }
    total = range.total;
  } else if (res.status === 416 && offset > 0) {
    // Nothing left to send: the part is complete (checked below) or the file shrank (then the size check fails).
    await res.body?.cancel();
    total = Number(contentRange(res.headers.get('content-range'))?.total ?? offset);
  } else if (res.ok) {
    offset = 0; // a full answer: the server ignored the range, or the file changed
    const len = Number(res.headers.get('content-length'));
    total = Number.isFinite(len) && len >= 0 && res.headers.has('content-length') ? len : null;
  } else {
    clearTimeout(timer);
    await res.body?.cancel();
    throw new DownloadError('HTTP_STATUS', `${url}: the server answered HTTP ${res.status} ${res.statusText}.`);
  }
  const hint = o.maxBytesHint ? ` (raise it with ${o.maxBytesHint})` : '';
  if (total !== null && total > o.maxBytes) {
    clearTimeout(timer);
    await res.body?.cancel();
    throw new DownloadError('TOO_LARGE', `${url}: ${total} bytes is over the download limit of ${o.maxBytes}${hint}.`);
  }
  if (o.expectedBytes !== undefined && total !== null && total !== o.expectedBytes) {
    clearTimeout(timer);
    await res.body?.cancel();
    throw new DownloadError(
      'SIZE_MISMATCH',
      `${url}: the server has ${total} bytes, ${o.expectedBytes} were expected; check the URL.`,
    );
  }
  const validator = res.headers.get('etag') ?? res.headers.get('last-modified');
  await writeFile(metaPath, JSON.stringify({ url, validator } satisfies PartMeta));

  const hash = createHash('sha256');
  let file: FileHandle;
  try {
    if (offset > 0) await hashExisting(part, hash);
    file = await open(part, offset > 0 ? 'a' : 'w');
  } catch (e) {
    clearTimeout(timer);
    await res.body?.cancel();
    throw diskError(e, part);
  }
  let done = offset;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  try {
    if (res.status !== 416 && res.body) {
      o.onProgress?.(done, total);
      reader = res.body.getReader();
      for (;;) {
        const { done: end, value: chunk } = await reader.read();
        if (end) break;
        arm();
        done += chunk.byteLength;
        if (done > o.maxBytes)
          throw new DownloadError('TOO_LARGE', `${url}: more than the download limit of ${o.maxBytes} bytes${hint}.`);
        hash.update(chunk);
        await file.write(chunk).catch((e: unknown) => {
          throw diskError(e, part);
        });
        o.onProgress?.(done, total);
      }
    }
    await file.sync().catch((e: unknown) => {
      throw diskError(e, part);
    });
  } catch (e) {
    if (e instanceof DownloadError) throw e;
    const why = idle.signal.aborted ? `no data for ${(o.idleTimeoutMs ?? 60_000) / 1000} s` : (e as Error).message;
    throw new DownloadError(
      'DOWNLOAD_INTERRUPTED',
      `${url}: the transfer stopped after ${done} of ${total ?? '?'} bytes (${why}); they are kept in ${part}: run the same command again to resume.`,
      { cause: e },
    );
  } finally {
    clearTimeout(timer);
    await reader?.cancel().catch(() => undefined); // a no-op after the last chunk; frees the socket otherwise
    await file.close();
  }
  if (total !== null && done !== total)
    throw new DownloadError(
      'DOWNLOAD_INTERRUPTED',
      `${url}: the transfer ended after ${done} of ${total} bytes; they are kept in ${part}: run the same command again to resume.`,
    );
  const sha256 = hash.digest('hex');
  if (o.expectedSha256 && sha256 !== o.expectedSha256.toLowerCase()) {
    await rm(part, { force: true });
    await rm(metaPath, { force: true });
    throw new DownloadError(
      'CHECKSUM_MISMATCH',
      `${url}: sha256 ${sha256}, expected ${o.expectedSha256}; the download was deleted. Check the URL (or the expected hash) and run again.`,
    );
  }
  await rename(part, dest);
  await rm(metaPath, { force: true });
  return { path: dest, bytes: done, sha256, resumedFrom: offset };
}
