/**
 * Linear resampling of irregularly timed samples onto a regular grid, and the choice of window
 * starts. Pure numeric code; names and messages live in imu.ts.
 */

export type PadMode = 'zero' | 'edge';

/**
 * Samples `x` (given at increasing times `t`, seconds) at `start + j·window/steps`.
 * Between samples: linear. After the last sample but inside its own sampling interval
 * (`t_last + dt`): the last value, so a log of exactly N samples covers N·dt seconds.
 * Beyond that: `pad` (0 or the last value). Returns how many output steps were padded.
 */
export function resampleInto(
  t: Float64Array,
  x: Float64Array,
  dt: number,
  start: number,
  window: number,
  steps: number,
  pad: PadMode,
  out: Float32Array,
  outOffset: number,
): number {
  const n = t.length;
  const end = t[n - 1] + dt;
  let i = 0;
  let padded = 0;
  for (let j = 0; j < steps; j++) {
    const tau = start + (j * window) / steps;
    if (tau >= end - 1e-9 * dt) {
      out[outOffset + j] = pad === 'zero' ? 0 : x[n - 1];
      padded++;
      continue;
    }
    while (i + 1 < n && t[i + 1] <= tau) i++;
    if (tau <= t[0] || i + 1 >= n) {
      out[outOffset + j] = tau <= t[0] ? x[0] : x[n - 1];
      continue;
    }
    const w = (tau - t[i]) / (t[i + 1] - t[i]);
    out[outOffset + j] = w === 0 ? x[i] : x[i] + (x[i + 1] - x[i]) * w;
  }
  return padded;
}

/** Index of the sample time nearest to `tau` (t increasing). */
export function nearestSample(t: Float64Array, tau: number): number {
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] < tau) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && tau - t[lo - 1] <= t[lo] - tau ? lo - 1 : lo;
}

export type WindowMode = 'crop-center' | 'crop-start' | 'windows';

/**
 * Window start times, snapped to real sample times so that a log already at the target rate is
 * copied, not interpolated. `span` is the covered duration (last time + dt − first time).
 */
export function windowStarts(
  t: Float64Array,
  span: number,
  window: number,
  mode: WindowMode,
  hop: number,
): { starts: number[]; uncovered: number } {
  const t0 = t[0];
  if (span <= window) return { starts: [t0], uncovered: 0 };
  if (mode === 'crop-start') return { starts: [t0], uncovered: span - window };
  if (mode === 'crop-center')
    return { starts: [t[nearestSample(t, t0 + (span - window) / 2)]], uncovered: span - window };
  const count = Math.floor((span - window) / hop + 1e-9) + 1;
  const starts = Array.from({ length: count }, (_, k) => t[nearestSample(t, t0 + k * hop)]);
  return { starts, uncovered: span - ((count - 1) * hop + window) };
}

/** Median of positive consecutive differences (the nominal sampling interval). */
export function medianStep(t: Float64Array): number {
  const d: number[] = [];
  for (let i = 1; i < t.length; i++) if (t[i] > t[i - 1]) d.push(t[i] - t[i - 1]);
  if (d.length === 0) return NaN;
  d.sort((a, b) => a - b);
  return d[d.length >> 1];
}
