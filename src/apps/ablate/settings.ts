/**
 * The knobs of the ablation studies, as data. `FULL_SCALE` is what the committed results used.
 * It is deliberately cheaper than the shipped mini recipe (scripts/train-mini.ts: 6400
 * image–caption pairs × 2000 steps at batch 64, then 4800 pairs × 1000 steps per sensor), because
 * the studies compare settings against each other on a shared 2-core machine: stage 1 takes 3200
 * pairs × 600 steps, and a binding run takes `imagebind train`'s defaults (300 steps, batch 32,
 * lr 1e-3) on 2400 pairs. Absolute accuracies are therefore below the shipped model's.
 */
import type { SensorModality } from '../../synth/mini/data.ts';

/** A vision trunk of the one family the scaling study grows: width, depth and heads together. */
export interface VisionSize {
  readonly name: string;
  readonly dim: number;
  readonly blocks: number;
  readonly heads: number;
}

/** A sensor trunk (the `<modality>_embed_dim/num_blocks/num_heads` config keys). */
export interface EncoderSize {
  readonly name: string;
  readonly dim: number;
  readonly blocks: number;
  readonly heads: number;
}

/** Stage 1: vision + text trained jointly on image–caption pairs (the mini recipe's first stage). */
export interface BaseSettings {
  readonly worldSeed: number;
  readonly jointPairs: number;
  readonly jointSteps: number;
  readonly jointLr: number;
  readonly batchSize: number;
  readonly merges: number;
}

/** Stage 2: one sensor bound to the image encoder with sensor–image pairs only. */
export interface BindSettings {
  /** Sensor–image pairs, taken from the train split right after the image–caption pairs. */
  readonly pairs: number;
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  /** InfoNCE temperature τ (logit scale 1/τ): the family's official value, a fixed value, or learned from 0.07. */
  readonly temperature: 'official' | 'learned' | number;
  /** null: the mini config's sensor trunk. */
  readonly encoder: EncoderSize | null;
  /** Train the image encoder too (from its stage-1 weights) instead of keeping it frozen. */
  readonly fineTuneVision: boolean;
  /** When fine-tuning: the image encoder's learning rate as a fraction of `lr` (default 1). */
  readonly visionLrScale?: number;
}

export interface HeldOutSettings {
  /** World seed of the held-out set (the test split of that world, class-balanced blocks). */
  readonly seed: number;
  readonly n: number;
}

export interface StudyScale {
  readonly base: BaseSettings;
  readonly bind: BindSettings;
  readonly heldOut: HeldOutSettings;
  /** The vision size the binding ablations bind against. */
  readonly visionSize: VisionSize;
  /** The sizes of the scaling study, smallest first. */
  readonly visionSizes: readonly VisionSize[];
}

/** CLIP's initial temperature, where a learned temperature starts. */
export const LEARNED_TEMPERATURE_INIT = 0.07;

/** The shipped mini model's vision trunk (src/model/configs/mini.json). */
export const VISION_M: VisionSize = { name: 'M', dim: 96, blocks: 4, heads: 4 };

/** The scaling family: head width 24; width 48·k, depth 2k, heads 2k. */
export const VISION_SIZES: readonly VisionSize[] = [
  { name: 'S', dim: 48, blocks: 2, heads: 2 },
  VISION_M,
  { name: 'L', dim: 144, blocks: 6, heads: 6 },
];

export const FULL_SCALE: StudyScale = {
  base: { worldSeed: 1, jointPairs: 3200, jointSteps: 600, jointLr: 3e-4, batchSize: 64, merges: 700 },
  bind: {
    pairs: 2400,
    steps: 300,
    batchSize: 32,
    lr: 1e-3,
    temperature: 'official',
    encoder: null,
    fineTuneVision: false,
  },
  heldOut: { seed: 12345, n: 320 },
  visionSize: VISION_M,
  visionSizes: VISION_SIZES,
};

/** A smoke-test scale: seconds, and accuracies near chance. */
export const QUICK_SCALE: StudyScale = {
  base: { worldSeed: 1, jointPairs: 64, jointSteps: 10, jointLr: 1e-3, batchSize: 16, merges: 100 },
  bind: { ...FULL_SCALE.bind, pairs: 64, steps: 6, batchSize: 16 },
  heldOut: { seed: 12345, n: 32 },
  visionSize: { name: 'XS', dim: 16, blocks: 1, heads: 1 },
  visionSizes: [
    { name: 'XS', dim: 16, blocks: 1, heads: 1 },
    { name: 'XS2', dim: 32, blocks: 2, heads: 2 },
  ],
};

export const ALL_SENSORS: readonly SensorModality[] = ['audio', 'depth', 'thermal', 'imu'];
