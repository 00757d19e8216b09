/** Validation and normalisation of a labelled training set, shared by every classifier. */
import { ConfigError, ShapeError } from '../../core/errors.ts';
import type { LabeledVector } from './types.ts';
import { checkVector, unit } from './vectors.ts';

export interface TrainingSet {
  /** Sorted, so the probability order does not depend on the order of the manifest. */
  readonly labels: string[];
  readonly dim: number;
  /** Unit-length copies of the training vectors. */
  readonly x: Float64Array[];
  /** Class index of each vector. */
  readonly y: Int32Array;
}

export function prepareTrainingSet(train: readonly LabeledVector[]): TrainingSet {
  if (train.length === 0) {
    throw new ConfigError(
      'FEWSHOT_EMPTY',
      'the training set is empty. Give at least one labelled example for each of two or more classes.',
    );
  }
  const dim = train[0].vector.length;
  if (dim === 0) throw new ShapeError('FEWSHOT_SPACE_MISMATCH', 'training example 0 has an empty vector.');
  train.forEach((t, i) => {
    if (typeof t.label !== 'string' || t.label === '')
      throw new ConfigError('FEWSHOT_BAD_LABEL', `training example ${i} has no label.`);
    checkVector(t.vector, dim, `training example ${i} (label "${t.label}")`);
  });
  const labels = [...new Set(train.map((t) => t.label))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length < 2) {
    throw new ConfigError(
      'FEWSHOT_ONE_CLASS',
      `the training set has only one class ("${labels[0]}"); few-shot classification needs at least two.`,
    );
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  return {
    labels,
    dim,
    x: train.map((t) => unit(t.vector)),
    y: Int32Array.from(train, (t) => index.get(t.label) as number),
  };
}
