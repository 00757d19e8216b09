/**
 * unCLIP's noise augmentation of the image embedding (Ramesh et al. 2022; Stable unCLIP's
 * `CLIPEmbeddingNoiseAugmentation`, diffusers' `StableUnCLIPImg2ImgPipeline.noise_image_embeddings`):
 * normalise with the embedder's mean/std, noise to level s with a DDPM schedule
 * (√ᾱ_s·e + √(1−ᾱ_s)·ε), un-normalise, and append the sinusoidal embedding of s (cos first, no
 * frequency shift). The decoder's conditioning input ("class_labels") is that [B, 2D] vector; an
 * all-zero row is the unconditional input for classifier-free guidance.
 */
import { GenerationError } from '../../core/errors.ts';
import { type NoiseSchedule, alphasCumprod, timestepEmbedding } from './schedule.ts';

export interface NoiseAugmentation {
  readonly schedule: NoiseSchedule;
  /** Per-dimension statistics of the embedder's outputs (StableUnCLIPImageNormalizer); default 0 / 1. */
  readonly mean?: Float32Array;
  readonly std?: Float32Array;
}

export function checkNoiseLevel(level: number, aug: NoiseAugmentation): void {
  const max = aug.schedule.trainTimesteps;
  if (!Number.isInteger(level) || level < 0 || level >= max)
    throw new GenerationError(
      'NOISE_LEVEL_INVALID',
      `--noise-level must be an integer from 0 to ${max - 1}, got ${level}.`,
    );
}

/**
 * Rows of `emb` ([n, D], row-major) → [n, 2D] conditioning vectors at noise level `level`; `noise`
 * draws the N(0, 1) values in row-major order.
 */
export function augmentEmbeddings(
  emb: Float32Array,
  dim: number,
  level: number,
  aug: NoiseAugmentation,
  noise: () => number,
): Float32Array {
  checkNoiseLevel(level, aug);
  const n = emb.length / dim;
  if (!Number.isInteger(n))
    throw new GenerationError('CONDITION_SHAPE', `${emb.length} values are not rows of ${dim}.`);
  const abar = alphasCumprod(aug.schedule)[level];
  const a = Math.sqrt(abar),
    s = Math.sqrt(1 - abar);
  const levelEmb = timestepEmbedding([level], dim, { flipSinToCos: true, downscaleFreqShift: 0 });
  const out = new Float32Array(n * 2 * dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      const mean = aug.mean?.[j] ?? 0,
        std = aug.std?.[j] ?? 1;
      const z = (emb[r * dim + j] - mean) / std;
      out[r * 2 * dim + j] = (a * z + s * noise()) * std + mean;
    }
    out.set(levelEmb, r * 2 * dim + dim);
  }
  return out;
}
