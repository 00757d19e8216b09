/** Shared shapes of the few-shot classifiers: labelled vectors in, per-class probabilities out. */

export type FewShotMethod = 'prototype' | 'knn' | 'logreg';
export const FEWSHOT_METHODS: readonly FewShotMethod[] = ['prototype', 'knn', 'logreg'];

export interface LabeledVector {
  readonly vector: ArrayLike<number>;
  readonly label: string;
}

export interface FewShotOptions {
  /** Prototype: softmax temperature over cosines (default 0.05, i.e. logit scale 20). */
  readonly temperature?: number;
  /** kNN: neighbours that vote (default 5, capped at the training-set size). */
  readonly k?: number;
  /** Logistic regression: L2 penalty on the weights (default 1e-3). */
  readonly l2?: number;
  /** Logistic regression: Adam steps (default 300) and step size (default 0.05). */
  readonly epochs?: number;
  readonly learningRate?: number;
  /** Logistic regression: z-score each feature with the training mean/std first (default false). */
  readonly standardize?: boolean;
  /**
   * Embedding-space identity (e.g. `model.identity`) of the training vectors. Queries that declare a
   * different space are refused: cosines between two models' spaces mean nothing.
   */
  readonly space?: string;
}

/** A fitted classifier. `labels` fixes the order of every probability vector it returns. */
export interface FewShotClassifier {
  readonly method: FewShotMethod;
  readonly labels: readonly string[];
  readonly dim: number;
  readonly space?: string;
  /** Probabilities over `labels` (non-negative, summing to 1). */
  probs(query: ArrayLike<number>): Float64Array;
}

export interface Prediction {
  readonly label: string;
  /** Index of `label` in the classifier's `labels`. */
  readonly index: number;
  readonly probs: Float64Array;
}
