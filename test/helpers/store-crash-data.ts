import { seededVector } from './store.ts';

/** The vector the crash-test writer stores for item i of batch b, so the test can verify it. */
export function crashItemVector(batch: number, i: number, dim: number): Float32Array {
  return seededVector(batch * 100_003 + i + 1, dim);
}
