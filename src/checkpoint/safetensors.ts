/**
 * Safetensors reader: an 8-byte little-endian header length, a JSON header mapping names to
 * {dtype, shape, data_offsets}, then the raw bytes. Only the header is read at open.
 */
import { DTYPE_SIZE } from './dtypes.ts';
import { checkpointError, REDOWNLOAD } from './fail.ts';
import type { RandomAccessFile } from './file.ts';
import { IndexedReader } from './reader-base.ts';
import type { StoredDType, TensorInfo } from './types.ts';

/** The same bound the reference implementation uses; a bigger header is not a real checkpoint. */
export const MAX_HEADER = 100_000_000;

export const SAFETENSORS_DTYPES: Readonly<Record<string, StoredDType>> = {
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};

interface SafeTensor extends TensorInfo {
  /** Absolute file offsets. */
  readonly begin: number;
  readonly end: number;
}

export class SafetensorsReader extends IndexedReader<SafeTensor> {
  readonly format = 'safetensors';

  private constructor(
    file: RandomAccessFile,
    index: Map<string, SafeTensor>,
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    super(file, index);
  }

  static async open(file: RandomAccessFile): Promise<SafetensorsReader> {
    const bad = (problem: string): never => {
      throw checkpointError('SAFETENSORS_INVALID', file.path, `not a valid safetensors file: ${problem}`, REDOWNLOAD);
    };
    if (file.size < 8) bad(`only ${file.size} bytes`);
    const headerLength = new DataView((await file.read(0, 8, 'the safetensors header length')).buffer).getBigUint64(
      0,
      true,
    );
    if (headerLength > BigInt(MAX_HEADER)) bad(`the header claims ${headerLength} bytes (the limit is ${MAX_HEADER})`);
    const n = Number(headerLength);
    if (8 + n > file.size) bad(`the header claims ${n} bytes but the file has only ${file.size - 8} after the length`);
    let header: unknown;
    try {
      header = JSON.parse(
        new TextDecoder('utf-8', { fatal: true }).decode(await file.read(8, n, 'the safetensors header')),
      );
    } catch (e) {
      return bad(`the header is not valid JSON (${(e as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      return bad('the header is not a JSON object');
    const dataStart = 8 + n;
    const metadata: Record<string, string> = {};
    const tensors: SafeTensor[] = [];
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (typeof value !== 'object' || value === null) bad('__metadata__ is not an object');
        for (const [k, v] of Object.entries(value as Record<string, unknown>))
          if (typeof v === 'string') metadata[k] = v;
        continue;
      }
      tensors.push(parseEntry(name, value, dataStart, file, bad));
    }
    // Header key order is not meaningful in JSON (and JS reorders integer-like keys), so list by position.
    tensors.sort((a, b) => a.begin - b.begin);
    return new SafetensorsReader(file, new Map(tensors.map((t) => [t.name, t])), metadata);
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const t = this.entry(name);
    return this.file.read(t.begin, t.end - t.begin, `tensor '${name}'`);
  }
}

function parseEntry(
  name: string,
  value: unknown,
  dataStart: number,
  file: RandomAccessFile,
  bad: (p: string) => never,
): SafeTensor {
  if (typeof value !== 'object' || value === null) bad(`entry '${name}' is not an object`);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  const stored =
    typeof dtype === 'string' && Object.hasOwn(SAFETENSORS_DTYPES, dtype) ? SAFETENSORS_DTYPES[dtype] : undefined;
  if (!stored)
    return bad(
      `tensor '${name}' has unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')})`,
    );
  const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
  if (!Array.isArray(shape) || shape.length > 64 || !shape.every(isIndex))
    return bad(`tensor '${name}' has a bad shape ${JSON.stringify(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex) || offsets[0] > offsets[1]) {
    return bad(`tensor '${name}' has bad data_offsets ${JSON.stringify(offsets)}`);
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  const length = offsets[1] - offsets[0];
  if (count * DTYPE_SIZE[stored] !== length)
    bad(
      `tensor '${name}' has ${length} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${count * DTYPE_SIZE[stored]}`,
    );
  const begin = dataStart + offsets[0];
  const end = dataStart + offsets[1];
  if (end > file.size) {
    throw checkpointError(
      'FILE_TRUNCATED',
      file.path,
      `tensor '${name}' (bytes ${begin}..${end}) lies beyond the end of the file (${file.size} bytes)`,
      REDOWNLOAD,
    );
  }
  return { name, dtype: stored, shape: shape as number[], begin, end };
}
