/**
 * Fixed-length time windows over a long audio or video file, decoded as a stream: one window's
 * samples (or frames) at a time, so memory stays flat however long the file is.
 *
 * Windows are [k·L, (k+1)·L) seconds; the last one ends with the file. A tail shorter than a
 * quarter window joins the window before it rather than standing alone (too little to embed);
 * a window length longer than the file gives one window covering all of it.
 */
import { ConfigError, MediaError } from '../../core/errors.ts';
import { limitError, limitValue } from '../../core/limits.ts';
import { ffmpegChunks } from './ffmpeg-stream.ts';
import { type MediaStreams, probeStreams } from './probe-streams.ts';
import type { ToolPaths } from '../video/process.ts';

export interface StreamOptions extends ToolPaths {
  /** Window length in seconds (> 0; an audio window at most the maxAudioSeconds limit). */
  readonly seconds: number;
  /** Override of the maxAudioSeconds limit (core/limits.ts), which bounds one audio window. */
  readonly maxAudioSeconds?: number;
  /** Default 60 s of decoder silence. */
  readonly idleTimeoutMs?: number;
  /** Streams already probed (saves a second ffprobe). */
  readonly streams?: MediaStreams;
}

export interface AudioWindow {
  readonly start: number;
  readonly end: number;
  /** Mono (the first channel, as the official fbank uses), at `sampleRate`. */
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

export interface VideoWindow {
  readonly start: number;
  readonly end: number;
  /** RGB frames (interleaved, `size × size`), evenly spaced in the window. */
  readonly frames: Uint8Array[];
  readonly size: number;
}

export const MIN_TAIL_FRACTION = 0.25;

/** A usable window length, or a ConfigError naming the bad value. */
export function checkSegmentSeconds(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new ConfigError(
      'SEGMENTS_BAD_LENGTH',
      `segment length must be a positive number of seconds, got ${String(seconds)}; pass e.g. --segments 10.`,
    );
  }
  return seconds;
}

/** The windows of a file of `duration` seconds (the same rule the streams apply). */
export function planWindows(duration: number, seconds: number): { start: number; end: number }[] {
  checkSegmentSeconds(seconds);
  if (!(duration > 0)) return [];
  const out: { start: number; end: number }[] = [];
  for (let k = 0; k * seconds < duration; k++)
    out.push({ start: k * seconds, end: Math.min(duration, (k + 1) * seconds) });
  const last = out[out.length - 1];
  if (out.length > 1 && last.end - last.start < MIN_TAIL_FRACTION * seconds) {
    out.pop();
    out[out.length - 1] = { start: out[out.length - 1].start, end: last.end };
  }
  return out;
}

/** Audio windows of `path`, decoded by ffmpeg to mono float at `sampleRate` (default 16 kHz). */
export async function* audioWindows(
  path: string,
  opts: StreamOptions & { sampleRate?: number },
): AsyncGenerator<AudioWindow> {
  const seconds = checkSegmentSeconds(opts.seconds);
  const rate = opts.sampleRate ?? 16000;
  const streams = opts.streams ?? (await probeStreams(path, opts));
  if (!streams.audio) {
    throw new MediaError(
      'AUDIO_NO_TRACK',
      `${path}: has no audio track, so it has no sound to cut into segments${streams.video ? ' (it is a silent video: its pictures can still be segmented)' : ''}.`,
    );
  }
  // One window is held in memory: its length is bounded like a decoded file's.
  const maxSeconds = limitValue('maxAudioSeconds', opts.maxAudioSeconds);
  if (seconds > maxSeconds)
    throw limitError(
      ConfigError,
      'maxAudioSeconds',
      `${path}: a segment`,
      seconds,
      maxSeconds,
      'Use shorter segments.',
    );
  const perWindow = Math.max(1, Math.round(seconds * rate));
  const minTail = Math.ceil(MIN_TAIL_FRACTION * perWindow);
  const args = [
    '-i',
    path,
    '-map',
    `0:${streams.audio.index}`,
    '-af',
    'pan=mono|c0=c0',
    '-ar',
    String(rate),
    '-f',
    'f32le',
    '-',
  ];
  // The window's samples so far, as the chunks they came in (a window longer than the file
  // costs only what the file holds).
  let parts: Float32Array[] = [];
  let filled = 0,
    index = 0;
  const take = (): Float32Array => {
    const out = new Float32Array(filled);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    parts = [];
    filled = 0;
    return out;
  };
  // A full window is held back until the next has enough samples, so a short tail can join it.
  let held: AudioWindow | null = null;
  const windowOf = (samples: Float32Array, k: number): AudioWindow => ({
    start: k * seconds,
    end: k * seconds + samples.length / rate,
    samples,
    sampleRate: rate,
  });
  for await (const chunk of ffmpegChunks(path, args, { ...opts, chunkBytes: 4 * rate })) {
    const usable = chunk.length - (chunk.length % 4);
    // A Float32Array view needs 4-byte alignment; a pooled Buffer may not have it.
    const data =
      chunk.byteOffset % 4 === 0
        ? new Float32Array(chunk.buffer, chunk.byteOffset, usable / 4)
        : new Float32Array(Uint8Array.prototype.slice.call(chunk, 0, usable).buffer);
    let at = 0;
    while (at < data.length) {
      const n = Math.min(perWindow - filled, data.length - at);
      parts.push(data.subarray(at, at + n));
      filled += n;
      at += n;
      if (held && filled >= minTail) {
        yield held;
        held = null;
      }
      if (filled === perWindow) held = windowOf(take(), index++);
    }
  }
  if (held && filled > 0 && filled < minTail) {
    // The short tail joins the held window.
    const tail = take();
    const joined = new Float32Array(held.samples.length + tail.length);
    joined.set(held.samples);
    joined.set(tail, held.samples.length);
    yield windowOf(joined, index - 1);
    return;
  }
  if (held) yield held;
  if (filled > 0) yield windowOf(take(), index);
  else if (index === 0) throw new MediaError('AUDIO_EMPTY', `${path}: the audio track holds no samples.`);
}

