/**
 * The sampling loop both decoders share: start from seeded N(0, I) (one stream per image, so image
 * k of a batch with seed s equals a single image with seed s + k), query the model at each of the
 * sampler's timesteps (conditional and unconditional rows in one batch when guided), combine them
 * with classifier-free guidance, and step.
 */
import { Rng } from '../../core/random.ts';
import type { Float32Tensor } from '../../core/tensor.ts';
import { type Sampler, applyGuidance } from './samplers.ts';

export interface DenoiseOptions {
  readonly sampler: Sampler;
  /** One image's shape, e.g. [3, 64, 64] or latents [4, 96, 96]. */
  readonly itemShape: readonly number[];
  /** One noise stream per image (see `imageRngs`). */
  readonly rngs: readonly Rng[];
  readonly guidance: number;
  /**
   * The model at timestep t on `x` ([n, ...itemShape]); `guided` means x holds the batch twice,
   * unconditional rows first, and the conditioning must be laid out the same way.
   */
  readonly model: (x: Float32Tensor, t: number, guided: boolean) => Promise<Float32Array>;
  readonly onStep?: (done: number, total: number) => void;
  /** Checked before every step: when it fires, sampling stops with its reason (a timed-out request). */
  readonly signal?: AbortSignal;
}

/** Per-image random streams: image k draws from seed + k. */
export function imageRngs(seed: number, count: number): Rng[] {
  return Array.from({ length: count }, (_, k) => new Rng((seed + k) >>> 0));
}

export async function denoise(o: DenoiseOptions): Promise<Float32Array> {
  const per = o.itemShape.reduce((a, b) => a * b, 1);
  const n = o.rngs.length;
  let x: Float32Array = new Float32Array(n * per);
  o.rngs.forEach((r, k) => {
    for (let i = 0; i < per; i++) x[k * per + i] = r.normal();
  });
  const guided = o.guidance !== 1;
  const steps = o.sampler.timesteps;
  for (let i = 0; i < steps.length; i++) {
    o.signal?.throwIfAborted();
    const input = guided ? new Float32Array(2 * n * per) : x;
    if (guided) {
      input.set(x, 0);
      input.set(x, n * per);
    }
    const out = await o.model(
      { dtype: 'float32', shape: [guided ? 2 * n : n, ...o.itemShape], data: input },
      steps[i],
      guided,
    );
    const pred = guided ? applyGuidance(out.slice(0, n * per), out.subarray(n * per), o.guidance) : out;
    x = o.sampler.step(pred, i, x, (k) => o.rngs[Math.floor(k / per)].normal());
    o.onStep?.(i + 1, steps.length);
  }
  return x;
}
