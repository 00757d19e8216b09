/**
 * The entry point: sniff the first bytes and hand the file to the matching lazy reader.
 */
import { endianness } from 'node:os';
import { checkpointError } from './fail.ts';
import { RandomAccessFile } from './file.ts';
import { type CheckpointLimits, PthReader } from './pth.ts';
import { SafetensorsReader } from './safetensors.ts';
import type { RawCheckpointReader } from './types.ts';

const SUPPORTED = 'Supported: PyTorch zip checkpoints (torch.save with torch >= 1.6) and .safetensors files.';

export interface OpenCheckpointOptions {
  /** Overrides of the unpickler's and zip reader's budgets (core/limits.ts; also settable by environment variables). */
  readonly limits?: CheckpointLimits;
}

/** Opens a `.pth` (zip) or `.safetensors` checkpoint; throws `CheckpointError` for anything else. */
export async function openCheckpoint(path: string, opts: OpenCheckpointOptions = {}): Promise<RawCheckpointReader> {
  const file = await RandomAccessFile.open(path);
  try {
    // Typed arrays view the file's little-endian bytes directly.
    if (endianness() !== 'LE')
      throw checkpointError(
        'HOST_UNSUPPORTED',
        path,
        'cannot be read on a big-endian machine',
        'Use a little-endian host.',
      );
    const head = await file.read(0, Math.min(file.size, 16), 'the file header');
    if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b) return await PthReader.open(file, opts.limits);
    if (head.length >= 2 && head[0] === 0x80 && head[1] >= 2 && head[1] <= 5) {
      throw checkpointError(
        'PTH_LEGACY',
        path,
        'is a legacy (pre-1.6, non-zip) pickle checkpoint, which is not supported',
        'Load it in Python and re-save it with torch>=1.6: torch.save(torch.load(path), new_path).',
      );
    }
    if (head.length >= 9 && head[8] === 0x7b /* '{' */) return await SafetensorsReader.open(file);
    throw checkpointError(
      'CHECKPOINT_UNKNOWN_FORMAT',
      path,
      file.size === 0 ? 'is empty' : 'is neither a PyTorch zip checkpoint nor a safetensors file',
      SUPPORTED,
    );
  } catch (e) {
    await file.close();
    throw e;
  }
}
