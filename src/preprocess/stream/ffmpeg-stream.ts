/**
 * ffmpeg's raw output as a stream of fixed-size chunks (a video frame, a block of samples), pulled
 * one at a time: the pipe's backpressure pauses ffmpeg while the consumer works, so memory stays
 * at one chunk whatever the file's length. A decoder that sends nothing for `idleTimeoutMs` while
 * a chunk is awaited is killed (time spent by the consumer does not count); stopping early kills it.
 */
import { spawn } from 'node:child_process';
import { MediaError } from '../../core/errors.ts';
import { ffmpegBinary, stderrTail, type ToolPaths } from '../video/process.ts';

export interface FfmpegStreamOptions extends ToolPaths {
  /** Bytes per yielded chunk; the last chunk may be shorter. */
  readonly chunkBytes: number;
  /** Default 60 s. */
  readonly idleTimeoutMs?: number;
}

const STDERR_KEEP = 16 * 1024;

export async function* ffmpegChunks(
  path: string,
  args: readonly string[],
  opts: FfmpegStreamOptions,
): AsyncGenerator<Buffer> {
  const cmd = ffmpegBinary(opts);
  const child = spawn(cmd, ['-nostdin', '-v', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-STDERR_KEEP);
  });
  let spawnError: NodeJS.ErrnoException | null = null;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const idleMs = opts.idleTimeoutMs ?? 60_000;
  let timedOut = false;
  const it = child.stdout[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let pending: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, idleMs);
      let r: IteratorResult<Buffer>;
      try {
        r = await it.next();
      } finally {
        clearTimeout(timer);
      }
      if (r.done) break;
      pending = pending.length ? Buffer.concat([pending, r.value]) : r.value;
      while (pending.length >= opts.chunkBytes) {
        const chunk = Buffer.from(pending.subarray(0, opts.chunkBytes));
        pending = pending.subarray(opts.chunkBytes);
        yield chunk;
      }
    }
    const code = await exited;
    if (spawnError) {
      const e = spawnError as NodeJS.ErrnoException;
      throw e.code === 'ENOENT'
        ? new MediaError(
            'FFMPEG_NOT_FOUND',
            `${path}: cannot run '${cmd}': it is not installed or not on PATH. Install FFmpeg (apt-get install ffmpeg) or set IMAGEBIND_FFMPEG.`,
            { cause: e },
          )
        : new MediaError('MEDIA_DECODE_FAILED', `${path}: cannot run '${cmd}' (${e.message}).`, { cause: e });
    }
    if (timedOut) {
      throw new MediaError(
        'MEDIA_TIMEOUT',
        `${path}: ffmpeg sent nothing for ${Math.round(idleMs / 1000)} s and was stopped; the file may be on a stalled disk or malformed.`,
      );
    }
    if (code !== 0) {
      throw new MediaError(
        'MEDIA_DECODE_FAILED',
        `${path}: ffmpeg could not decode it (${stderrTail(stderr) || `exit code ${code}`}). Re-encode it with ffmpeg.`,
      );
    }
    if (pending.length > 0) yield Buffer.from(pending);
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
