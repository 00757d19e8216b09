/**
 * One embedding per time window of a long audio or video file, decoded as a stream
 * (preprocess/stream), so a one-hour recording needs no more memory than a one-minute one.
 *
 * - Audio windows go through the official audio transform as if each window were its own file
 *   (3 clips of 2 s spread over the window, fbank, normalisation; the model averages the clips).
 * - Video windows are two frames spread over the window (short side 224, centre crop), one clip
 *   for the vision encoder: far cheaper than the official 5 clips × 3 crops per file, and enough
 *   to tell what is on screen. A video's sound, when it has a track, is segmented too.
 * Decoding goes through ffmpeg (mono from the first channel, resampled to 16 kHz by ffmpeg).
 */
import { ConfigError } from '../../core/errors.ts';
import { type Float32Tensor, float32, stack } from '../../core/tensor.ts';
import type { Modality } from '../../model/config.ts';
import { preprocessWaveform } from '../../preprocess/audio/index.ts';
import { probeStreams } from '../../preprocess/stream/probe-streams.ts';
import {
  type AudioWindow,
  type VideoWindow,
  audioWindows,
  checkSegmentSeconds,
  videoWindows,
} from '../../preprocess/stream/windows.ts';
import { toNormalizedTensor } from '../../preprocess/vision/index.ts';

export const TIMED_KINDS = ['audio', 'video'] as const;
export type TimedKind = (typeof TIMED_KINDS)[number];

/** A kind with a time axis, or a ConfigError saying segments need one. */
export function checkTimedKind(kind: string, path = ''): TimedKind {
  if (!(TIMED_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(
      'SEGMENTS_NOT_TIMED',
      `${path ? `${path}: ` : ''}segments are cut along time, which ${kind} inputs do not have; only audio and video files can be segmented.`,
    );
  }
  return kind as TimedKind;
}

export interface SegmentVector {
  readonly start: number;
  readonly end: number;
  readonly modality: TimedKind;
  /** The model's raw output for the window. */
  readonly vector: Float32Array;
}

export interface FileSegments {
  readonly segments: SegmentVector[];
  /** End of the last window, in seconds. */
  readonly duration: number;
  readonly hasAudio: boolean;
  readonly hasVideo: boolean;
}

/** What segmenting needs from a model (an `ImageBind` satisfies it). */
export interface SegmentEmbedder {
  embedTensor(modality: Modality, input: Float32Tensor): Promise<Float32Tensor>;
  readonly batchSize: number;
}

export interface SegmentOptions {
  readonly seconds: number;
  readonly ffmpegPath?: string;
  readonly ffprobePath?: string;
  /** Called after each batch with the end time (s) reached so far. */
  readonly onProgress?: (seconds: number) => void;
}

function audioTensor(w: AudioWindow, path: string): Float32Tensor {
  return preprocessWaveform([w.samples], w.sampleRate, {}, `${path} [${w.start.toFixed(1)}–${w.end.toFixed(1)} s]`);
}

/** Two RGB frames → [1, 3, 2, size, size]: one clip of one item, normalised like the vision transform. */
function videoTensor(w: VideoWindow): Float32Tensor {
  const plane = w.size * w.size,
    t = w.frames.length;
  const out = new Float32Array(3 * t * plane);
  w.frames.forEach((f, k) => {
    const norm = toNormalizedTensor(f, w.size, w.size, 3).data;
    for (let c = 0; c < 3; c++) out.set(norm.subarray(c * plane, (c + 1) * plane), (c * t + k) * plane);
  });
  return float32([1, 3, t, w.size, w.size], out);
}

async function embedWindows<W extends { start: number; end: number }>(
  windows: AsyncGenerator<W>,
  modality: TimedKind,
  toTensor: (w: W) => Float32Tensor,
  model: SegmentEmbedder,
  opts: SegmentOptions,
): Promise<SegmentVector[]> {
  const out: SegmentVector[] = [];
  let batch: W[] = [];
  const run = async (): Promise<void> => {
    if (batch.length === 0) return;
    const emb = await model.embedTensor(modality === 'audio' ? 'audio' : 'vision', stack(batch.map(toTensor)));
    const dim = emb.shape[1];
    batch.forEach((w, i) =>
      out.push({ start: w.start, end: w.end, modality, vector: emb.data.slice(i * dim, (i + 1) * dim) }),
    );
    opts.onProgress?.(batch[batch.length - 1].end);
    batch = [];
  };
  for await (const w of windows) {
    batch.push(w);
    if (batch.length >= Math.max(1, model.batchSize)) await run();
  }
  await run();
  return out;
}

/** Every window of `path` embedded: its sound for audio files; its pictures (and sound, if any) for video. */
export async function embedFileSegments(
  model: SegmentEmbedder,
  path: string,
  kind: string,
  opts: SegmentOptions,
): Promise<FileSegments> {
  const timed = checkTimedKind(kind, path);
  const seconds = checkSegmentSeconds(opts.seconds);
  const streams = await probeStreams(path, opts);
  const common = { ...opts, seconds, streams };
  const segments: SegmentVector[] = [];
  if (timed === 'video')
    segments.push(...(await embedWindows(videoWindows(path, common), 'video', (w) => videoTensor(w), model, opts)));
  if (timed === 'audio' || streams.audio)
    segments.push(
      ...(await embedWindows(audioWindows(path, common), 'audio', (w) => audioTensor(w, path), model, opts)),
    );
  return {
    segments,
    duration: Math.max(0, ...segments.map((s) => s.end)),
    hasAudio: streams.audio !== null,
    hasVideo: streams.video !== null,
  };
}

/** A file's own vector from its windows: the normalised mean of its unit window vectors of `modality`. */
export function meanOfSegments(segments: readonly SegmentVector[], modality: TimedKind): Float32Array | null {
  const own = segments.filter((s) => s.modality === modality);
  if (own.length === 0) return null;
  const sum = new Float64Array(own[0].vector.length);
  for (const s of own) {
    let n = 0;
    for (const v of s.vector) n += v * v;
    n = Math.sqrt(n) || 1;
    for (let i = 0; i < sum.length; i++) sum[i] += s.vector[i] / n;
  }
  let n = 0;
  for (const v of sum) n += v * v;
  n = Math.sqrt(n) || 1;
  return Float32Array.from(sum, (v) => v / n);
}
