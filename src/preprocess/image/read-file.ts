/** Reading an input file whole, with missing and unreadable files as distinct `MediaError`s (Node). */
import { readFile } from 'node:fs/promises';
import { mediaError } from './errors.ts';

/** Reads a whole file; missing and unreadable files become distinct `MediaError`s. */
export async function readInputFile(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw mediaError(
        'FILE_NOT_FOUND',
        path,
        'file not found',
        'Check the path (relative paths resolve from the current directory).',
        e,
      );
    }
    if (code === 'EISDIR')
      throw mediaError('FILE_UNREADABLE', path, 'is a directory, not a file', 'Pass the path of an image file.', e);
    throw mediaError(
      'FILE_UNREADABLE',
      path,
      `cannot read file (${(e as Error).message})`,
      'Check permissions and that the file is not locked.',
      e,
    );
  }
}
