/**
 * Containment checks for server-side paths. Every check runs on real paths (symlinks resolved,
 * `..` collapsed, percent-decoding already done by the router), so neither `../`, its encoded
 * forms nor a symlink inside a root can reach a file outside the roots.
 *
 * The answer never depends on whether something outside the roots exists: a missing path is 404
 * only when the deepest part of it that does exist lies inside the roots, so `/etc/passwd` and
 * `/etc/nothing` are both 403, and a path that leaves the roots through a symlink (target present
 * or not) is 403 either way. A symlink that does not resolve (dangling or a loop) is 403 as well.
 */
import { lstat, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fail } from './http-errors.ts';

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function outside(what: string, roots: readonly string[]): Error {
  return fail(
    'PATH_OUTSIDE_ROOTS',
    `${what} is outside the folders this server may read, or a symlink that does not resolve inside them (${roots.length ? roots.join(', ') : 'none: start it with --root <dir>'}).`,
  );
}

/** The real path of the deepest existing ancestor of `path` (the path itself when it exists). */
async function deepestReal(path: string): Promise<{ real: string; exists: boolean }> {
  try {
    return { real: await realpath(path), exists: true };
  } catch {
    // A dangling or looping symlink: where it points is decided by its target, unknown here.
    const link = await lstat(path).catch(() => null);
    if (link?.isSymbolicLink()) return { real: '', exists: false };
    const parent = dirname(path);
    if (parent === path) return { real: path, exists: false };
    const up = await deepestReal(parent);
    return { real: up.real, exists: false };
  }
}

/** The real path of `path` when it lies inside one of `roots` (real paths): else 403, or 404 when missing inside them. */
export async function realPathInside(path: string, roots: readonly string[], what: string): Promise<string> {
  const { real, exists } = await deepestReal(resolve(path));
  if (real === '' || !roots.some((r) => isInside(real, r))) throw outside(what, roots);
  if (!exists) throw fail('FILE_NOT_FOUND', `${what}: no such file or directory.`);
  return real;
}
