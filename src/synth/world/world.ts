/**
 * The synthetic six-modality world. Everything is a pure function of (seed, index): the class of
 * sample i, its scene, and each modality rendered with its own derived random stream, so one
 * modality can be rendered without paying for (or perturbing) the others.
 */
import { captionScene } from './caption.ts';
import { CLASS_NAMES, NUM_CLASSES } from './classes.ts';
import { deriveRng, shuffled } from './rand.ts';
import { AUDIO_SECONDS, renderAudio } from './render-audio.ts';
import { renderDepth } from './render-depth.ts';
import { renderImage, renderVideoFrames, type RawRgb } from './render-image.ts';
import { renderImu } from './render-imu.ts';
import { renderThermal } from './render-thermal.ts';
import { primaryOf, sampleScene, type Scene, type SceneOptions } from './scene.ts';

export const WORLD_MODALITIES = ['image', 'video', 'text', 'audio', 'depth', 'thermal', 'imu'] as const;
export type WorldModality = (typeof WORLD_MODALITIES)[number];

export interface RawByModality {
  image: RawRgb;
  video: [RawRgb, RawRgb];
  text: string;
  audio: Float32Array;
  depth: Float32Array;
  thermal: Uint8Array;
  imu: Float32Array;
}

export interface Sample {
  index: number;
  classId: number;
  className: string;
  distractors: number[];
  caption: string;
  scene: Scene;
  image: RawRgb;
  video: [RawRgb, RawRgb];
  /** 16 kHz mono in [-1, 1]. */
  audio: Float32Array;
  /** Metres, 224×224 row-major. */
  depth: Float32Array;
  /** 8-bit, 224×224, hot = bright. */
  thermal: Uint8Array;
  /** 6 × 2000 channel-major: acc xyz (m/s², with gravity), gyro xyz (rad/s). */
  imu: Float32Array;
}

export interface WorldOptions {
  scene?: SceneOptions;
  /** Audio length in seconds (default 2, one official clip). */
  audioSeconds?: number;
  /** Seconds between the two video frames (default 0.15). */
  videoDt?: number;
}

export type SplitName = 'train' | 'val' | 'test';

/** Disjoint index ranges; starts are multiples of the class count so every block is class-balanced. */
export const SPLITS: Readonly<Record<SplitName, { start: number; size: number }>> = {
  train: { start: 0, size: 1_000_000_000 },
  val: { start: 1_000_000_000, size: 10_000_000 },
  test: { start: 1_010_000_000, size: 10_000_000 },
};

export interface WorldSplit {
  name: SplitName;
  start: number;
  size: number;
  /** World index of the split's k-th sample. */
  index(k: number): number;
  /** `count` consecutive world indices from the split's `offset`-th sample. */
  indices(count: number, offset?: number): number[];
}

export class World {
  readonly seed: number;
  readonly opts: WorldOptions;
  readonly numClasses = NUM_CLASSES;

  constructor(seed: number, opts: WorldOptions = {}) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new RangeError(`World seed must be a non-negative integer, got ${seed}`);
    this.seed = seed;
    this.opts = opts;
  }

  private check(index: number): void {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new RangeError(`World index must be a non-negative integer, got ${index}`);
  }

  /** Classes are dealt in shuffled blocks of NUM_CLASSES, so any aligned block is balanced. */
  classOf(index: number): number {
    this.check(index);
    const block = Math.floor(index / NUM_CLASSES);
    const order = shuffled(
      deriveRng(this.seed, block, 'classOrder'),
      Array.from({ length: NUM_CLASSES }, (_, k) => k),
    );
    return order[index % NUM_CLASSES];
  }

  scene(index: number): Scene {
    return sampleScene(deriveRng(this.seed, index, 'scene'), this.classOf(index), this.opts.scene);
  }

  render<M extends WorldModality>(index: number, modality: M, scene: Scene = this.scene(index)): RawByModality[M] {
    const rng = deriveRng(this.seed, index, modality === 'text' ? 'caption' : modality);
    const out: { [K in WorldModality]: () => RawByModality[K] } = {
      image: () => renderImage(scene, rng),
      video: () => renderVideoFrames(scene, rng, 2, this.opts.videoDt ?? 0.15) as [RawRgb, RawRgb],
      text: () => captionScene(scene, rng),
      audio: () => renderAudio(scene, rng, this.opts.audioSeconds ?? AUDIO_SECONDS),
      depth: () => renderDepth(scene, rng),
      thermal: () => renderThermal(scene, rng),
      imu: () => renderImu(scene, rng),
    };
    return out[modality]();
  }

  /** Every modality of sample `index`. */
  sample(index: number): Sample {
    const scene = this.scene(index);
    const classId = primaryOf(scene).classId;
    return {
      index,
      classId,
      className: CLASS_NAMES[classId],
      distractors: scene.objects.slice(0, -1).map((o) => o.classId),
      caption: this.render(index, 'text', scene),
      scene,
      image: this.render(index, 'image', scene),
      video: this.render(index, 'video', scene),
      audio: this.render(index, 'audio', scene),
      depth: this.render(index, 'depth', scene),
      thermal: this.render(index, 'thermal', scene),
      imu: this.render(index, 'imu', scene),
    };
  }

  split(name: SplitName): WorldSplit {
    const s = SPLITS[name];
    if (!s) throw new RangeError(`unknown split '${String(name)}' (train, val, test)`);
    const index = (k: number): number => {
      if (!Number.isSafeInteger(k) || k < 0 || k >= s.size)
        throw new RangeError(`${name} split has ${s.size} samples; ${k} is out of range`);
      return s.start + k;
    };
    return {
      name,
      ...s,
      index,
      indices: (count, offset = 0) => Array.from({ length: count }, (_, k) => index(offset + k)),
    };
  }
}
