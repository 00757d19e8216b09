/**
 * NumPy `.npy` (format 1.0–3.0) reader and writer. Only little-endian, C-ordered arrays of the
 * dtypes in `DType` are accepted; anything else is a `MediaError` that names the file.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { MediaError } from './errors.ts';
import { type DType, type Tensor, numel, tensor, type TypedArrayByDType } from './tensor.ts';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

const DESCR_TO_DTYPE: Record<string, DType> = {
  '<f4': 'float32',
  '<f8': 'float64',
  '<i8': 'int64',
  '<i4': 'int32',
  '<i2': 'int16',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '<f2': 'float16',
};
const DTYPE_TO_DESCR: Record<DType, string> = {
  float32: '<f4',
  float64: '<f8',
  int64: '<i8',
  int32: '<i4',
  int16: '<i2',
  uint8: '|u1',
  float16: '<f2',
};
const BYTES: Record<DType, number> = { float32: 4, float64: 8, int64: 8, int32: 4, int16: 2, uint8: 1, float16: 2 };

function makeArray(dtype: DType, bytes: Uint8Array, count: number): TypedArrayByDType[DType] {
  // Copy into a fresh, aligned buffer: the header length does not guarantee alignment.
  const copy = new Uint8Array(count * BYTES[dtype]);
  copy.set(bytes.subarray(0, copy.length));
  const buf = copy.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'uint8':
      return new Uint8Array(buf);
    case 'float16':
      return new Uint16Array(buf);
  }
}

/** Parses `.npy` bytes. `source` names the file in error messages. */
export function parseNpy(bytes: Uint8Array, source = '<buffer>'): Tensor {
  const fail = (what: string): never => {
    throw new MediaError(
      'NPY_INVALID',
      `${source}: not a readable .npy file: ${what}. Save it with numpy.save (little-endian, C order).`,
    );
  };
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) fail('missing the \\x93NUMPY magic');
  const major = bytes[6];
  let headerLen: number;
  let offset: number;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    offset = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail('truncated header');
    headerLen = view.getUint32(8, true);
    offset = 12;
  } else return fail(`unsupported format version ${major}`);
  if (offset + headerLen > bytes.length) fail('header runs past the end of the file (truncated?)');
  const header = new TextDecoder().decode(bytes.subarray(offset, offset + headerLen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined)
    return fail(`malformed header ${JSON.stringify(header.trim())}`);
  const dtype = DESCR_TO_DTYPE[descr];
  if (!dtype)
    return fail(
      `dtype '${descr}' is not supported (use float32, float64, int64, int32, int16, uint8 or float16, little-endian)`,
    );
  if (fortran === 'True') fail('Fortran-ordered arrays are not supported (use np.ascontiguousarray)');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) fail(`bad shape (${shapeText})`);
  const count = numel(shape);
  const dataStart = offset + headerLen;
  const need = count * BYTES[dtype];
  if (bytes.length - dataStart < need) {
    fail(
      `data is truncated: shape (${shape.join(', ')}) ${dtype} needs ${need} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  return tensor(dtype, shape, makeArray(dtype, bytes.subarray(dataStart), count));
}

export async function readNpy(path: string): Promise<Tensor> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new MediaError('FILE_UNREADABLE', `${path}: cannot read file (${(e as Error).message}).`, { cause: e });
  }
  return parseNpy(bytes, path);
}

export function encodeNpy(t: Tensor): Uint8Array {
  const shapeText = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${DTYPE_TO_DESCR[t.dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const data = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  const out = new Uint8Array(10 + headerBytes.length + data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerBytes.length, true);
  out.set(headerBytes, 10);
  out.set(data, 10 + headerBytes.length);
  return out;
}

/** Writes atomically (temp file + rename), so a crash never leaves a half-written `.npy`. */
export async function writeNpy(path: string, t: Tensor): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, encodeNpy(t));
  await rename(tmp, path);
}
