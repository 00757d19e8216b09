/**
 * Symmetric InfoNCE as the ImageBind paper defines it, built into the graph IR:
 * L = CE(q·kᵀ, I) + CE(k·qᵀ, I), each cross-entropy averaged over the batch (in-batch negatives).
 * `q` comes straight from an encoder whose post-processor already L2-normalised it and multiplied
 * by the modality's logit scale 1/τ; `k` (image or text) is normalised here, so
 * q·kᵀ = cos(q, k)/τ.
 */
import { type Graph, type Value, attr } from '../model/graph.ts';

/** F.normalize(x, dim=-1, eps=1e-12), the same ops as the encoders' post-processor. */
export function l2Normalize(g: Graph, x: Value, local = 'unit'): Value {
  const norm = g.op('ReduceL2', [x], { axes: attr.ints([-1]), keepdims: attr.i(1) }, `${local}_l2`);
  return g.op('Div', [x, g.op('Max', [norm, g.constF32('eps', [1e-12], [])], {}, `${local}_clamped`)], {}, local);
}

/** Mean over rows of −log softmax(logits)[i, i]: cross-entropy with the diagonal as the labels. */
function diagonalCrossEntropy(g: Graph, logits: Value, eye: Value, local: string): Value {
  const logp = g.op('LogSoftmax', [logits], { axis: attr.i(-1) }, `${local}_logp`);
  const diag = g.op(
    'ReduceSum',
    [g.op('Mul', [logp, eye], {}, `${local}_masked`), g.constI64(`${local}_axis`, [1])],
    { keepdims: attr.i(0) },
    `${local}_diag`,
  );
  return g.op('ReduceMean', [diag], { keepdims: attr.i(0) }, `${local}_mean`);
}

export interface InfoNceValues {
  readonly loss: Value;
  readonly logits: Value;
  readonly keyUnit: Value;
}

/** Adds the loss; `query` is [B, D] (already scaled by 1/τ), `key` is [B, D] (any norm). */
export function symmetricInfoNce(g: Graph, query: Value, key: Value): InfoNceValues {
  return g.scope('loss', () => {
    const keyUnit = l2Normalize(g, key, 'key_unit');
    const logits = g.op(
      'MatMul',
      [query, g.op('Transpose', [keyUnit], { perm: attr.ints([1, 0]) }, 'key_t')],
      {},
      'logits',
    );
    const eye = g.op('EyeLike', [logits], {}, 'labels');
    const qk = diagonalCrossEntropy(g, logits, eye, 'q2k');
    const kq = diagonalCrossEntropy(
      g,
      g.op('Transpose', [logits], { perm: attr.ints([1, 0]) }, 'logits_t'),
      eye,
      'k2q',
    );
    const loss = g.op('Neg', [g.op('Add', [qk, kq], {}, 'sum_log_likelihood')], {}, 'infonce');
    return { loss, logits, keyUnit };
  });
}
