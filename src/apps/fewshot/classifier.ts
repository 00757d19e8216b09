/** One entry point over the three few-shot classifiers, plus prediction with space checks. */
import { ConfigError, ShapeError } from '../../core/errors.ts';
import { fitKnn } from './knn.ts';
import { fitLogReg } from './logreg.ts';
import { fitPrototype } from './prototype.ts';
import { prepareTrainingSet } from './training-set.ts';
import {
  FEWSHOT_METHODS,
  type FewShotClassifier,
  type FewShotMethod,
  type FewShotOptions,
  type LabeledVector,
  type Prediction,
} from './types.ts';

export function parseFewShotMethod(s: string): FewShotMethod {
  if (!(FEWSHOT_METHODS as readonly string[]).includes(s)) {
    throw new ConfigError('BAD_ARGUMENT', `unknown few-shot method "${s}"; use one of: ${FEWSHOT_METHODS.join(', ')}.`);
  }
  return s as FewShotMethod;
}

/** Fits a classifier on labelled vectors (any length, normalised internally). */
export function fitFewShot(
  train: readonly LabeledVector[],
  method: FewShotMethod = 'prototype',
  opts: FewShotOptions = {},
): FewShotClassifier {
  const set = prepareTrainingSet(train);
  switch (method) {
    case 'prototype':
      return fitPrototype(set, opts.temperature, opts.space);
    case 'knn':
      return fitKnn(set, opts.k, opts.space);
    case 'logreg':
      return fitLogReg(set, opts, opts.space);
    default:
      return parseFewShotMethod(method as string) as never;
  }
}

/**
 * Classifies one query. `space` is the query's embedding-space identity when known; it must match
 * the training set's (when that is known too).
 */
export function predictOne(clf: FewShotClassifier, query: ArrayLike<number>, space?: string): Prediction {
  if (space !== undefined && clf.space !== undefined && space !== clf.space) {
    throw new ShapeError(
      'FEWSHOT_SPACE_MISMATCH',
      `the query comes from embedding space ${space} but the classifier was trained in ${clf.space}. ` +
        'Embed queries and training examples with the same model.',
    );
  }
  const probs = clf.probs(query);
  let index = 0;
  for (let c = 1; c < probs.length; c++) if (probs[c] > probs[index]) index = c;
  return { label: clf.labels[index], index, probs };
}

export function predict(clf: FewShotClassifier, queries: readonly ArrayLike<number>[], space?: string): Prediction[] {
  return queries.map((q) => predictOne(clf, q, space));
}

/** `{label: probability}` for JSON output. */
export function probsByLabel(clf: Pick<FewShotClassifier, 'labels'>, probs: ArrayLike<number>): Record<string, number> {
  return Object.fromEntries(clf.labels.map((l, i) => [l, probs[i]]));
}
