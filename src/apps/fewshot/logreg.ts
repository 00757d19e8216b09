/**
 * Multinomial logistic regression (softmax regression) on the embeddings: minimises mean
 * cross-entropy + l2/2·‖W‖² (the bias is not penalised) with full-batch Adam from a zero start.
 * The objective is convex, so a zero start plus a fixed iteration order makes training fully
 * deterministic without a seed.
 */
import { ConfigError } from '../../core/errors.ts';
import type { TrainingSet } from './training-set.ts';
import type { FewShotClassifier } from './types.ts';
import { checkVector, softmax, unit } from './vectors.ts';

export interface LogRegOptions {
  readonly l2?: number;
  readonly epochs?: number;
  readonly learningRate?: number;
  readonly standardize?: boolean;
}

interface Scaler {
  mean: Float64Array;
  std: Float64Array;
}

function fitScaler(x: readonly Float64Array[], dim: number): Scaler {
  const mean = new Float64Array(dim),
    std = new Float64Array(dim);
  for (const v of x) for (let d = 0; d < dim; d++) mean[d] += v[d] / x.length;
  for (const v of x) for (let d = 0; d < dim; d++) std[d] += (v[d] - mean[d]) ** 2 / x.length;
  // A feature constant across the training set carries no information; dividing by ~0 would only
  // amplify noise in the queries.
  for (let d = 0; d < dim; d++) std[d] = std[d] > 1e-16 ? Math.sqrt(std[d]) : 1;
  return { mean, std };
}

function scale(v: Float64Array, s: Scaler | null): Float64Array {
  if (!s) return v;
  return v.map((x, d) => (x - s.mean[d]) / s.std[d]);
}

function logits(w: Float64Array, b: Float64Array, x: Float64Array, classes: number, dim: number): Float64Array {
  const out = new Float64Array(classes);
  for (let c = 0; c < classes; c++) {
    let s = b[c];
    const off = c * dim;
    for (let d = 0; d < dim; d++) s += w[off + d] * x[d];
    out[c] = s;
  }
  return out;
}

export function fitLogReg(set: TrainingSet, opts: LogRegOptions = {}, space?: string): FewShotClassifier {
  const l2 = opts.l2 ?? 1e-3,
    epochs = opts.epochs ?? 300,
    lr = opts.learningRate ?? 0.05;
  if (!(l2 >= 0)) throw new ConfigError('BAD_ARGUMENT', `l2 must be ≥ 0, got ${l2}.`);
  if (!Number.isInteger(epochs) || epochs < 1)
    throw new ConfigError('BAD_ARGUMENT', `epochs must be a positive integer, got ${epochs}.`);
  if (!(lr > 0)) throw new ConfigError('BAD_ARGUMENT', `learningRate must be > 0, got ${lr}.`);
  const classes = set.labels.length,
    dim = set.dim,
    n = set.x.length;
  const scaler = opts.standardize ? fitScaler(set.x, dim) : null;
  const x = set.x.map((v) => scale(v, scaler));
  const nParams = classes * dim + classes;
  // Parameters, gradient and Adam moments live in flat arrays: [W (classes×dim) | b (classes)].
  const theta = new Float64Array(nParams),
    grad = new Float64Array(nParams);
  const m = new Float64Array(nParams),
    v = new Float64Array(nParams);
  const w = theta.subarray(0, classes * dim),
    b = theta.subarray(classes * dim);
  const beta1 = 0.9,
    beta2 = 0.999,
    eps = 1e-8;
  for (let t = 1; t <= epochs; t++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const p = softmax(logits(w, b, x[i], classes, dim));
      p[set.y[i]] -= 1;
      for (let c = 0; c < classes; c++) {
        const g = p[c] / n;
        const off = c * dim;
        for (let d = 0; d < dim; d++) grad[off + d] += g * x[i][d];
        grad[classes * dim + c] += g;
      }
    }
    let maxGrad = 0;
    for (let j = 0; j < classes * dim; j++) grad[j] += l2 * theta[j];
    for (let j = 0; j < nParams; j++) maxGrad = Math.max(maxGrad, Math.abs(grad[j]));
    if (maxGrad < 1e-7) break;
    const c1 = 1 - beta1 ** t,
      c2 = 1 - beta2 ** t;
    for (let j = 0; j < nParams; j++) {
      m[j] = beta1 * m[j] + (1 - beta1) * grad[j];
      v[j] = beta2 * v[j] + (1 - beta2) * grad[j] * grad[j];
      theta[j] -= (lr * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
    }
  }
  return {
    method: 'logreg',
    labels: set.labels,
    dim,
    space,
    probs(query) {
      checkVector(query, dim, 'query');
      return softmax(logits(w, b, scale(unit(query), scaler), classes, dim));
    },
  };
}
