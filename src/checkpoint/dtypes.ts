/**
 * Element sizes and the conversions behind `readFloat32` / `readInt64`. Input is contiguous
 * little-endian bytes of the stored dtype; it is copied into an aligned buffer first because a
 * zip entry's data can start at any byte offset.
 */
import { checkpointError } from './fail.ts';
import type { StoredDType } from './types.ts';

export const DTYPE_SIZE: Readonly<Record<StoredDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

function aligned(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset % 8 === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes.buffer as ArrayBuffer;
  return bytes.slice().buffer as ArrayBuffer;
}

function halfToFloat(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/** Converts contiguous stored bytes to float32; integer types are allowed only where exact. */
export function toFloat32(bytes: Uint8Array, dtype: StoredDType, file: string, name: string): Float32Array {
  const buf = aligned(bytes);
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return Float32Array.from(new Float64Array(buf));
    case 'float16':
      return Float32Array.from(new Uint16Array(buf), halfToFloat);
    case 'bfloat16': {
      // bfloat16 is the top half of a float32: widening is a 16-bit shift, exact.
      const src = new Uint16Array(buf);
      const out = new Uint32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = src[i] << 16;
      return new Float32Array(out.buffer);
    }
    case 'int16':
      return Float32Array.from(new Int16Array(buf));
    case 'int8':
      return Float32Array.from(new Int8Array(buf));
    case 'uint8':
    case 'bool':
      return Float32Array.from(new Uint8Array(buf));
    default:
      throw checkpointError(
        'DTYPE_MISMATCH',
        file,
        `tensor '${name}' is ${dtype}, which does not convert to float32 exactly`,
        'Read it with readInt64.',
      );
  }
}

/** Converts contiguous stored bytes of an integer/bool dtype to int64. */
export function toInt64(bytes: Uint8Array, dtype: StoredDType, file: string, name: string): BigInt64Array {
  const buf = aligned(bytes);
  const widen = (src: ArrayLike<number>): BigInt64Array => {
    const out = new BigInt64Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = BigInt(src[i]);
    return out;
  };
  switch (dtype) {
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return widen(new Int32Array(buf));
    case 'int16':
      return widen(new Int16Array(buf));
    case 'int8':
      return widen(new Int8Array(buf));
    case 'uint8':
    case 'bool':
      return widen(new Uint8Array(buf));
    default:
      throw checkpointError(
        'DTYPE_MISMATCH',
        file,
        `tensor '${name}' is ${dtype}, not an integer type`,
        'Read it with readFloat32.',
      );
  }
}
