/**
 * Discrete diffusion noise schedules (as DDPM, Ho et al. 2020, and diffusers' schedulers define
 * them): betas → ᾱ_t = Π(1 − β), the inference timestep spacings, and the sinusoidal timestep
 * embedding. Everything is computed in float64; only the model sees float32.
 */
import { GenerationError } from '../../core/errors.ts';

export type BetaSchedule = 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
export type TimestepSpacing = 'leading' | 'trailing' | 'linspace';

export interface NoiseSchedule {
  readonly trainTimesteps: number;
  readonly betaSchedule: BetaSchedule;
  /** Linear schedules only (SD: 0.00085 → 0.012, scaled_linear). */
  readonly betaStart?: number;
  readonly betaEnd?: number;
}

/**
 * β_t per schedule: linear; scaled_linear (linear in √β, latent diffusion's); squaredcos_cap_v2
 * (Nichol & Dhariwal 2021: ᾱ(t) = cos²((t/T + s)/(1 + s)·π/2), s = 0.008, β capped at 0.999).
 */
export function betas(s: NoiseSchedule): Float64Array {
  const T = s.trainTimesteps;
  if (!Number.isInteger(T) || T < 2)
    throw new GenerationError('SCHEDULE_INVALID', `trainTimesteps must be an integer ≥ 2, got ${T}.`);
  const out = new Float64Array(T);
  const start = s.betaStart ?? 0.0001,
    end = s.betaEnd ?? 0.02;
  for (let i = 0; i < T; i++) {
    const f = i / (T - 1);
    switch (s.betaSchedule) {
      case 'linear':
        out[i] = start + (end - start) * f;
        break;
      case 'scaled_linear': {
        const r = Math.sqrt(start) + (Math.sqrt(end) - Math.sqrt(start)) * f;
        out[i] = r * r;
        break;
      }
      case 'squaredcos_cap_v2': {
        const abar = (t: number) => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
        out[i] = Math.min(1 - abar((i + 1) / T) / abar(i / T), 0.999);
        break;
      }
      default:
        throw new GenerationError(
          'SCHEDULE_INVALID',
          `unknown beta schedule "${String(s.betaSchedule)}"; use linear, scaled_linear or squaredcos_cap_v2.`,
        );
    }
  }
  return out;
}

/** ᾱ_t = Π_{i ≤ t} (1 − β_i). */
export function alphasCumprod(s: NoiseSchedule): Float64Array {
  const b = betas(s);
  const out = new Float64Array(b.length);
  let p = 1;
  for (let i = 0; i < b.length; i++) out[i] = p *= 1 - b[i];
  return out;
}

/**
 * The `steps` training timesteps an inference run visits, descending (Lin et al. 2023, table 2):
 * leading = k·⌊T/n⌋ + offset, trailing = round(T − k·T/n) − 1, linspace = round(linspace(0, T−1, n)).
 */
export function inferenceTimesteps(T: number, steps: number, spacing: TimestepSpacing, offset = 0): number[] {
  if (!Number.isInteger(steps) || steps < 1 || steps > T)
    throw new GenerationError('STEPS_INVALID', `steps must be an integer from 1 to ${T}, got ${steps}.`);
  const out: number[] = [];
  if (spacing === 'leading') {
    const ratio = Math.floor(T / steps);
    for (let k = steps - 1; k >= 0; k--) out.push(k * ratio + offset);
  } else if (spacing === 'trailing') {
    const ratio = T / steps;
    for (let k = 0; k < steps; k++) out.push(Math.round(T - k * ratio) - 1);
  } else {
    for (let k = steps - 1; k >= 0; k--) out.push(roundHalfEven(((T - 1) * k) / Math.max(steps - 1, 1)));
  }
  return out;
}

/** numpy's round (half to even), which `np.linspace(...).round()` uses. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The DDPM sinusoidal embedding of (possibly fractional) timesteps, as diffusers'
 * `get_timestep_embedding`: frequencies exp(−ln(maxPeriod)·i/(half − shift)), [sin, cos] halves,
 * swapped to [cos, sin] when `flipSinToCos`, zero-padded to an odd `dim`. Returns [n, dim].
 */
export function timestepEmbedding(
  timesteps: readonly number[],
  dim: number,
  o: { flipSinToCos?: boolean; downscaleFreqShift?: number; maxPeriod?: number } = {},
): Float32Array {
  const half = Math.floor(dim / 2);
  const shift = o.downscaleFreqShift ?? 1;
  const maxPeriod = o.maxPeriod ?? 10000;
  const out = new Float32Array(timesteps.length * dim);
  timesteps.forEach((t, r) => {
    for (let i = 0; i < half; i++) {
      // torch computes the frequencies and products in float32; rounding the same places keeps us within an ulp.
      const freq = Math.fround(Math.exp(Math.fround((-Math.log(maxPeriod) * i) / (half - shift))));
      const a = Math.fround(t * freq);
      const [first, second] = o.flipSinToCos ? [Math.cos(a), Math.sin(a)] : [Math.sin(a), Math.cos(a)];
      out[r * dim + i] = first;
      out[r * dim + half + i] = second;
    }
  });
  return out;
}
