/**
 * Runs a decoder command (sox, ffmpeg, ffprobe) with a time limit and a cap on its output: past
 * `maxBytes` it is killed and the result says so (`tooBig`, with the bytes it had sent), so the
 * caller can name the limit that was hit. A missing command is a MediaError with code
 * SOX_NOT_FOUND or FFMPEG_NOT_FOUND.
 */
import { spawn } from 'node:child_process';
import { basename } from 'node:path';
import { MediaError } from '../../core/errors.ts';

export interface ToolResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  /** True when the output passed maxBytes and the command was killed. */
  tooBig: boolean;
  /** Output bytes seen, including those past the cap. */
  bytesSeen: number;
}

export interface ToolOptions {
  timeoutMs: number;
  /** The input file, for messages. */
  path: string;
  maxBytes?: number;
  /** Sees stderr as it grows; throwing stops the command, and the thrown error becomes the result. */
  watchStderr?: (text: string) => void;
}

const MAX_STDERR = 64 * 1024;

export function runTool(cmd: string, args: string[], opts: ToolOptions): Promise<ToolResult> {
  const maxBytes = opts.maxBytes ?? Infinity;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let tooBig = false;
    let size = 0;
    let errSize = 0;
    // Own timer rather than spawn's `timeout`: that one is not cleared when the spawn itself
    // fails (ENOENT), which would keep the event loop alive for the whole timeout.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > maxBytes) {
        if (!tooBig) child.kill('SIGKILL');
        tooBig = true;
      } else out.push(b);
    });
    let stopped: unknown;
    child.stderr.on('data', (b: Buffer) => {
      if (errSize < MAX_STDERR) err.push(b);
      errSize += b.length;
      if (opts.watchStderr && stopped === undefined) {
        try {
          opts.watchStderr(Buffer.concat(err).toString('utf8'));
        } catch (e) {
          stopped = e;
          child.kill('SIGKILL');
        }
      }
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        const sox = /sox/i.test(basename(cmd));
        reject(
          new MediaError(
            sox ? 'SOX_NOT_FOUND' : 'FFMPEG_NOT_FOUND',
            sox
              ? `${opts.path}: decoding this format like the official loader needs '${cmd}' (libsox), which is not installed or not on PATH. Install it (apt-get install sox libsox-fmt-all).`
              : `${opts.path}: decoding this format needs '${cmd}', which is not installed or not on PATH. Install ffmpeg (apt-get install ffmpeg), or convert the file to WAV.`,
            { cause: e },
          ),
        );
      } else
        reject(
          new MediaError('AUDIO_DECODE_FAILED', `${opts.path}: could not run '${cmd}': ${e.message}.`, { cause: e }),
        );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (stopped !== undefined) reject(stopped);
      else if (timedOut && !tooBig) {
        reject(
          new MediaError(
            'AUDIO_DECODE_TIMEOUT',
            `${opts.path}: '${cmd}' did not finish within ${opts.timeoutMs / 1000} s and was stopped. Check the file, or raise timeoutMs.`,
          ),
        );
      } else resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr, tooBig, bytesSeen: size });
    });
  });
}
