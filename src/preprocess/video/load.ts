/**
 * `load_and_transform_video_data` (imagebind/data.py) for one file, and a batch helper that
 * reports failures per item instead of failing the batch.
 */
import { settleEach } from '../batch.ts';
import { withTempInput } from '../temp-input.ts';
import { ConfigError, ImageBindError, MediaError } from '../../core/errors.ts';
import { tensor, type Float32Tensor } from '../../core/tensor.ts';
import { planClips, type ClipPlan } from './clips.ts';
import { decodeFrames } from './decode.ts';
import { probeVideo, type VideoProbe } from './probe.ts';
import type { ToolPaths } from './process.ts';
import { assembleCrops, FrameTransformer, type ScaledFrame } from './transform.ts';
import { checkImageBudget, type ImageLimits } from '../image/budget.ts';

export interface VideoOptions extends ToolPaths {
  /** Seconds per clip (official `clip_duration=2`). */
  clipDurationSec?: number;
  /** Clips spread over the video (official `clips_per_video=5`). */
  clipsPerVideo?: number;
  /**
   * Frames kept per clip. The official code passes `clip_duration` here
   * (`UniformTemporalSubsample(num_samples=clip_duration)`), so that is the default.
   */
  framesPerClip?: number;
  /** Short side after scaling and crop size (224). */
  size?: number;
  /** Spatial crops per clip (official 3: left/centre/right or top/centre/bottom). */
  numCrops?: 1 | 3;
  /**
   * Limit for each ffprobe / ffmpeg run, in ms. Default: 120 s for probing; for decoding 120 s
   * plus one second per second of video, as ffmpeg decodes the stream up to the last clip.
   */
  timeoutMs?: number;
  /** Budgets for one decoded frame (core/limits.ts maxImagePixels, maxImageBytes), as for images. */
  limits?: ImageLimits;
}

type Resolved = Required<Omit<VideoOptions, keyof ToolPaths | 'timeoutMs' | 'limits'>> &
  ToolPaths & { timeoutMs?: number; limits?: ImageLimits };

export const VIDEO_DEFAULTS = {
  clipDurationSec: 2,
  clipsPerVideo: 5,
  size: 224,
  numCrops: 3,
  timeoutMs: 120_000,
} as const;

function resolve(opts: VideoOptions): Resolved {
  const r: Resolved = {
    ...opts,
    clipDurationSec: opts.clipDurationSec ?? VIDEO_DEFAULTS.clipDurationSec,
    clipsPerVideo: opts.clipsPerVideo ?? VIDEO_DEFAULTS.clipsPerVideo,
    framesPerClip: opts.framesPerClip ?? opts.clipDurationSec ?? VIDEO_DEFAULTS.clipDurationSec,
    size: opts.size ?? VIDEO_DEFAULTS.size,
    numCrops: opts.numCrops ?? VIDEO_DEFAULTS.numCrops,
  };
  const bad = (what: string): never => {
    throw new ConfigError('BAD_OPTION', `video options: ${what}.`);
  };
  if (!(r.clipDurationSec > 0 && Number.isFinite(r.clipDurationSec)))
    bad(`clipDurationSec must be a positive number (got ${r.clipDurationSec})`);
  if (!(Number.isInteger(r.clipsPerVideo) && r.clipsPerVideo > 0))
    bad(`clipsPerVideo must be a positive integer (got ${r.clipsPerVideo})`);
  if (!(Number.isInteger(r.framesPerClip) && r.framesPerClip > 0))
    bad(
      `framesPerClip must be a positive integer (got ${r.framesPerClip}); set it explicitly when clipDurationSec is not a whole number`,
    );
  if (!(Number.isInteger(r.size) && r.size > 0)) bad(`size must be a positive integer (got ${r.size})`);
  if (r.numCrops !== 1 && r.numCrops !== 3) bad(`numCrops must be 1 or 3 (got ${String(r.numCrops)})`);
  if (r.timeoutMs !== undefined && !(r.timeoutMs > 0)) bad(`timeoutMs must be positive (got ${r.timeoutMs})`);
  return r;
}

