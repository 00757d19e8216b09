/**
 * Initial values for a graph's checkpoint-backed weights, by role (the usual transformer
 * initialisers): trunc-normal(0.02) matrices and position tables, zero biases, LayerNorm 1/0.
 * Each tensor has its own seeded stream, so values do not depend on the order of the graph.
 */
import { numel } from '../core/tensor.ts';
import { Rng } from '../core/random.ts';
import type { InitializerDef } from '../model/graph.ts';
import type { ParamMap } from './params.ts';

function hashKey(key: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** `zero(name)` picks weights that start at 0 (e.g. an output layer, so a residual model starts as identity). */
export function initWeights(
  weights: readonly InitializerDef[],
  seed: number,
  zero: (name: string) => boolean = () => false,
): ParamMap {
  const out: ParamMap = new Map();
  for (const w of weights) {
    if (w.source.kind !== 'checkpoint' || out.has(w.name)) continue;
    const data = new Float32Array(numel(w.shape));
    if (!zero(w.name)) {
      const rng = new Rng(hashKey(w.name, seed));
      if (w.role === 'norm_weight') data.fill(1);
      else if (w.role === undefined || w.role === 'weight') rng.fillTruncNormal(data, 0.02);
    }
    out.set(w.name, { shape: [...w.shape], data });
  }
  return out;
}
