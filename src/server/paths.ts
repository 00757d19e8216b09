/**
 * Containment checks for server-side paths. Every check runs on real paths (symlinks resolved,
 * `..` collapsed, percent-decoding already done by the router), so neither `../`, its encoded
 * forms nor a symlink inside a root can reach a file outside the roots.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { fail } from './http-errors.ts';

export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `path` when it lies inside one of `roots` (real paths), else a 403. */
export async function realPathInside(path: string, roots: readonly string[], what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch {
    throw fail('FILE_NOT_FOUND', `${what}: no such file or directory.`);
  }
  if (!roots.some((r) => isInside(real, r))) {
    throw fail(
      'PATH_OUTSIDE_ROOTS',
      `${what} is outside the folders this server may read (${roots.length ? roots.join(', ') : 'none: start it with --root <dir>'}).`,
    );
  }
  return real;
}
