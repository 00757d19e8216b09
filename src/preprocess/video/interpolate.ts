/**
 * `torch.nn.functional.interpolate(x, size, mode="bilinear", align_corners=False)` on float32,
 * without antialiasing, as the CPU kernel of torch 1.13 computes it (aten/src/ATen/native/cpu/
 * UpSampleKernel.cpp with UpSample.h: `area_pixel_compute_scale`,
 * `compute_source_index_and_lambda`, and the separable two-tap `Interpolate` evaluation).
 *
 * Every arithmetic step is rounded to float32 (`Math.fround`) in the kernel's order, so results
 * match torch bit for bit except where the compiler fused a multiply-add (≤ 1 ulp).
 */

const f32 = Math.fround;

export interface AxisTaps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

/** Source taps and weights for one axis (`compute_source_index_and_lambda`). */
export function linearTaps(inSize: number, outSize: number): AxisTaps {
  const taps: AxisTaps = {
    i0: new Int32Array(outSize),
    i1: new Int32Array(outSize),
    w0: new Float32Array(outSize),
    w1: new Float32Array(outSize),
  };
  if (inSize === outSize) {
    // torch short-circuits equal sizes to a copy: weight 1 on the same index.
    for (let o = 0; o < outSize; o++) {
      taps.i0[o] = o;
      taps.i1[o] = o;
      taps.w0[o] = 1;
      taps.w1[o] = 0;
    }
    return taps;
  }
  const scale = f32(inSize / outSize);
  for (let o = 0; o < outSize; o++) {
    // `scale * (dst_index + 0.5) - 0.5` promotes to double in torch 1.13, then stores a float.
    let src = f32(scale * (o + 0.5) - 0.5);
    if (src < 0) src = 0;
    const i0 = Math.trunc(src);
    const lambda1 = f32(src - i0);
    taps.i0[o] = i0;
    taps.i1[o] = i0 < inSize - 1 ? i0 + 1 : i0;
    taps.w1[o] = lambda1;
    taps.w0[o] = f32(1 - lambda1);
  }
  return taps;
}

/**
 * Resizes one H×W float32 plane. `rows`/`cols` may be shared across planes of the same size
 * (they only depend on the sizes), which is why they are parameters.
 */
export function resizePlane(
  src: Float32Array,
  srcOffset: number,
  inW: number,
  rows: AxisTaps,
  cols: AxisTaps,
  dst: Float32Array,
  dstOffset: number,
): void {
  const outH = rows.i0.length;
  const outW = cols.i0.length;
  for (let y = 0; y < outH; y++) {
    const r0 = srcOffset + rows.i0[y] * inW;
    const r1 = srcOffset + rows.i1[y] * inW;
    const h0 = rows.w0[y];
    const h1 = rows.w1[y];
    const base = dstOffset + y * outW;
    for (let x = 0; x < outW; x++) {
      const c0 = cols.i0[x];
      const c1 = cols.i1[x];
      const w0 = cols.w0[x];
      const w1 = cols.w1[x];
      const t0 = f32(f32(src[r0 + c0] * w0) + f32(src[r0 + c1] * w1));
      const t1 = f32(f32(src[r1 + c0] * w0) + f32(src[r1 + c1] * w1));
      dst[base + x] = f32(t0 * h0) + f32(t1 * h1);
    }
  }
}

/** Convenience form: resizes `planes` consecutive H×W planes (N·C of an NCHW tensor). */
export function interpolateBilinear(
  src: Float32Array,
  planes: number,
  inH: number,
  inW: number,
  outH: number,
  outW: number,
): Float32Array {
  const rows = linearTaps(inH, outH);
  const cols = linearTaps(inW, outW);
  const dst = new Float32Array(planes * outH * outW);
  for (let p = 0; p < planes; p++) resizePlane(src, p * inH * inW, inW, rows, cols, dst, p * outH * outW);
  return dst;
}
