/**
 * k-nearest-neighbour classifier on cosine distance (1 − cos) with distance-weighted votes, using
 * scikit-learn's `weights="distance"` rule: neighbours vote with 1/d, and if some neighbours are
 * exact matches (d = 0) only they vote, so a query identical to a training example always gets
 * that example's label.
 */
import { ConfigError } from '../../core/errors.ts';
import type { TrainingSet } from './training-set.ts';
import type { FewShotClassifier } from './types.ts';
import { checkVector, dot, unit } from './vectors.ts';

/** Float32 round-off on unit vectors leaves |1 − cos| around 1e-7 for identical inputs. */
const EXACT = 1e-6;

export function fitKnn(set: TrainingSet, k = 5, space?: string): FewShotClassifier {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError('BAD_ARGUMENT', `k must be a positive integer, got ${k}.`);
  const kk = Math.min(k, set.x.length);
  return {
    method: 'knn',
    labels: set.labels,
    dim: set.dim,
    space,
    probs(query) {
      checkVector(query, set.dim, 'query');
      const q = unit(query);
      const dist = set.x.map((v, i) => ({ i, d: Math.max(0, 1 - dot(v, q)) }));
      // Ties are broken by training order, so results never depend on sort stability.
      dist.sort((a, b) => a.d - b.d || a.i - b.i);
      const nearest = dist.slice(0, kk);
      const exact = nearest.filter((n) => n.d <= EXACT);
      const voters =
        exact.length > 0 ? exact.map((n) => ({ i: n.i, w: 1 })) : nearest.map((n) => ({ i: n.i, w: 1 / n.d }));
      const out = new Float64Array(set.labels.length);
      let total = 0;
      for (const v of voters) {
        out[set.y[v.i]] += v.w;
        total += v.w;
      }
      for (let c = 0; c < out.length; c++) out[c] /= total;
      return out;
    },
  };
}
