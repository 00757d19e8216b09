/**
 * Bytes handed to a loader that needs a path: only the FFmpeg and sox paths (audio other than the
 * WAV that wav.ts reads, and video), since those tools read files. The bytes go to a private temp
 * file with a neutral name (the decoders sniff content, never the name), the file is removed
 * afterwards, and an error names the input as the caller named it: the temp path never leaves here.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBindError } from '../core/errors.ts';

export async function withTempInput<T>(bytes: Uint8Array, name: string, use: (path: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-in-'));
  const path = join(dir, 'input.bin');
  try {
    await writeFile(path, bytes);
    return await use(path);
  } catch (e) {
    throw renamed(e, [path, dir], name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same error with every mention of `paths` replaced by `name` (class and code kept). */
function renamed(e: unknown, paths: readonly string[], name: string): unknown {
  const scrub = (m: string) => paths.reduce((acc, p) => acc.split(p).join(name), m);
  if (e instanceof ImageBindError) {
    return new (e.constructor as new (code: string, message: string) => ImageBindError)(e.code, scrub(e.message));
  }
  return new Error(scrub(e instanceof Error ? e.message : String(e)));
}
