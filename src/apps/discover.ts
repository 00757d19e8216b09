/** Recursive discovery of indexable media files under the given roots, in a stable order. */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MediaError } from '../core/errors.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import { type KindOverrides, detectKind } from './media-kind.ts';

export interface FoundFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly size: number;
  readonly mtime: number;
}

export async function discoverFiles(roots: readonly string[], overrides?: KindOverrides): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  const seen = new Set<string>();
  async function visit(path: string): Promise<void> {
    const s = await stat(path);
    if (s.isDirectory()) {
      const names = (await readdir(path)).filter((n) => !n.startsWith('.')).sort();
      for (const n of names) await visit(join(path, n));
      return;
    }
    if (!s.isFile() || seen.has(path)) return;
    const kind = detectKind(path, overrides);
    if (!kind) return;
    seen.add(path);
    out.push({ path, kind, size: s.size, mtime: Math.floor(s.mtimeMs) });
  }
  for (const r of roots) {
    const abs = resolve(r);
    try {
      await stat(abs);
    } catch {
      throw new MediaError('FILE_NOT_FOUND', `${r}: no such file or directory.`);
    }
    await visit(abs);
  }
  return out;
}
