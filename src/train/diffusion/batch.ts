/**
 * One training batch of the unCLIP-style decoder objective, drawn from a seeded stream of (seed,
 * step), so a resumed run sees the same batches: t ~ U{0..T−1}, ε ~ N(0, I),
 * x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε; the condition noise-augmented at a level s ~ U{0..maxLevel−1} and
 * dropped (all zeros) with probability `condDropout`.
 *
 * Targets and weights, as the error on x₀ they weigh (snr = ᾱ/(1−ᾱ)):
 *  - `sample`: target x₀, weight clamp(snr, 1, γ) — Min-SNR-γ's cap (Hang et al. 2023) with the
 *    truncated-SNR floor of 1 (Salimans & Ho 2022), so high-noise steps, where the condition
 *    decides the layout, keep weight;
 *  - `v_prediction`: target v = √ᾱ·ε − √(1−ᾱ)·x₀, weight min(snr, γ)/(snr + 1) (Min-SNR-γ for v).
 * A patch-8 transformer cannot pass a patch's 192 pixel values through its 128-wide tokens, so
 * it cannot reproduce white noise: v (mostly noise at low t) leaves noise in the samples, x₀ does
 * not. The mini decoder therefore predicts x₀.
 */
import { Rng } from '../../core/random.ts';
import type { Tensor } from '../../core/tensor.ts';
import { augmentEmbeddings, type NoiseAugmentation } from '../../runtime/diffusion/noise-aug.ts';
import { alphasCumprod, type NoiseSchedule } from '../../runtime/diffusion/schedule.ts';

export interface DiffusionData {
  readonly size: number;
  readonly imageSize: number;
  readonly embeddingDim: number;
  /** Writes item i as [3, S, S] in [-1, 1] at `offset` of `out`. */
  image(i: number, out: Float32Array, offset: number): void;
  /** Item i's unit-norm condition embedding. */
  embedding(i: number): Float32Array;
}

export interface DiffusionObjective {
  readonly schedule: NoiseSchedule;
  readonly prediction: 'sample' | 'v_prediction';
  readonly noiseAugmentation: NoiseAugmentation;
  /** Noise-augmentation levels drawn during training: 0 … maxLevel − 1. */
  readonly noiseAugMaxLevel: number;
  readonly condDropout: number;
  readonly minSnrGamma: number;
}

export function diffusionBatch(
  data: DiffusionData,
  indices: readonly number[],
  o: DiffusionObjective,
  seed: number,
  step: number,
): Record<string, Tensor> {
  const rng = new Rng((Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(step + 1, 0x85ebca6b)) >>> 0);
  const abar = alphasCumprod(o.schedule);
  const B = indices.length,
    S = data.imageSize,
    D = data.embeddingDim;
  const per = 3 * S * S;
  const x0 = new Float32Array(B * per);
  const sample = new Float32Array(B * per),
    target = new Float32Array(B * per);
  const timestep = new Float32Array(B),
    weight = new Float32Array(B);
  const cond = new Float32Array(B * 2 * D);
  const normal = () => rng.normal();
  indices.forEach((idx, b) => {
    data.image(idx, x0, b * per);
    const t = rng.int(o.schedule.trainTimesteps);
    const a = Math.sqrt(abar[t]),
      s = Math.sqrt(1 - abar[t]);
    for (let k = b * per; k < (b + 1) * per; k++) {
      const e = rng.normal();
      sample[k] = a * x0[k] + s * e;
      target[k] = o.prediction === 'sample' ? x0[k] : a * e - s * x0[k];
    }
    timestep[b] = t;
    const snr = abar[t] / (1 - abar[t]);
    weight[b] =
      o.prediction === 'sample' ? Math.min(Math.max(snr, 1), o.minSnrGamma) : Math.min(snr, o.minSnrGamma) / (snr + 1);
    const level = rng.int(o.noiseAugMaxLevel);
    const drop = rng.next() < o.condDropout;
    const row = augmentEmbeddings(data.embedding(idx), D, level, o.noiseAugmentation, normal);
    if (!drop) cond.set(row, b * 2 * D);
  });
  return {
    sample: { dtype: 'float32', shape: [B, 3, S, S], data: sample },
    timestep: { dtype: 'float32', shape: [B], data: timestep },
    class_labels: { dtype: 'float32', shape: [B, 2 * D], data: cond },
    target: { dtype: 'float32', shape: [B, 3, S, S], data: target },
    loss_weight: { dtype: 'float32', shape: [B], data: weight },
  };
}
