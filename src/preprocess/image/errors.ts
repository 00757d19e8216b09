/**
 * File reading and error wording shared by the image, depth and thermal loaders, so every failure
 * is a `MediaError` whose message names the file, the problem and the fix.
 */
import { readFile } from 'node:fs/promises';
import { MediaError } from '../../core/errors.ts';

/** Stable codes for image-like inputs (the server maps codes, so do not rename). */
export type MediaErrorCode =
  | 'FILE_NOT_FOUND' | 'FILE_UNREADABLE' | 'IMAGE_EMPTY' | 'IMAGE_UNSUPPORTED_FORMAT'
  | 'IMAGE_TRUNCATED' | 'IMAGE_CORRUPT' | 'IMAGE_DECODE_FAILED' | 'DEPTH_INVALID' | 'THERMAL_INVALID';

export function mediaError(code: MediaErrorCode, source: string, problem: string, fix: string, cause?: unknown): MediaError {
  return new MediaError(code, `${source}: ${problem}. ${fix}`, cause === undefined ? undefined : { cause });
}

/** Reads a whole file; missing and unreadable files become distinct `MediaError`s. */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw mediaError('FILE_NOT_FOUND', path, 'file not found', 'Check the path (relative paths resolve from the current directory).', e);
    }
    if (code === 'EISDIR') throw mediaError('FILE_UNREADABLE', path, 'is a directory, not a file', 'Pass the path of an image file.', e);
    throw mediaError('FILE_UNREADABLE', path, `cannot read file (${(e as Error).message})`, 'Check permissions and that the file is not locked.', e);
  }
}
