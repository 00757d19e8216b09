/** Helpers shared by the store's tests, its crash-test child process and bench/store.ts. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/core/random.ts';
import type { SpaceIdentity } from '../../src/store/schema.ts';

export function tempDbPath(name = 'store.db'): string {
  return join(mkdtempSync(join(tmpdir(), 'imagebind-store-')), name);
}

export function testSpace(dim: number, identity = 'test-identity-a', modelName = 'test-model-a'): SpaceIdentity {
  return { identity, dim, modelName };
}

/** A seeded Gaussian vector with a non-unit norm, like a model's raw output. */
export function seededVector(seed: number, dim: number, scale = 3): Float32Array {
  return new Rng(seed).fillNormal(new Float32Array(dim), scale);
}

/** Cosine similarity in float64 of the raw vectors, the reference the store's scores must match. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}
