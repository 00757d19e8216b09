/**
 * pytorchvideo `ConstantClipsPerVideoSampler(clip_duration, clips_per_video)` as driven by
 * `imagebind/data.py: get_clip_timepoints`, and the sample slice
 * `waveform[:, int(start * sr) : int(end * sr)]`.
 *
 * The sampler mixes a Python float and exact Fractions: `duration - clip_duration` is a float
 * subtraction (Fraction falls back to float with a float operand), then everything after
 * `Fraction(...)` is exact rational arithmetic on that float's binary value. BigInt rationals
 * reproduce it, including `3.3 - 2 = 1.2999999999999998` giving sample 20799, not 20800.
 */

export interface ClipBounds {
  /** Exact `int(start * sampleRate)`; the first sample of the slice. */
  readonly start: number;
  /** Exact `int(end * sampleRate)` before Python's slice clipping. */
  readonly end: number;
  /** `[start, end)` clipped to the waveform as a Python slice would be. */
  readonly sliceStart: number;
  readonly sliceEnd: number;
}

interface Rational {
  num: bigint;
  den: bigint;
}

const scratch = new DataView(new ArrayBuffer(8));

/** `fractions.Fraction(x)` for a finite non-negative double: the exact binary value. */
export function exactFraction(x: number): Rational {
  if (!Number.isFinite(x) || x < 0) throw new RangeError(`expected a finite non-negative number, got ${x}`);
  if (x === 0) return { num: 0n, den: 1n };
  scratch.setFloat64(0, x);
  const hi = scratch.getUint32(0);
  const lo = scratch.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074;
  else {
    mant |= 1n << 52n;
    exp = biased - 1075;
  }
  return exp >= 0 ? { num: mant << BigInt(exp), den: 1n } : { num: mant, den: 1n << BigInt(-exp) };
}

function add(a: Rational, b: Rational): Rational {
  return { num: a.num * b.den + b.num * a.den, den: a.den * b.den };
}

function floorTimes(a: Rational, k: number): number {
  // Exact floor(a * k) for integer k >= 0 (Python's int() truncation on a non-negative value).
  return Number((a.num * BigInt(k)) / a.den);
}

/**
 * Clip boundaries for a waveform of `numSamples` at `sampleRate` (an integer, as in data.py).
 * Always returns `clipsPerVideo` clips; when the audio is shorter than one clip they all start at 0.
 */
export function sampleClips(
  numSamples: number,
  sampleRate: number,
  clipDuration: number,
  clipsPerVideo: number,
): ClipBounds[] {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    throw new RangeError(`sampleRate must be a positive integer, got ${sampleRate}`);
  if (!Number.isInteger(clipsPerVideo) || clipsPerVideo < 1)
    throw new RangeError(`clipsPerVideo must be a positive integer, got ${clipsPerVideo}`);
  if (!(clipDuration > 0)) throw new RangeError(`clipDuration must be positive, got ${clipDuration}`);
  const duration = numSamples / sampleRate;
  const maxStart = exactFraction(Math.max(duration - clipDuration, 0));
  const step: Rational = { num: maxStart.num, den: maxStart.den * BigInt(Math.max(clipsPerVideo - 1, 1)) };
  const clipLen = exactFraction(clipDuration);
  const out: ClipBounds[] = [];
  for (let i = 0; i < clipsPerVideo; i++) {
    const startSec: Rational = { num: step.num * BigInt(i), den: step.den };
    const start = floorTimes(startSec, sampleRate);
    const end = floorTimes(add(startSec, clipLen), sampleRate);
    const sliceStart = Math.min(start, numSamples);
    out.push({ start, end, sliceStart, sliceEnd: Math.max(sliceStart, Math.min(end, numSamples)) });
  }
  return out;
}
