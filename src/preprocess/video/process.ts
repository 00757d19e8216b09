/**
 * Runs ffmpeg/ffprobe as child processes with a hard wall-clock limit, so a stuck decoder (a
 * pipe, a network path, a pathological file) can never hang the caller.
 */
import { spawn } from 'node:child_process';
import { MediaError } from '../../core/errors.ts';

export interface ToolPaths {
  /** ffmpeg binary; default `$IMAGEBIND_FFMPEG` or `ffmpeg` on PATH. */
  ffmpegPath?: string;
  /** ffprobe binary; default `$IMAGEBIND_FFPROBE` or `ffprobe` on PATH. */
  ffprobePath?: string;
}

export function ffmpegBinary(p: ToolPaths): string {
  return p.ffmpegPath ?? process.env.IMAGEBIND_FFMPEG ?? 'ffmpeg';
}
export function ffprobeBinary(p: ToolPaths): string {
  return p.ffprobePath ?? process.env.IMAGEBIND_FFPROBE ?? 'ffprobe';
}

export interface RunResult {
  code: number | null;
  /** Collected stdout; empty when `onStdout` consumed it. */
  stdout: Buffer;
  /** The last 16 KiB of stderr: enough for ffmpeg's error lines, bounded for chatty decoders. */
  stderr: string;
}

export interface RunOptions {
  /** The media file, named in every error. */
  file: string;
  timeoutMs: number;
  /** Streams stdout instead of collecting it (raw frames can be large). May throw to abort. */
  onStdout?: (chunk: Buffer) => void;
}

const STDERR_KEEP = 16 * 1024;

export function runTool(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish(() =>
        reject(
          new MediaError(
            'VIDEO_TIMEOUT',
            `${opts.file}: ${cmd} did not finish within ${Math.round(opts.timeoutMs / 1000)} s and was stopped. ` +
              'The file may be very long, on a slow disk, or malformed; raise the `timeoutMs` option or re-encode it ' +
              '(ffmpeg -i in -c:v libx264 out.mp4).',
          ),
        ),
      );
    }, opts.timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish(() =>
        reject(
          e.code === 'ENOENT'
            ? new MediaError(
                'FFMPEG_NOT_FOUND',
                `${opts.file}: cannot run '${cmd}': it is not installed or not on PATH. Video decoding needs FFmpeg: ` +
                  'install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) ' +
                  'or point IMAGEBIND_FFMPEG / IMAGEBIND_FFPROBE (or the ffmpegPath / ffprobePath options) at the binaries.',
                { cause: e },
              )
            : new MediaError('VIDEO_DECODE_FAILED', `${opts.file}: cannot run '${cmd}' (${e.message}).`, { cause: e }),
        ),
      );
    });
    child.stdout.on('data', (chunk: Buffer) => {
      if (settled) return;
      if (!opts.onStdout) {
        out.push(chunk);
        return;
      }
      try {
        opts.onStdout(chunk);
      } catch (e) {
        child.kill('SIGKILL');
        finish(() => reject(e));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      err += s;
      if (err.length > 2 * STDERR_KEEP) err = err.slice(-STDERR_KEEP);
    });
    child.on('close', (code) => {
      finish(() => resolvePromise({ code, stdout: Buffer.concat(out), stderr: err.slice(-STDERR_KEEP) }));
    });
  });
}

/** The last few meaningful stderr lines, for error messages. */
export function stderrTail(stderr: string, lines = 3): string {
  const kept = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return kept.slice(-lines).join(' | ');
}