export interface VideoInfo {
  probe: VideoProbe;
  /** Clip times and the absolute frame indices used for each clip. */
  clips: ClipPlan[];
}

/** Like `loadVideoFile`, plus what was probed and which frames were used. */
export async function loadVideo(
  path: string,
  opts: VideoOptions = {},
): Promise<{ tensor: Float32Tensor; info: VideoInfo }> {
  const o = resolve(opts);
  const probe = await probeVideo(path, { ...o, timeoutMs: o.timeoutMs ?? VIDEO_DEFAULTS.timeoutMs });
  // Each selected frame is held whole as RGB before scaling: the image budgets apply to it.
  checkImageBudget(probe.width, probe.height, 3, 1, `${path} (a video frame)`, probe.codec, o.limits);
  const clips = planClips(probe.frameCount, probe.fps, o.clipDurationSec, o.clipsPerVideo, o.framesPerClip);
  const empty = clips.findIndex((c) => c.frames.length === 0);
  if (empty >= 0) {
    throw new MediaError(
      'VIDEO_TOO_SHORT',
      `${path}: clip ${empty} (${clips[empty].start.toFixed(3)}–${clips[empty].end.toFixed(3)} s) ` +
        `contains no frames (${probe.frameCount} frames at ${probe.fps.toFixed(3)} fps). Pass a longer video.`,
    );
  }
  const transformer = new FrameTransformer(probe.height, probe.width, o.size);
  const scaled = new Map<number, ScaledFrame>();
  await decodeFrames(
    path,
    probe,
    clips.flatMap((c) => c.frames),
    (i, rgb) => scaled.set(i, transformer.apply(rgb)),
    { ...o, timeoutMs: o.timeoutMs ?? VIDEO_DEFAULTS.timeoutMs + Math.ceil(probe.duration * 1000) },
  );
  const perClip = clips.map((c) => c.frames.map((i) => scaled.get(i) as ScaledFrame));
  const out = assembleCrops(perClip, o.size, o.numCrops);
  return { tensor: tensor('float32', out.shape, out.data), info: { probe, clips } };
}

/**
 * One video → Float32 tensor `[clipsPerVideo · numCrops, 3, framesPerClip, size, size]`
 * (official defaults: `[15, 3, 2, 224, 224]`), ordered clip-major: clip 0 crops 0,1,2, clip 1 ...
 */
export async function loadVideoFile(path: string, opts: VideoOptions = {}): Promise<Float32Tensor> {
  return (await loadVideo(path, opts)).tensor;
}

/** The same from the file's bytes (through a temp file: ffprobe and ffmpeg read files); `name` stands for it in messages. */
export async function loadVideoBytes(bytes: Uint8Array, name: string, opts: VideoOptions = {}): Promise<Float32Tensor> {
  return withTempInput(bytes, name, (path) => loadVideoFile(path, opts));
}

export type VideoBatchItem =
  { ok: true; path: string; tensor: Float32Tensor } | { ok: false; path: string; error: ImageBindError };

/**
 * Loads several videos, `concurrency` at a time (default 1: ffmpeg already uses several threads),
 * returning one result per path in input order. Option errors still throw: they are not per item.
 */
export async function loadVideoFiles(
  paths: readonly string[],
  opts: VideoOptions & { concurrency?: number } = {},
): Promise<VideoBatchItem[]> {
  resolve(opts);
  const settled = await settleEach(
    paths,
    (p) => loadVideoFile(p, opts),
    (path, e) => new MediaError('VIDEO_DECODE_FAILED', `${path}: ${(e as Error).message ?? String(e)}`, { cause: e }),
    opts.concurrency ?? 1,
  );
  return settled.map((r) => (r.ok ? { ok: true, path: r.path, tensor: r.value } : r));
}
