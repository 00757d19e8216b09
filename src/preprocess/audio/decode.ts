/**
 * Audio file → channels x samples. WAV is decoded in-process (wav.ts, torchaudio's scaling);
 * everything else (MP3, FLAC, OGG/Opus, M4A/AAC, the audio track of a video, WAV encodings
 * wav.ts does not handle) goes through the system `ffmpeg`, keeping the native rate and
 * channel count, as 32-bit float. Compressed formats will not match torchaudio bit for bit
 * (decoders differ in delay handling), which is why WAV never goes through ffmpeg.
 */
import { spawn } from 'node:child_process';
import { open, readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { ImageBindError, MediaError } from '../../core/errors.ts';
import { decodeWav, looksLikeWav, type DecodedAudio } from './wav.ts';

export interface DecodeOptions {
  /** Kill ffmpeg/ffprobe after this long (default 120 s). */
  timeoutMs?: number;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** Refuse decoded audio larger than this many bytes of float32 (default 1 GiB, ~93 min of 48 kHz stereo). */
  maxDecodedBytes?: number;
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

function run(cmd: string, args: string[], timeoutMs: number, path: string, maxBytes = Infinity): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let timedOut = false;
    let tooBig = false;
    let size = 0;
    // Own timer rather than spawn's `timeout`: that one is not cleared when the spawn itself
    // fails (ENOENT), which would keep the event loop alive for the whole timeout.
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => {
      size += b.length;
      if (size > maxBytes) {
        tooBig = true;
        child.kill('SIGKILL');
      } else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ENOENT') {
        reject(
          new MediaError(
            'FFMPEG_NOT_FOUND',
            `${path}: decoding this format needs '${cmd}', which is not installed or not on PATH. Install ffmpeg (apt-get install ffmpeg), or convert the file to WAV.`,
            { cause: e },
          ),
        );
      } else
        reject(new MediaError('AUDIO_DECODE_FAILED', `${path}: could not run '${cmd}': ${e.message}.`, { cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (tooBig) {
        reject(
          new MediaError(
            'AUDIO_TOO_LONG',
            `${path}: the decoded audio exceeds ${maxBytes} bytes. Trim the file, or raise maxDecodedBytes.`,
          ),
        );
      } else if (timedOut) {
        reject(
          new MediaError(
            'AUDIO_DECODE_TIMEOUT',
            `${path}: '${cmd}' did not finish within ${timeoutMs / 1000} s and was stopped. Check the file, or raise timeoutMs.`,
          ),
        );
      } else resolvePromise({ code, signal, stdout: Buffer.concat(out), stderr });
    });
  });
}

function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.length ? lines[lines.length - 1] : 'no message';
}

/** Decodes any format ffmpeg can read, at its native rate and channel count. */
export async function decodeWithFfmpeg(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const timeout = opts.timeoutMs ?? 120_000;
  // The file: protocol keeps names like 'http://x' or 'concat:a|b' from being read as URLs.
  const input = `file:${resolvePath(path)}`;
  const probe = await run(
    opts.ffprobePath ?? 'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'a:0',
      '-show_entries',
      'stream=sample_rate,channels',
      '-of',
      'json',
      '-i',
      input,
    ],
    timeout,
    path,
  );
  if (probe.code !== 0) {
    throw new MediaError(
      'AUDIO_UNSUPPORTED',
      `${path}: not a readable audio or video file (ffprobe: ${lastLine(probe.stderr)}). Use WAV, MP3, FLAC, OGG, M4A or a video with sound.`,
    );
  }
  let stream: { sample_rate?: string; channels?: number } | undefined;
  try {
    stream = (JSON.parse(probe.stdout.toString('utf8')) as { streams?: { sample_rate?: string; channels?: number }[] })
      .streams?.[0];
  } catch {
    stream = undefined;
  }
  if (!stream)
    throw new MediaError('AUDIO_NO_STREAM', `${path}: the file has no audio stream. Use a file that contains sound.`);
  const rate = Number(stream.sample_rate);
  const channels = Number(stream.channels);
  if (!(Number.isInteger(rate) && rate > 0 && Number.isInteger(channels) && channels > 0)) {
    throw new MediaError(
      'AUDIO_UNSUPPORTED',
      `${path}: the audio stream reports rate ${stream.sample_rate} and ${stream.channels} channels. Re-encode it (e.g. ffmpeg -i in out.wav).`,
    );
  }
  // -ar/-ac pin the output to the probed values (a no-op normally; guards against decoders that
  // change layout mid-stream, which would otherwise misalign the interleaved samples).
  const dec = await run(
    opts.ffmpegPath ?? 'ffmpeg',
    [
      '-nostdin',
      '-v',
      'error',
      '-i',
      input,
      '-map',
      '0:a:0',
      '-f',
      'f32le',
      '-acodec',
      'pcm_f32le',
      '-ar',
      String(rate),
      '-ac',
      String(channels),
      '-',
    ],
    timeout,
    path,
    opts.maxDecodedBytes ?? 2 ** 30,
  );
  if (dec.code !== 0) {
    throw new MediaError(
      'AUDIO_DECODE_FAILED',
      `${path}: ffmpeg could not decode the audio (${lastLine(dec.stderr)}). Check the file or re-encode it.`,
    );
  }
  const frames = Math.floor(dec.stdout.length / (4 * channels));
  const aligned = new Float32Array(frames * channels);
  new Uint8Array(aligned.buffer).set(dec.stdout.subarray(0, aligned.byteLength));
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0, p = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[c][i] = aligned[p++];
  return { sampleRate: rate, channels: out };
}

/** Reads and decodes an audio file; every failure is a `MediaError` naming the file. */
export async function decodeAudioFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  // Sniff the header first so a large video is never read into memory just to hand it to ffmpeg.
  const head = new Uint8Array(12);
  let size = 0;
  try {
    const fh = await open(path, 'r');
    try {
      size = (await fh.stat()).size;
      await fh.read(head, 0, 12, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new MediaError('FILE_NOT_FOUND', `${path}: no such file. Check the path.`, { cause: e });
    if (code === 'EISDIR')
      throw new MediaError('FILE_UNREADABLE', `${path}: is a directory, not an audio file.`, { cause: e });
    throw new MediaError('FILE_UNREADABLE', `${path}: cannot read file (${(e as Error).message}).`, { cause: e });
  }
  if (size === 0)
    throw new MediaError(
      'AUDIO_FILE_EMPTY',
      `${path}: the file is empty (0 bytes). Check that it was written completely.`,
    );
  const riffType = String.fromCharCode(...head.subarray(8, 12));
  // Other RIFF types (AVI) go to ffmpeg; a RIFF file too short to have a type is a broken WAV.
  if (!looksLikeWav(head) || (size >= 12 && riffType !== 'WAVE')) return decodeWithFfmpeg(path, opts);
  const bytes = await readFile(path).catch((e: unknown) => {
    throw new MediaError('FILE_UNREADABLE', `${path}: cannot read file (${(e as Error).message}).`, { cause: e });
  });
  try {
    return decodeWav(bytes, path);
  } catch (e) {
    // A WAVE encoding wav.ts does not decode (µ-law, ADPCM, ...): ffmpeg can.
    if (e instanceof ImageBindError && e.code === 'AUDIO_WAV_UNSUPPORTED') return decodeWithFfmpeg(path, opts);
    throw e;
  }
}
