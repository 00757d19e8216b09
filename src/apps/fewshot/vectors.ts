/**
 * Vector helpers shared by the few-shot classifiers. Work is done in float64: the embeddings are
 * float32, but sums over a class or a gradient step accumulate many terms.
 */
import { ShapeError } from '../../core/errors.ts';

export { dot, unit64 as unit } from '../../core/vector-math.ts';

/** Numerically stable softmax of `logits / temperature`. */
export function softmax(logits: ArrayLike<number>, temperature = 1): Float64Array {
  const out = new Float64Array(logits.length);
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i] / temperature);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i] / temperature - max);
    sum += out[i];
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum;
  return out;
}

/**
 * Refuses vectors that cannot be compared with the training set: a different length means a
 * different model (or modality head) produced them, and NaN/Inf would silently poison every score.
 */
export function checkVector(v: ArrayLike<number>, dim: number, what: string): void {
  if (v.length !== dim) {
    throw new ShapeError(
      'FEWSHOT_SPACE_MISMATCH',
      `${what}: the vector has ${v.length} dimensions but the training set has ${dim}. ` +
        'Queries and training examples must come from the same model; re-embed them with one model.',
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]))
      throw new ShapeError('FEWSHOT_NOT_FINITE', `${what}: component ${i} is ${v[i]}. Re-embed the input.`);
  }
}
