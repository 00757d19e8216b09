/**
 * Recursive discovery of indexable media files under the given roots, in a stable order.
 *
 * Symlinks are followed, but every folder is entered once (by device and inode), so a link back
 * up the tree ends there instead of recursing, and every file is reported once per kind under its
 * real path, so a file reached by two paths is indexed once. An entry that cannot be reached (a
 * link loop, `ELOOP`; a dangling link; no permission) is skipped with the reason; it never aborts
 * the walk.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { MediaError } from '../core/errors.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import { type KindOverrides, detectKind } from './media-kind.ts';

export interface FoundFile {
  /** The path as found under its root (the kind is detected from this name). */
  readonly path: string;
  /** Its real path: symlinks resolved. What an index stores. */
  readonly real: string;
  readonly kind: FileKind;
  readonly size: number;
  readonly mtime: number;
}

export interface Unreachable {
  readonly path: string;
  readonly reason: string;
}

export interface Discovery {
  readonly files: FoundFile[];
  readonly unreachable: Unreachable[];
  /** The folders given as roots, as given (absolute) and as real paths: where stale items may be pruned. */
  readonly folders: string[];
}

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ELOOP') return 'a symlink loop (ELOOP)';
  if (code === 'ENOENT') return 'a symlink whose target does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (e as Error)?.message ?? String(e);
}

export async function discoverMedia(roots: readonly string[], overrides?: KindOverrides): Promise<Discovery> {
  const files: FoundFile[] = [];
  const unreachable: Unreachable[] = [];
  const folders: string[] = [];
  const seenFiles = new Set<string>();
  const seenDirs = new Set<string>();
  async function visit(path: string): Promise<void> {
    let s: Stats;
    try {
      s = await stat(path);
    } catch (e) {
      unreachable.push({ path, reason: why(e) });
      return;
    }
    if (s.isDirectory()) {
      const id = `${s.dev}:${s.ino}`;
      if (seenDirs.has(id)) {
        unreachable.push({
          path,
          reason: 'a folder already visited through another path (a symlink loop or a second link)',
        });
        return;
      }
      seenDirs.add(id);
      let names: string[];
      try {
        names = await readdir(path);
      } catch (e) {
        unreachable.push({ path, reason: why(e) });
        return;
      }
      for (const n of names.filter((n) => !n.startsWith('.')).sort()) await visit(join(path, n));
      return;
    }
    if (!s.isFile()) return;
    const kind = detectKind(path, overrides);
    if (!kind) return;
    let real: string;
    try {
      real = await realpath(path);
    } catch (e) {
      unreachable.push({ path, reason: why(e) });
      return;
    }
    const key = `${kind}\0${real}`;
    if (seenFiles.has(key)) return;
    seenFiles.add(key);
    files.push({ path, real, kind, size: s.size, mtime: Math.floor(s.mtimeMs) });
  }
  for (const r of roots) {
    const abs = resolve(r);
    let s: Stats;
    try {
      s = await stat(abs);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException)?.code;
      if (code === 'ENOENT') throw new MediaError('FILE_NOT_FOUND', `${r}: no such file or directory.`);
      throw new MediaError('FILE_UNREADABLE', `${r}: cannot be read: ${why(e)}.`);
    }
    if (s.isDirectory()) folders.push(abs, await realpath(abs));
    await visit(abs);
  }
  return { files, unreachable, folders: [...new Set(folders)] };
}

/** The files only (see discoverMedia). */
export async function discoverFiles(roots: readonly string[], overrides?: KindOverrides): Promise<FoundFile[]> {
  return (await discoverMedia(roots, overrides)).files;
}
