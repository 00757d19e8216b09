/** Storage transforms for reduced-precision model directories (see `WeightTransform`). */
import { floatToHalf } from '../core/tensor.ts';

export function toHalf(w: Float32Array): Uint16Array {
  const out = new Uint16Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = floatToHalf(w[i]);
  return out;
}

/**
 * Symmetric per-output-channel int8 for a Linear weight [out, in]: scale_o = max|W_o| / 127,
 * q = round(W / scale) stored transposed as [in, out], the layout MatMul's B input wants.
 */
export function quantizePerChannel(
  w: Float32Array,
  outDim: number,
  inDim: number,
): { q: Int8Array; scale: Float32Array } {
  const q = new Int8Array(outDim * inDim);
  const scale = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let max = 0;
    for (let i = 0; i < inDim; i++) max = Math.max(max, Math.abs(w[o * inDim + i]));
    const s = max > 0 ? max / 127 : 1;
    scale[o] = s;
    for (let i = 0; i < inDim; i++) q[i * outDim + o] = Math.max(-127, Math.min(127, Math.round(w[o * inDim + i] / s)));
  }
  return { q, scale };
}
