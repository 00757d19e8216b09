/**
 * Deterministic samplers over a discrete VP schedule (x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε): DDIM (Song et al.
 * 2021, eq. 12, η ≥ 0), Euler on the probability-flow ODE in σ = √((1−ᾱ)/ᾱ) (Karras et al. 2022,
 * algorithm 1 without churn), and DPM-Solver++(2M) (Lu et al. 2022, algorithm 2). Every sampler
 * keeps the state in VP form, so the model always sees x_t and starts from N(0, I).
 * Coefficients are float64; the state is float32.
 */
import { GenerationError } from '../../core/errors.ts';
import { type NoiseSchedule, type TimestepSpacing, alphasCumprod, inferenceTimesteps } from './schedule.ts';

export type Prediction = 'epsilon' | 'v_prediction' | 'sample';
export const SAMPLERS = ['ddim', 'euler', 'dpm-solver++'] as const;
export type SamplerKind = (typeof SAMPLERS)[number];

export interface SamplerConfig {
  readonly schedule: NoiseSchedule;
  readonly prediction: Prediction;
  readonly spacing: TimestepSpacing;
  readonly stepsOffset?: number;
  /** ᾱ after the last step: 1 (a clean sample) or ᾱ₀ (diffusers' set_alpha_to_one = false). */
  readonly setAlphaToOne?: boolean;
}

/** x̂₀ and ε̂ from a model output at ᾱ: ε: x̂₀ = (x − σε)/α; v: x̂₀ = αx − σv, ε̂ = αv + σx; sample: x̂₀ = out. */
export function predictX0Eps(
  out: Float32Array,
  x: Float32Array,
  abar: number,
  prediction: Prediction,
): { x0: Float32Array; eps: Float32Array } {
  const a = Math.sqrt(abar),
    s = Math.sqrt(1 - abar);
  const x0 = new Float32Array(x.length),
    eps = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    if (prediction === 'epsilon') {
      eps[i] = out[i];
      x0[i] = (x[i] - s * out[i]) / a;
    } else if (prediction === 'v_prediction') {
      x0[i] = a * x[i] - s * out[i];
      eps[i] = a * out[i] + s * x[i];
    } else {
      x0[i] = out[i];
      eps[i] = (x[i] - a * out[i]) / s;
    }
  }
  return { x0, eps };
}

/** ε_u + g·(ε_c − ε_u), in place on `uncond` (classifier-free guidance, Ho & Salimans 2022). */
export function applyGuidance(uncond: Float32Array, cond: Float32Array, g: number): Float32Array {
  for (let i = 0; i < uncond.length; i++) uncond[i] = uncond[i] + g * (cond[i] - uncond[i]);
  return uncond;
}

export interface Sampler {
  readonly kind: SamplerKind;
  /** Training timesteps the model is evaluated at, in order. */
  readonly timesteps: readonly number[];
  /**
   * One update from step `i` (state at timesteps[i]) to the next, elementwise over a whole batch;
   * `noise(k)` draws N(0, 1) for element k (only DDIM with η > 0 asks). Multistep samplers keep
   * their history inside, so call `step` once per step, in order.
   */
  step(modelOut: Float32Array, i: number, x: Float32Array, noise?: (k: number) => number): Float32Array;
}

export function checkSampling(steps: number, guidance: number, T: number): void {
  if (!Number.isInteger(steps) || steps < 1 || steps > T)
    throw new GenerationError(
      'STEPS_INVALID',
      `--steps must be an integer from 1 to ${T} (the decoder's training timesteps), got ${steps}.`,
    );
  if (!Number.isFinite(guidance))
    throw new GenerationError(
      'GUIDANCE_INVALID',
      `--guidance must be a finite number (1 = no guidance), got ${guidance}.`,
    );
}

export function createSampler(kind: SamplerKind, c: SamplerConfig, steps: number, eta = 0): Sampler {
  const abarTable = alphasCumprod(c.schedule);
  const T = c.schedule.trainTimesteps;
  const timesteps = inferenceTimesteps(T, steps, c.spacing, c.stepsOffset ?? 0);
  if (timesteps.some((t) => t < 0 || t >= T))
    throw new GenerationError(
      'STEPS_INVALID',
      `${steps} steps with offset ${c.stepsOffset ?? 0} leave the schedule's ${T} timesteps.`,
    );
  const finalAbar = (c.setAlphaToOne ?? true) ? 1 : abarTable[0];
  const abarAt = (i: number) => (i < timesteps.length ? abarTable[timesteps[i]] : finalAbar);
  const convert = (out: Float32Array, i: number, x: Float32Array) => predictX0Eps(out, x, abarAt(i), c.prediction);
  switch (kind) {
    case 'ddim':
      return {
        kind,
        timesteps,
        step(out, i, x, noise) {
          const { x0, eps } = convert(out, i, x);
          const [at, ap] = [abarAt(i), abarAt(i + 1)];
          // σ_t(η) = η·√((1 − ᾱ_prev)/(1 − ᾱ_t))·√(1 − ᾱ_t/ᾱ_prev)  (eq. 16)
          const sd = eta * Math.sqrt(((1 - ap) / (1 - at)) * (1 - at / ap));
          const dir = Math.sqrt(Math.max(1 - ap - sd * sd, 0));
          const next = new Float32Array(x.length);
          for (let k = 0; k < x.length; k++) {
            next[k] = Math.sqrt(ap) * x0[k] + dir * eps[k] + (sd > 0 && noise ? sd * noise(k) : 0);
          }
          return next;
        },
      };
    case 'euler':
      return {
        kind,
        timesteps,
        step(out, i, x) {
          const { x0 } = convert(out, i, x);
          const [at, ap] = [abarAt(i), abarAt(i + 1)];
          const sig = Math.sqrt((1 - at) / at),
            sigNext = Math.sqrt((1 - ap) / ap);
          const next = new Float32Array(x.length);
          for (let k = 0; k < x.length; k++) {
            // In σ-space the state is x/α; dx/dσ = (x/α − x̂₀)/σ.
            const xs = x[k] / Math.sqrt(at);
            const d = (xs - x0[k]) / sig;
            next[k] = (xs + (sigNext - sig) * d) * Math.sqrt(ap);
          }
          return next;
        },
      };
    case 'dpm-solver++': {
      let prevX0: Float32Array | null = null;
      let prevH = 0;
      const lambda = (abar: number) => 0.5 * Math.log(abar / (1 - abar));
      return {
        kind,
        timesteps,
        step(out, i, x) {
          const { x0 } = convert(out, i, x);
          const [at, ap] = [abarAt(i), abarAt(i + 1)];
          const next = new Float32Array(x.length);
          if (ap >= 1) {
            // The last step to a clean sample is first order (diffusers' lower_order_final): x̂₀.
            next.set(x0);
            prevX0 = x0;
            return next;
          }
          const h = lambda(ap) - lambda(at);
          const ratio = Math.sqrt(1 - ap) / Math.sqrt(1 - at);
          const coef = -Math.sqrt(ap) * Math.expm1(-h);
          const r = prevX0 ? prevH / h : 0;
          for (let k = 0; k < x.length; k++) {
            const d = prevX0 ? (1 + 1 / (2 * r)) * x0[k] - (1 / (2 * r)) * prevX0[k] : x0[k];
            next[k] = ratio * x[k] + coef * d;
          }
          prevX0 = x0;
          prevH = h;
          return next;
        },
      };
    }
    default:
      throw new GenerationError(
        'SAMPLER_INVALID',
        `unknown sampler "${String(kind)}"; use one of: ${SAMPLERS.join(', ')}.`,
      );
  }
}
