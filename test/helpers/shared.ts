/**
 * The one way tests reach the reference fixtures (`shared/reference/`, made with the official
 * PyTorch code): read in place, never copied into the repo. IMAGEBIND_SHARED names the folder that
 * holds `reference/`; without it, `../shared` beside the clone (where CI lays it) and `./shared`.
 *
 * The fixtures are not part of the repository. On a clone without them, `npm test` skips the test
 * files that use `ref`/`refNpy` (scripts/run-tests.mjs, one line each); under CI (`CI=true`) they
 * are required, and importing this module fails without them.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readNpy } from '../../src/core/npy.ts';
import type { Tensor } from '../../src/core/tensor.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const repoDir = repoRoot;

/** Where the fixtures were looked for, in order (an explicit IMAGEBIND_SHARED is the only place). */
export function sharedCandidates(root = repoRoot, env = process.env): string[] {
  if (env.IMAGEBIND_SHARED) return [resolve(env.IMAGEBIND_SHARED)];
  return [join(root, '../shared'), join(root, 'shared')];
}

/** The folder holding `reference/`, or null when the fixtures are absent. */
export function findShared(root = repoRoot, env = process.env): string | null {
  for (const c of sharedCandidates(root, env)) if (existsSync(join(c, 'reference', 'README.md'))) return c;
  return null;
}

/** What to do when the fixtures are absent: the one line shown for each skipped test file. */
export function fixturesHint(root = repoRoot, env = process.env): string {
  return (
    `the reference fixtures (shared/reference/, made with the official PyTorch ImageBind; not in the repository) ` +
    `were not found in ${sharedCandidates(root, env).join(' or ')}: place the shared/ folder beside the clone ` +
    `or set IMAGEBIND_SHARED to the folder that holds reference/`
  );
}

const found = findShared();
if (!found && process.env.CI === 'true') throw new Error(`CI requires the reference fixtures: ${fixturesHint()}`);

function referenceDir(): string {
  if (!found) throw new Error(fixturesHint());
  return join(found, 'reference');
}

/** Absolute path of a file under `shared/reference/`, e.g. `ref('tiny', 'config.json')`. */
export function ref(...parts: string[]): string {
  return join(referenceDir(), ...parts);
}

export function refNpy(...parts: string[]): Promise<Tensor> {
  return readNpy(ref(...parts));
}
