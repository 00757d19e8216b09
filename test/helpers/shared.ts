/**
 * The one way tests reach `../shared/reference/`: read in place, never copied into the repo.
 * IMAGEBIND_SHARED overrides the location (CI lays `shared/` beside the clone).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/core/npy.ts';
import type { Tensor } from '../../src/core/tensor.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function findShared(): string {
  const candidates = [process.env.IMAGEBIND_SHARED, join(repoRoot, '../shared'), join(repoRoot, 'shared')];
  for (const c of candidates) if (c && existsSync(join(c, 'reference', 'README.md'))) return resolve(c);
  throw new Error(
    `shared reference data not found (looked in ${candidates.filter(Boolean).join(', ')}); set IMAGEBIND_SHARED`,
  );
}

export const sharedDir = findShared();
export const referenceDir = join(sharedDir, 'reference');
export const repoDir = repoRoot;

/** Absolute path of a file under `shared/reference/`, e.g. `ref('tiny', 'config.json')`. */
export function ref(...parts: string[]): string {
  return join(referenceDir, ...parts);
}

export function refNpy(...parts: string[]): Promise<Tensor> {
  return readNpy(ref(...parts));
}
