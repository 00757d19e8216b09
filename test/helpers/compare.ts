import type { Tensor } from '../../src/core/tensor.ts';

export interface DiffStats {
  maxAbs: number;
  meanAbs: number;
  count: number;
  fractionAbove: (t: number) => number;
}

/** Element-wise comparison of two numeric arrays of equal length. */
export function diff(a: ArrayLike<number>, b: ArrayLike<number>): DiffStats {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let maxAbs = 0;
  let sum = 0;
  const abs = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    abs[i] = Number.isNaN(d) ? Infinity : d;
    if (abs[i] > maxAbs) maxAbs = abs[i];
    sum += abs[i];
  }
  return {
    maxAbs,
    meanAbs: sum / Math.max(1, a.length),
    count: a.length,
    fractionAbove: (t) => abs.reduce((n, v) => n + (v > t ? 1 : 0), 0) / Math.max(1, a.length),
  };
}

export function assertShape(t: Tensor, shape: readonly number[], what: string): void {
  if (t.shape.join(',') !== shape.join(',')) throw new Error(`${what}: shape [${t.shape}] != expected [${shape}]`);
}
