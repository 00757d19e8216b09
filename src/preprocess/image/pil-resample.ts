/**
 * Pillow's `Image.resize(size, Image.BICUBIC)` (libImaging/Resample.c, Pillow 9.4), reproduced
 * bit for bit: separable, antialiased (the kernel support widens by the downscale factor),
 * horizontal pass first, then vertical. The 8-bit path quantises the normalised weights to
 * 22-bit fixed point and rounds+clamps to uint8 after *each* pass, so the intermediate image is
 * uint8 too; that rounding is why a float implementation cannot match Pillow exactly.
 */

/** Fixed-point fraction bits Pillow uses for 8-bit images: 32 - 8 (value) - 2 (overshoot headroom). */
const PRECISION_BITS = 22;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

/** Keys cubic convolution with a = -0.5 (Pillow's choice; torch's interpolate uses -0.75). */
function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
const SUPPORT = 2;

/** Per output sample: first input index, tap count, and `ksize` weights (double). */
export interface Coeffs {
  ksize: number;
  start: Int32Array;
  count: Int32Array;
  weights: Float64Array;
}

/** Pillow's precompute_coeffs for the box [0, inSize) → outSize (no sub-box cropping needed here). */
export function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Float64Array(outSize * ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero; both operands here can be negative near the edge.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let ww = 0;
    const off = xx * ksize;
    for (let x = 0; x < xmax; x++) {
      const w = bicubic((x + xmin - center + 0.5) * ss);
      weights[off + x] = w;
      ww += w;
    }
    if (ww !== 0) for (let x = 0; x < xmax; x++) weights[off + x] /= ww;
    start[xx] = xmin;
    count[xx] = Math.max(0, xmax);
  }
  return { ksize, start, count, weights };
}

/** normalize_coeffs_8bpc: round half away from zero into 22-bit fixed point. */
function toFixed(weights: Float64Array): Int32Array {
  const out = new Int32Array(weights.length);
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] * ONE;
    out[i] = w < 0 ? Math.trunc(w - 0.5) : Math.trunc(w + 0.5);
  }
  return out;
}

/** clip8: arithmetic shift (floor) then clamp, as Pillow's lookup table does. */
function clip8(ss: number): number {
  if (ss <= 0) return 0;
  if (ss >= 255 * ONE + ONE) return 255;
  return ss >> PRECISION_BITS;
}

/**
 * Resizes interleaved uint8 pixels (`channels` per pixel, row-major) exactly like Pillow's
 * BICUBIC resize of an 8-bit image of that many bands. Returns a new buffer of outW*outH*channels.
 */
export function resizeBicubicPIL(
  src: Uint8Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
  channels: number,
): Uint8Array {
  checkDims(src.length, w, h, outW, outH, channels);
  if (w === outW && h === outH) return src.slice();
  const cv = precomputeCoeffs(h, outH);
  // Pillow only runs the horizontal pass over the rows the vertical pass will read.
  const yFirst = cv.start[0];
  const yLast = cv.start[outH - 1] + cv.count[outH - 1];
  let img = src;
  let rows0 = 0; // offset of img's first row in source coordinates
  let curW = w;
  if (outW !== w) {
    const ch = precomputeCoeffs(w, outW);
    const k = toFixed(ch.weights);
    const rows = outH !== h ? yLast - yFirst : h;
    rows0 = outH !== h ? yFirst : 0;
    const tmp = new Uint8Array(outW * rows * channels);
    for (let y = 0; y < rows; y++) {
      const inRow = (y + rows0) * w * channels;
      const outRow = y * outW * channels;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = ch.start[xx],
          n = ch.count[xx],
          ko = xx * ch.ksize;
        for (let c = 0; c < channels; c++) {
          let ss = HALF;
          for (let x = 0; x < n; x++) ss += src[inRow + (xmin + x) * channels + c] * k[ko + x];
          tmp[outRow + xx * channels + c] = clip8(ss);
        }
      }
    }
    img = tmp;
    curW = outW;
  }
  if (outH === h) return img;
  const k = toFixed(cv.weights);
  const out = new Uint8Array(outW * outH * channels);
  const stride = curW * channels;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = cv.start[yy] - rows0,
      n = cv.count[yy],
      ko = yy * cv.ksize;
    const outRow = yy * stride;
    for (let i = 0; i < stride; i++) {
      let ss = HALF;
      for (let y = 0; y < n; y++) ss += img[(ymin + y) * stride + i] * k[ko + y];
      out[outRow + i] = clip8(ss);
    }
  }
  return out;
}

/**
 * Pillow's resize of a mode "F" (float32) image: same weights, accumulated in double, each pass
 * stored as float32 with no rounding to integers and no clamping. Single channel.
 */
export function resizeBicubicPILFloat(
  src: Float32Array,
  w: number,
  h: number,
  outW: number,
  outH: number,
): Float32Array {
  checkDims(src.length, w, h, outW, outH, 1);
  if (w === outW && h === outH) return src.slice();
  let img = src;
  if (outW !== w) {
    const ch = precomputeCoeffs(w, outW);
    const tmp = new Float32Array(outW * h);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const xmin = ch.start[xx],
          n = ch.count[xx],
          ko = xx * ch.ksize;
        let ss = 0;
        for (let x = 0; x < n; x++) ss += src[y * w + xmin + x] * ch.weights[ko + x];
        tmp[y * outW + xx] = ss;
      }
    }
    img = tmp;
  }
  if (outH === h) return img;
  const cv = precomputeCoeffs(h, outH);
  const out = new Float32Array(outW * outH);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = cv.start[yy],
      n = cv.count[yy],
      ko = yy * cv.ksize;
    for (let xx = 0; xx < outW; xx++) {
      let ss = 0;
      for (let y = 0; y < n; y++) ss += img[(ymin + y) * outW + xx] * cv.weights[ko + y];
      out[yy * outW + xx] = ss;
    }
  }
  return out;
}

function checkDims(len: number, w: number, h: number, outW: number, outH: number, channels: number): void {
  for (const [name, v] of [
    ['w', w],
    ['h', h],
    ['outW', outW],
    ['outH', outH],
    ['channels', channels],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`resize: ${name} must be a positive integer, got ${v}`);
  }
  if (len !== w * h * channels)
    throw new RangeError(`resize: buffer has ${len} values, ${w}x${h}x${channels} needs ${w * h * channels}`);
}
