/**
 * `torchaudio.functional.resample(waveform, orig_freq, new_freq)` with its defaults
 * (`sinc_interpolation` = Hann-windowed sinc, `lowpass_filter_width=6`, `rolloff=0.99`).
 *
 * torchaudio builds the kernel in the waveform's dtype (float32), so every kernel step below is
 * rounded to float32 with `Math.fround` in the same order as torchaudio's tensor expressions;
 * that is what makes the output agree to ~1e-7 rather than ~1e-6. The strided conv1d is a
 * polyphase filter: output `f * new + p` is the dot product of phase `p`'s kernel with the
 * input at `f * orig - width`.
 */
import { MediaError } from '../../core/errors.ts';
import { checkSampleRate } from './budget.ts';

export interface ResampleOptions {
  lowpassFilterWidth?: number;
  rolloff?: number;
  /**
   * Both rates must be at most this (default: the maxSampleRate limit, 768 kHz). The kernel has
   * about 2·lowpassFilterWidth/rolloff·max(orig, new)/gcd taps in all, so this bounds its memory
   * (≈ 37 MB at 768 kHz) and set-up time; the per-sample work is ≈ 2·width taps per output.
   */
  maxSampleRate?: number;
}

/** Polyphase kernel, flat: phase p's taps are taps[start[p] .. start[p+1]), applied from padded input index first[p]. */
interface Kernel {
  orig: number;
  next: number;
  width: number;
  first: Int32Array;
  start: Int32Array;
  taps: Float32Array;
}

const f = Math.fround;
const PI32 = f(Math.PI);
const cache = new Map<string, Kernel>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function buildKernel(origFreq: number, newFreq: number, lpw: number, rolloff: number): Kernel {
  const g = gcd(origFreq, newFreq);
  const orig = origFreq / g;
  const next = newFreq / g;
  const baseFreq = Math.min(orig, next) * rolloff; // a Python float
  const width = Math.ceil((lpw * orig) / baseFreq);
  const base32 = f(baseFreq);
  const scale32 = f(baseFreq / orig);
  const lpw32 = f(lpw);
  const span = 2 * width + orig;
  // Only taps whose unclamped |t| < lpw matter: clamped ones are ~1e-22 (cos(pi/2) is not 0 in
  // float32), so skipping them changes nothing measurable and keeps the cost at ~2*width taps
  // per output even for co-prime rates (44101 -> 16000), where the full kernel would be huge.
  const half = (orig * lpw) / baseFreq;
  const perPhase = Math.min(span, Math.ceil(2 * half) + 6);
  // Only reachable with maxSampleRate raised far past any real rate.
  if (perPhase * next > 2 ** 28 || span > 2 ** 30) {
    throw new MediaError(
      'AUDIO_BAD_RATE',
      `cannot resample from ${origFreq} Hz to ${newFreq} Hz: the filter would need ${perPhase * next} taps. Use a standard sample rate.`,
    );
  }
  let taps = new Float32Array(Math.max(1, perPhase * next));
  const first = new Int32Array(next);
  const start = new Int32Array(next + 1);
  let n = 0;
  for (let p = 0; p < next; p++) {
    const rowT = f(-p / next);
    const center = width + (orig * p) / next;
    const lo = Math.max(0, Math.floor(center - half) - 2);
    const hi = Math.min(span - 1, Math.ceil(center + half) + 2);
    if (n + (hi - lo + 1) > taps.length) {
      const grown = new Float32Array(Math.max(taps.length * 2, n + hi - lo + 1));
      grown.set(taps);
      taps = grown;
    }
    let firstK = -1;
    start[p] = n;
    for (let k = lo; k <= hi; k++) {
      const idx = f((k - width) / orig);
      const raw = f(f(rowT + idx) * base32);
      if (!(raw > -lpw32 && raw < lpw32)) continue;
      if (firstK < 0) firstK = k;
      const c = f(Math.cos(f(f(f(raw * PI32) / lpw32) / 2)));
      const window = f(c * c);
      const tp = f(raw * PI32);
      const sinc = tp === 0 ? 1 : f(f(Math.sin(tp)) / tp);
      taps[n++] = f(sinc * f(window * scale32));
    }
    first[p] = Math.max(firstK, 0);
  }
  start[next] = n;
  return { orig, next, width, first, start, taps: taps.subarray(0, n) };
}

function kernelFor(origFreq: number, newFreq: number, lpw: number, rolloff: number): Kernel {
  const key = `${origFreq}/${newFreq}/${lpw}/${rolloff}`;
  let k = cache.get(key);
  if (!k) {
    k = buildKernel(origFreq, newFreq, lpw, rolloff);
    if (cache.size > 16) cache.clear();
    cache.set(key, k);
  }
  return k;
}

/** Output length torchaudio produces: ceil(new * len / orig) after gcd reduction. */
export function resampledLength(length: number, origFreq: number, newFreq: number): number {
  const g = gcd(origFreq, newFreq);
  return Math.ceil(((newFreq / g) * length) / (origFreq / g));
}

/** Resamples one channel. Returns the input itself when the rates are equal (as torchaudio). */
export function resampleChannel(
  x: Float32Array,
  origFreq: number,
  newFreq: number,
  opts: ResampleOptions = {},
): Float32Array {
  if (!Number.isInteger(origFreq) || !Number.isInteger(newFreq) || origFreq <= 0 || newFreq <= 0) {
    throw new MediaError(
      'AUDIO_BAD_RATE',
      `cannot resample from ${origFreq} Hz to ${newFreq} Hz: both rates must be positive integers.`,
    );
  }
  if (origFreq === newFreq) return x;
  checkSampleRate(origFreq, 'resample input', { maxSampleRate: opts.maxSampleRate });
  checkSampleRate(newFreq, 'resample output', { maxSampleRate: opts.maxSampleRate });
  if ((opts.lowpassFilterWidth ?? 6) > 1024 || !((opts.rolloff ?? 0.99) > 0.01))
    throw new MediaError('AUDIO_BAD_RATE', 'resample: lowpassFilterWidth must be at most 1024 and rolloff above 0.01.');
  const k = kernelFor(origFreq, newFreq, opts.lowpassFilterWidth ?? 6, opts.rolloff ?? 0.99);
  const { orig, next, width, first, start, taps } = k;
  const outLen = resampledLength(x.length, origFreq, newFreq);
  const out = new Float32Array(outLen);
  // Zero-padded copy (width left, width + orig right) so the inner loop needs no bounds checks.
  const padded = new Float32Array(x.length + 2 * width + orig);
  padded.set(x, width);
  for (let n = 0; n < outLen; n++) {
    const frame = Math.floor(n / next);
    const p = n - frame * next;
    const at = frame * orig + first[p] - start[p];
    let acc = 0;
    for (let j = start[p], end = start[p + 1]; j < end; j++) acc += taps[j] * padded[at + j];
    out[n] = acc;
  }
  return out;
}

/** Resamples every channel (channels x samples), like torchaudio on a 2-D waveform. */
export function resample(
  channels: readonly Float32Array[],
  origFreq: number,
  newFreq: number,
  opts: ResampleOptions = {},
): Float32Array[] {
  return channels.map((c) => resampleChannel(c, origFreq, newFreq, opts));
}
