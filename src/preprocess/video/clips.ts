/**
 * Which frames the official pipeline looks at: pytorchvideo's `ConstantClipsPerVideoSampler`
 * (clip starts), the decord backend's `EncodedVideoDecord.get_clip` (seconds → frame indices)
 * and `UniformTemporalSubsample` (frames kept per clip).
 *
 * The sampler works in Python `Fraction`s built from floats, and the decoder converts them back
 * to floats before multiplying by the frame rate. Frame boundaries are decided by `ceil`, so a
 * last-bit difference can move a clip by one frame; exact rationals reproduce Python's numbers.
 */

/** A non-negative rational n/d, both BigInt. */
interface Q {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}
function q(n: bigint, d: bigint): Q {
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}
/** Exact value of a finite, non-negative double (as `Fraction(float)` does). */
function fromDouble(x: number): Q {
  let d = 1n;
  while (!Number.isInteger(x)) {
    x *= 2;
    d *= 2n;
  } // doubling is exact for finite doubles
  return q(BigInt(x), d);
}
const bitLen = (v: bigint): number => (v === 0n ? 0 : v.toString(2).length);

/** Correctly rounded (half-even) double of n/d, as CPython's int / int. */
export function ratioToDouble(n: bigint, d: bigint): number {
  if (n === 0n) return 0;
  const shift = 64 - (bitLen(n) - bitLen(d)); // ≥ 63 quotient bits
  const num = shift >= 0 ? n << BigInt(shift) : n;
  const den = shift >= 0 ? d : d << BigInt(-shift);
  const quo = num / den;
  const sticky = num % den !== 0n;
  const drop = bitLen(quo) - 53;
  let m = quo >> BigInt(drop);
  const rem = quo & ((1n << BigInt(drop)) - 1n);
  const half = 1n << BigInt(drop - 1);
  if (rem > half || (rem === half && (sticky || (m & 1n) === 1n))) m += 1n;
  return Number(m) * 2 ** (drop - shift);
}

export interface ClipTimes {
  /** Clip start in seconds, as the float the decoder receives. */
  start: number;
  end: number;
}

/**
 * `ConstantClipsPerVideoSampler(clipDuration, clipsPerVideo)` driven by `get_clip_timepoints`
 * in imagebind/data.py: clip k starts at k · max(duration − clipDuration, 0) / clipsPerVideo.
 * The last clip therefore starts before the end of the video minus one clip length.
 */
export function clipTimepoints(duration: number, clipDuration: number, clipsPerVideo: number): ClipTimes[] {
  const cd = fromDouble(clipDuration);
  // `video_duration - Fraction(clip_duration)` is float arithmetic in Python (float - Fraction → float).
  const maxStart = fromDouble(Math.max(duration - ratioToDouble(cd.n, cd.d), 0));
  const out: ClipTimes[] = [];
  for (let k = 0; k < clipsPerVideo; k++) {
    const s = q(maxStart.n * BigInt(k), maxStart.d * BigInt(clipsPerVideo));
    const e = q(s.n * cd.d + cd.n * s.d, s.d * cd.d);
    out.push({ start: ratioToDouble(s.n, s.d), end: ratioToDouble(e.n, e.d) });
  }
  return out;
}

/** decord `get_clip`: frames ceil(fps·start) .. ceil(fps·end) − 1, capped at the frame count. */
export function clipFrameRange(clip: ClipTimes, fps: number, frameCount: number): { first: number; count: number } {
  const first = Math.ceil(fps * clip.start);
  const end = Math.min(Math.ceil(fps * clip.end), frameCount);
  return { first, count: Math.max(end - first, 0) };
}

const f32 = Math.fround;

/**
 * `UniformTemporalSubsample(n)`: `torch.linspace(0, t-1, n)` in float32, clamped, then `.long()`
 * (truncation). torch's linspace fills the first half forward from `start` and the second half
 * backward from `end`, which this mirrors so the rounding matches.
 */
export function uniformTemporalIndices(t: number, n: number): number[] {
  if (n === 1) return [0];
  const start = 0;
  const end = f32(t - 1);
  const step = f32((end - start) / (n - 1));
  const half = Math.floor(n / 2);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = i < half ? f32(start + f32(step * i)) : f32(end - f32(step * (n - i - 1)));
    out.push(Math.trunc(Math.min(Math.max(v, 0), t - 1)));
  }
  return out;
}

export interface ClipPlan extends ClipTimes {
  /** Absolute frame indices (decode order = presentation order) feeding this clip. */
  frames: number[];
}

/** The full temporal plan for one video: for each clip, the frames that reach the model. */
export function planClips(
  frameCount: number,
  fps: number,
  clipDuration: number,
  clipsPerVideo: number,
  framesPerClip: number,
): ClipPlan[] {
  const duration = frameCount / fps;
  return clipTimepoints(duration, clipDuration, clipsPerVideo).map((c) => {
    const { first, count } = clipFrameRange(c, fps, frameCount);
    const frames = count > 0 ? uniformTemporalIndices(count, framesPerClip).map((i) => first + i) : [];
    return { ...c, frames };
  });
}
