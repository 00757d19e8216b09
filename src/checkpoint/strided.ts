/**
 * Materialises a strided view of a storage (a transposed weight, a slice of a shared storage)
 * as contiguous C-ordered bytes. Only the byte range the view touches is read from disk.
 */

export interface View {
  readonly shape: readonly number[];
  readonly stride: readonly number[];
  /** In elements, from the start of the storage. */
  readonly offset: number;
}

/** Elements [first, end) of the storage the view can touch; empty views touch nothing. */
export function viewSpan(v: View): { first: number; end: number; count: number } {
  let count = 1;
  let last = v.offset;
  for (let i = 0; i < v.shape.length; i++) {
    count *= v.shape[i];
    last += (v.shape[i] - 1) * v.stride[i];
  }
  if (count === 0) return { first: v.offset, end: v.offset, count: 0 };
  return { first: v.offset, end: last + 1, count };
}

/** True when the view reads `count` consecutive elements in order (size-1 dims don't matter). */
export function isContiguous(v: View): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    if (v.shape[i] === 1) continue;
    if (v.stride[i] !== expected) return false;
    expected *= v.shape[i];
  }
  return true;
}

/**
 * Gathers the view into contiguous bytes. `bytes` holds storage elements starting at
 * element `v.offset` (the span's first element).
 */
export function gather(bytes: Uint8Array, elemSize: number, v: View, count: number): Uint8Array {
  const out = new Uint8Array(count * elemSize);
  if (count === 0) return out;
  const rank = v.shape.length;
  if (rank === 0) {
    out.set(bytes.subarray(0, elemSize));
    return out;
  }
  const index = new Array<number>(rank).fill(0);
  const inner = v.shape[rank - 1];
  const innerStride = v.stride[rank - 1] * elemSize;
  let src = 0;
  let dst = 0;
  for (;;) {
    for (let j = 0, s = src; j < inner; j++, s += innerStride) {
      for (let b = 0; b < elemSize; b++) out[dst++] = bytes[s + b];
    }
    // Odometer over the outer dimensions.
    let d = rank - 2;
    for (; d >= 0; d--) {
      index[d]++;
      src += v.stride[d] * elemSize;
      if (index[d] < v.shape[d]) break;
      src -= index[d] * v.stride[d] * elemSize;
      index[d] = 0;
    }
    if (d < 0) return out;
  }
}
