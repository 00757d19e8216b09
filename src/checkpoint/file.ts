/**
 * Random access to a file by offset through one FileHandle. Checkpoints can be many gigabytes,
 * so nothing here ever reads a whole file; every read is bounds-checked against the size taken
 * at open time, so a truncated file fails with a clear error instead of returning short data.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { checkpointError, REDOWNLOAD } from './fail.ts';

/** Node caps one read at 2^31-1 bytes; stay well under it. */
const MAX_CHUNK = 1 << 30;

export class RandomAccessFile {
  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<RandomAccessFile> {
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (e) {
      throw checkpointError(
        'FILE_UNREADABLE',
        path,
        `cannot open the file (${(e as Error).message})`,
        'Check the path and permissions.',
        e,
      );
    }
    try {
      const st = await handle.stat();
      if (!st.isFile())
        throw checkpointError(
          'FILE_UNREADABLE',
          path,
          'is not a regular file',
          'Pass the path of a .pth or .safetensors file.',
        );
      return new RandomAccessFile(path, st.size, handle);
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  /** Reads exactly `length` bytes at `offset`; `what` names the structure for the error message. */
  async read(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset + length > this.size
    ) {
      throw checkpointError(
        'FILE_TRUNCATED',
        this.path,
        `${what} (bytes ${offset}..${offset + length}) lies beyond the end of the file (${this.size} bytes)`,
        REDOWNLOAD,
      );
    }
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const want = Math.min(MAX_CHUNK, length - done);
      const { bytesRead } = await this.handle.read(out, done, want, offset + done);
      if (bytesRead === 0) {
        throw checkpointError(
          'FILE_TRUNCATED',
          this.path,
          `${what}: the file ended early (it changed while being read?)`,
          REDOWNLOAD,
        );
      }
      done += bytesRead;
    }
    return out;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}
