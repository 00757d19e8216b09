/**
 * A deflated zip entry inflated once, in a stream, to an anonymous temporary file: the file is
 * unlinked as soon as it is open (on POSIX the data lives until the handle closes, so nothing is
 * left behind even if the process dies), and reads come from it by offset. Memory stays at the
 * stream's buffers whatever the entry's size; the inflated size must match the directory's.
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createInflateRaw } from 'node:zlib';
import { checkpointError, REDOWNLOAD } from './fail.ts';
import type { RandomAccessFile } from './file.ts';
import type { ZipEntry } from './zip.ts';

export interface Spill {
  read(start: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

const CHUNK = 4 * 1024 * 1024;

export async function spillInflated(file: RandomAccessFile, entry: ZipEntry, dataOffset: number): Promise<Spill> {
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-zip-'));
  let fh: FileHandle | undefined;
  let leftover: string | undefined = dir;
  try {
    fh = await open(join(dir, 'entry'), 'w+');
    // Unlinked now where the OS allows it (POSIX); elsewhere removed at close().
    leftover = await rm(dir, { recursive: true, force: true }).then(
      () => undefined,
      () => dir,
    );
    const out = fh;
    let written = 0;
    const compressed = Readable.from(
      (async function* () {
        for (let at = 0; at < entry.compressedSize; at += CHUNK) {
          const n = Math.min(CHUNK, entry.compressedSize - at);
          yield await file.read(dataOffset + at, n, `zip entry '${entry.name}'`);
        }
      })(),
    );
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        if (written + chunk.length > entry.size) {
          done(
            checkpointError(
              'ZIP_CORRUPT',
              file.path,
              `zip entry '${entry.name}' inflates to more than the ${entry.size} bytes recorded`,
              REDOWNLOAD,
            ),
          );
          return;
        }
        out.write(chunk, 0, chunk.length, written).then(() => done(), done);
        written += chunk.length;
      },
    });
    try {
      await pipeline(compressed, createInflateRaw(), sink);
    } catch (e) {
      if (e instanceof Error && e.name === 'CheckpointError') throw e;
      throw checkpointError(
        'ZIP_CORRUPT',
        file.path,
        `zip entry '${entry.name}' does not inflate (${(e as Error).message})`,
        REDOWNLOAD,
        e,
      );
    }
    if (written !== entry.size) {
      throw checkpointError(
        'ZIP_CORRUPT',
        file.path,
        `zip entry '${entry.name}' inflates to ${written} bytes, not the ${entry.size} recorded`,
        REDOWNLOAD,
      );
    }
  } catch (e) {
    await fh?.close();
    if (leftover) await rm(leftover, { recursive: true, force: true });
    throw e;
  }
  const handle = fh;
  const dirLeft = leftover;
  return {
    async read(start, length) {
      const buf = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(buf, done, Math.min(length - done, 1 << 30), start + done);
        if (bytesRead === 0)
          throw checkpointError('ZIP_CORRUPT', file.path, `inflated zip entry '${entry.name}' ended early`);
        done += bytesRead;
      }
      return buf;
    },
    async close() {
      await handle.close();
      if (dirLeft) await rm(dirLeft, { recursive: true, force: true });
    },
  };
}
