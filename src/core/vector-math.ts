/** The project's one home for vector arithmetic on embeddings. */
import { StoreError } from './errors.ts';

/**
 * Unit vector and original L2 norm. The norm is kept because ImageBind's heads end in a
 * normalisation followed by a per-modality logit scale, so the norm carries that scale.
 */
export function normalise(v: Float32Array, what: string): { unit: Float32Array; norm: number } {
  let ss = 0;
  for (let i = 0; i < v.length; i++) ss += v[i] * v[i];
  const norm = Math.sqrt(ss);
  if (!Number.isFinite(norm)) {
    throw new StoreError('STORE_BAD_VECTOR', `${what} contains NaN or Infinity; re-embed the input`);
  }
  if (norm === 0) {
    throw new StoreError('STORE_BAD_VECTOR', `${what} is all zeros, so it has no direction to search by`);
  }
  const unit = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) unit[i] = v[i] / norm;
  return { unit, norm };
}

/** Dot product accumulated in float64, so scores do not carry float32 summation error. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/**
 * `v / max(‖v‖, 1e-12)` as a new Float32Array: torch's `F.normalize`, which ImageBind's heads use, so a
 * zero vector stays zero instead of becoming NaN.
 */
export function l2normalize(v: Float32Array): Float32Array {
  const n = Math.max(Math.sqrt(dot(v, v)), 1e-12);
  return v.map((x) => x / n);
}

/** Unit-length float64 copy (for sums over many vectors); a zero vector stays zero. */
export function unit64(v: ArrayLike<number>): Float64Array {
  const out = Float64Array.from(v);
  const n = Math.max(Math.sqrt(dot(out, out)), 1e-12);
  for (let i = 0; i < out.length; i++) out[i] /= n;
  return out;
}

/** A view of a Float32Array's bytes, as SQLite BLOB parameters want. */
export function toBlob(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Copies a BLOB into a fresh, aligned Float32Array. */
export function fromBlob(b: Buffer | Uint8Array): Float32Array {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}
