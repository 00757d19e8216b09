/**
 * PyTorch's zip checkpoint format (torch >= 1.6 `torch.save`): `<prefix>/data.pkl` describes the
 * objects, `<prefix>/data/<key>` holds each storage's raw little-endian bytes. The pickle is read
 * once at open; tensor bytes are read by offset when asked for.
 */
import { DTYPE_SIZE } from './dtypes.ts';
import { checkpointError, REDOWNLOAD } from './fail.ts';
import type { RandomAccessFile } from './file.ts';
import { type PickleLimits, unpickle } from './pickle.ts';
import { CheckpointError } from '../core/errors.ts';
import { type Limits, limitError, limitValue } from '../core/limits.ts';
import type { TensorRef } from './pickle-values.ts';
import { IndexedReader } from './reader-base.ts';
import { findStateDict } from './state-dict.ts';
import { gather, isContiguous, viewSpan } from './strided.ts';
import type { TensorInfo } from './types.ts';
import { ZipArchive, type ZipEntry } from './zip.ts';

/** One materialised tensor must fit a single ArrayBuffer. */
const MAX_TENSOR_BYTES = 2 ** 32;

/** The budgets a .pth is read under (core/limits.ts). */
export type CheckpointLimits = PickleLimits & Pick<Limits, 'maxPickleBytes' | 'maxInflateInMemory'>;

interface PthTensor extends TensorInfo {
  readonly ref: TensorRef;
  readonly entry: ZipEntry;
}

function findPickle(zip: ZipArchive): ZipEntry {
  // The folder name is the file stem at save time ("archive", "imagebind_huge", ...).
  const candidates = [...zip.entries.values()].filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (candidates.length !== 1) {
    const problem =
      candidates.length === 0
        ? 'is a zip archive without a <folder>/data.pkl entry, so it is not a PyTorch checkpoint'
        : `has ${candidates.length} data.pkl entries (${candidates.map((c) => c.name).join(', ')})`;
    throw checkpointError(
      'PTH_NO_PICKLE',
      zip.file.path,
      problem,
      'Save the checkpoint with torch.save(model.state_dict(), path).',
    );
  }
  return candidates[0];
}

export class PthReader extends IndexedReader<PthTensor> {
  readonly format = 'pth';

  private constructor(
    file: RandomAccessFile,
    index: Map<string, PthTensor>,
    private readonly zip: ZipArchive,
  ) {
    super(file, index);
  }

  static async open(file: RandomAccessFile, limits: CheckpointLimits = {}): Promise<PthReader> {
    const zip = await ZipArchive.open(file, limits);
    const pkl = findPickle(zip);
    const prefix = pkl.name.slice(0, -'data.pkl'.length);
    const byteorder = zip.entries.get(`${prefix}byteorder`);
    if (byteorder) {
      const order = new TextDecoder().decode(await zip.readAll(byteorder)).trim();
      if (order !== 'little') {
        throw checkpointError(
          'PTH_UNSUPPORTED',
          file.path,
          `stores tensors in '${order}' byte order`,
          'Re-save it with torch.save on a little-endian machine.',
        );
      }
    }
    const maxPickle = limitValue('maxPickleBytes', limits.maxPickleBytes);
    if (pkl.size > maxPickle) {
      throw limitError(
        CheckpointError,
        'maxPickleBytes',
        `${file.path}: data.pkl`,
        pkl.size,
        maxPickle,
        'Save only model.state_dict().',
      );
    }
    const tensors = findStateDict(unpickle(await zip.readAll(pkl), file.path, limits), file.path);
    const index = new Map<string, PthTensor>();
    for (const [name, ref] of tensors) {
      const entry = zip.entries.get(`${prefix}data/${ref.storage.key}`);
      if (!entry) {
        throw checkpointError(
          'PTH_STORAGE_MISSING',
          file.path,
          `tensor '${name}' refers to storage '${ref.storage.key}', but the archive has no entry ${prefix}data/${ref.storage.key}`,
          REDOWNLOAD,
        );
      }
      checkView(file.path, name, ref, entry);
      index.set(name, { name, dtype: ref.storage.dtype, shape: ref.shape, ref, entry });
    }
    return new PthReader(file, index, zip);
  }

  override async close(): Promise<void> {
    await this.zip.close();
    await super.close();
  }

  async readRaw(name: string): Promise<Uint8Array> {
    const { ref, entry, dtype } = this.entry(name);
    const size = DTYPE_SIZE[dtype];
    const view = { shape: ref.shape, stride: ref.stride, offset: ref.storageOffset };
    const span = viewSpan(view);
    if (span.count === 0) return new Uint8Array(0);
    const bytes = await this.zip.readRange(entry, span.first * size, (span.end - span.first) * size);
    if (isContiguous(view)) return bytes;
    return gather(bytes, size, view, span.count);
  }
}

/** Checked at open, so a bad view fails early with the tensor's name rather than at first read. */
function checkView(path: string, name: string, ref: TensorRef, entry: ZipEntry): void {
  const size = DTYPE_SIZE[ref.storage.dtype];
  const span = viewSpan({ shape: ref.shape, stride: ref.stride, offset: ref.storageOffset });
  const bad = (problem: string): never => {
    throw checkpointError('PTH_BAD_TENSOR', path, `tensor '${name}' ${problem}`, REDOWNLOAD);
  };
  if (span.count === 0) return;
  if (span.count * size > MAX_TENSOR_BYTES) bad(`has ${span.count} elements, too many to materialise`);
  if (span.end > ref.storage.numel) {
    bad(`reads storage elements up to ${span.end}, but its storage '${ref.storage.key}' has ${ref.storage.numel}`);
  }
  if (span.end * size > entry.size) {
    bad(`needs ${span.end * size} bytes of storage '${ref.storage.key}', but the entry has ${entry.size}`);
  }
}
