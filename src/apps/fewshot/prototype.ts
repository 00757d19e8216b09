/**
 * Prototype classifier (nearest class mean, as in Prototypical Networks / CLIP linear-probe-free
 * baselines): each class is the re-normalised mean of its unit embeddings; a query's cosines to
 * the prototypes, divided by a temperature, go through a softmax.
 */
import { ConfigError } from '../../core/errors.ts';
import type { TrainingSet } from './training-set.ts';
import type { FewShotClassifier } from './types.ts';
import { checkVector, dot, softmax, unit } from './vectors.ts';

export function fitPrototype(set: TrainingSet, temperature = 0.05, space?: string): FewShotClassifier {
  if (!(temperature > 0)) throw new ConfigError('BAD_ARGUMENT', `temperature must be > 0, got ${temperature}.`);
  const sums = set.labels.map(() => new Float64Array(set.dim));
  set.x.forEach((v, i) => {
    const s = sums[set.y[i]];
    for (let d = 0; d < set.dim; d++) s[d] += v[d];
  });
  const prototypes = sums.map((s) => unit(s));
  return {
    method: 'prototype',
    labels: set.labels,
    dim: set.dim,
    space,
    probs(query) {
      checkVector(query, set.dim, 'query');
      const q = unit(query);
      return softmax(
        prototypes.map((p) => dot(p, q)),
        temperature,
      );
    },
  };
}
