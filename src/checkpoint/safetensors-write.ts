/**
 * Streaming safetensors writer. The header (names, shapes, offsets) must come first, so the
 * caller describes every tensor up front and each tensor's data is loaded only when its turn to be
 * written comes: peak memory is one tensor. Output goes to a temporary file renamed into place, so
 * a crash never leaves a half-written checkpoint under the final name.
 */
import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { DTYPE_SIZE } from './dtypes.ts';
import { checkpointError } from './fail.ts';
import { SAFETENSORS_DTYPES } from './safetensors.ts';
import type { CheckpointReader, StoredDType } from './types.ts';

export type StoredArray =
  Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

interface EntryBase {
  readonly name: string;
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
}

/**
 * A tensor to write: either its data, or a `load` that produces it when needed. Data is the
 * stored little-endian representation: float16/bfloat16 as raw 16-bit patterns (Uint16Array),
 * bool as Uint8Array of 0/1.
 */
export type SafetensorsEntry =
  | (EntryBase & { readonly data: StoredArray })
  | (EntryBase & { readonly byteLength?: number; load(): Promise<StoredArray | Uint8Array> });

const DTYPE_NAME = Object.fromEntries(Object.entries(SAFETENSORS_DTYPES).map(([k, v]) => [v, k])) as Record<
  StoredDType,
  string
>;

function byteLengthOf(e: EntryBase, path: string): number {
  let count = 1;
  for (const d of e.shape) {
    if (!Number.isSafeInteger(d) || d < 0)
      throw checkpointError(
        'SAFETENSORS_WRITE',
        path,
        `tensor '${e.name}' has a bad shape [${e.shape.join(', ')}]`,
        'Shapes must be non-negative integers.',
      );
    count *= d;
  }
  return count * DTYPE_SIZE[e.dtype];
}

/** Every tensor of `reader` as a float32 entry, read only when its turn to be written comes. */
export function float32Entries(reader: Pick<CheckpointReader, 'list' | 'readFloat32'>): SafetensorsEntry[] {
  return reader.list().map((t) => ({
    name: t.name,
    dtype: 'float32' as const,
    shape: t.shape,
    load: () => reader.readFloat32(t.name),
  }));
}

/** Writes `entries` (any iterable of descriptors) to `path` atomically. */
export async function writeSafetensors(
  path: string,
  entries: Iterable<SafetensorsEntry> | AsyncIterable<SafetensorsEntry>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  const list: SafetensorsEntry[] = [];
  for await (const e of entries) list.push(e);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = { ...metadata };
  let offset = 0;
  const lengths: number[] = [];
  for (const e of list) {
    if (e.name === '__metadata__' || Object.hasOwn(header, e.name)) {
      throw checkpointError(
        'SAFETENSORS_WRITE',
        path,
        `tensor name '${e.name}' is reserved or repeated`,
        'Give every tensor a unique name.',
      );
    }
    const length = byteLengthOf(e, path);
    if ('byteLength' in e && e.byteLength !== undefined && e.byteLength !== length) {
      throw checkpointError(
        'SAFETENSORS_WRITE',
        path,
        `tensor '${e.name}' declares ${e.byteLength} bytes but ${e.dtype} [${e.shape.join(', ')}] has ${length}`,
        'Fix the descriptor.',
      );
    }
    header[e.name] = { dtype: DTYPE_NAME[e.dtype], shape: [...e.shape], data_offsets: [offset, offset + length] };
    lengths.push(length);
    offset += length;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so tensor data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));

  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx');
  try {
    let pos = 0;
    const write = async (bytes: Uint8Array): Promise<void> => {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, pos + done);
        done += bytesWritten;
      }
      pos += bytes.length;
    };
    await write(prefix);
    await write(headerBytes);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const data = 'data' in e ? e.data : await e.load();
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      if (bytes.length !== lengths[i]) {
        throw checkpointError(
          'SAFETENSORS_WRITE',
          path,
          `tensor '${e.name}' has ${bytes.length} bytes of data but ${e.dtype} [${e.shape.join(', ')}] needs ${lengths[i]}`,
          'Pass data of the declared dtype and shape.',
        );
      }
      await write(bytes);
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
