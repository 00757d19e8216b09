/** The dtypes that cross module boundaries: model inputs/outputs and preprocessed data. */
export type DType = 'float32' | 'int64' | 'uint8' | 'float64' | 'int32' | 'int16' | 'float16';

export interface TypedArrayByDType {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  int16: Int16Array;
  uint8: Uint8Array;
  /** Raw IEEE half bits; convert with `halfToFloat` before arithmetic. */
  float16: Uint16Array;
}

/** A dense, C-ordered tensor: data plus shape. */
export interface Tensor<D extends DType = DType> {
  readonly dtype: D;
  readonly shape: readonly number[];
  readonly data: TypedArrayByDType[D];
}

export type Float32Tensor = Tensor<'float32'>;
export type Int64Tensor = Tensor<'int64'>;

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function tensor<D extends DType>(dtype: D, shape: readonly number[], data: TypedArrayByDType[D]): Tensor<D> {
  if (data.length !== numel(shape)) {
    throw new RangeError(
      `tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${numel(shape)}`,
    );
  }
  return { dtype, shape: [...shape], data };
}

export function float32(shape: readonly number[], data?: Float32Array): Float32Tensor {
  return tensor('float32', shape, data ?? new Float32Array(numel(shape)));
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/** Stacks equally shaped tensors along a new leading axis. */
export function stack<D extends DType>(items: readonly Tensor<D>[]): Tensor<D> {
  if (items.length === 0) throw new RangeError('cannot stack zero tensors');
  const first = items[0];
  const per = numel(first.shape);
  const Ctor = first.data.constructor as new (n: number) => TypedArrayByDType[D];
  const out = new Ctor(per * items.length);
  items.forEach((t, i) => {
    if (formatShape(t.shape) !== formatShape(first.shape)) {
      throw new RangeError(`cannot stack ${formatShape(t.shape)} with ${formatShape(first.shape)}`);
    }
    (out as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(t.data as ArrayLike<unknown>, i * per);
  });
  return tensor(first.dtype, [items.length, ...first.shape], out);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function halfToFloat(h: number): number {
  const s = (h & 0x8000) >> 15;
  const e = (h & 0x7c00) >> 10;
  const f = h & 0x03ff;
  if (e === 0) return (s ? -1 : 1) * Math.pow(2, -14) * (f / 1024);
  if (e === 0x1f) return f ? NaN : s ? -Infinity : Infinity;
  return (s ? -1 : 1) * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** Round-to-nearest-even float32 → IEEE half bits. */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  let exp = ((x >>> 23) & 0xff) - 127 + 15;
  let mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - exp;
    const half = 1 << (shift - 1);
    let r = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = mant >> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      exp++;
      if (exp >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (exp << 10) | r;
}