/**
 * Video windows of `path`: `framesPerWindow` frames per window (default 2, the model's clip),
 * evenly spaced from its start, scaled so the short side is `size` and centre-cropped square.
 */
export async function* videoWindows(
  path: string,
  opts: StreamOptions & { framesPerWindow?: number; size?: number },
): AsyncGenerator<VideoWindow> {
  const seconds = checkSegmentSeconds(opts.seconds);
  const per = opts.framesPerWindow ?? 2;
  const size = opts.size ?? 224;
  const streams = opts.streams ?? (await probeStreams(path, opts));
  if (!streams.video) {
    throw new MediaError(
      'VIDEO_NO_STREAM',
      `${path}: contains no video stream (pictures) to cut into segments${streams.audio ? '; index it as audio instead' : ''}.`,
    );
  }
  const fps = per / seconds;
  const scale = `scale='if(gt(iw,ih),-2,${size})':'if(gt(iw,ih),${size},-2)':flags=bilinear,crop=${size}:${size}`;
  // The first frame at or after each multiple of 1 / fps (the fps filter drops everything when its
  // rate is far below the video's length); passthrough keeps ffmpeg from duplicating frames.
  const select = `select='gte(t,selected_n/${fps})'`;
  const args = ['-i', path, '-map', `0:${streams.video.index}`, '-vf', `${select},${scale}`, '-vsync', 'passthrough'];
  args.push('-pix_fmt', 'rgb24', '-f', 'rawvideo', '-');
  // Frame j shows time j / fps. With a known duration the windows follow planWindows (a short
  // tail joins the window before it); without one, every window is `seconds` long.
  const plan = streams.duration !== null ? planWindows(streams.duration, seconds) : null;
  const windowAt = (t: number): number => {
    if (!plan) return Math.floor(t / seconds);
    const k = Math.min(plan.length - 1, Math.floor(t / seconds));
    return t < plan[k].start ? k - 1 : k;
  };
  let frames: Uint8Array[] = [];
  let current = 0;
  const flush = (): VideoWindow => {
    const start = plan ? plan[current].start : current * seconds;
    const end = plan ? plan[current].end : start + Math.max(1, frames.length) / fps;
    // Evenly spaced `per` frames; a window cut short repeats its last one (as PadIm2Video repeats).
    const picked = Array.from(
      { length: per },
      (_, i) => frames[Math.min(frames.length - 1, Math.floor((i * frames.length) / per))],
    );
    frames = [];
    return { start, end, frames: picked, size };
  };
  let j = 0;
  for await (const chunk of ffmpegChunks(path, args, { ...opts, chunkBytes: size * size * 3 })) {
    if (chunk.length < size * size * 3) break; // a truncated last frame
    const t = j++ / fps;
    if (plan && t >= plan[plan.length - 1].end) break;
    const w = windowAt(t);
    if (w !== current && frames.length > 0) {
      yield flush();
    }
    current = w;
    frames.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
  }
  if (frames.length > 0) yield flush();
  else if (j === 0) throw new MediaError('VIDEO_TOO_SHORT', `${path}: the video stream has no frames.`);
}
