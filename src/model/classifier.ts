/**
 * A small image classifier (a ViT: patch stem, ImageBind's transformer `block`s, mean-pooled
 * tokens, LayerNorm, Linear → logits). It serves as the generation benchmark's judge: trained on
 * real world images only, it shares nothing with the ImageBind encoders or the decoder.
 */
import { block, layerNorm, linear } from './blocks.ts';
import { Graph, type Value, attr } from './graph.ts';

export interface ClassifierSpec {
  readonly imageSize: number;
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly classes: number;
}

export const CLASSIFIER_INPUT = 'image';
export const CLASSIFIER_OUTPUT = 'logits';
const P = 'judge';

/** Adds the classifier reading `image` ([B, 3, S, S] in [-1, 1]); returns [B, classes] logits. */
export function buildClassifier(g: Graph, s: ClassifierSpec, image: Value): Value {
  const grid = s.imageSize / s.patch,
    n = grid * grid,
    d = s.dim;
  const w = g.weight(`${P}.stem.weight`, [d, 3, s.patch, s.patch]);
  const conv = g.op(
    'Conv',
    [image, w],
    { kernel_shape: attr.ints([s.patch, s.patch]), strides: attr.ints([s.patch, s.patch]) },
    'stem',
  );
  const tokens = g.op(
    'Transpose',
    [g.op('Reshape', [conv, g.constI64('flat', [0, d, n])])],
    { perm: attr.ints([0, 2, 1]) },
    'tokens',
  );
  let x = g.op('Add', [tokens, g.weight(`${P}.pos_embed`, [1, n, d])], {}, 'with_pos');
  x = g.op('Reshape', [x, g.constI64('rows_shape', [-1, d])], {}, 'rows');
  for (let i = 0; i < s.depth; i++)
    x = g.scope(`blocks.${i}`, () =>
      block(g, x, `${P}.blocks.${i}`, { dim: d, heads: s.heads, tokens: n, addBiasKV: false, mask: null }),
    );
  const seq = g.op(
    'Reshape',
    [layerNorm(g, x, `${P}.norm`, d, 1e-6, 'norm'), g.constI64('seq_shape', [-1, n, d])],
    {},
    'seq',
  );
  const pooled = g.op('ReduceMean', [seq], { axes: attr.ints([1]), keepdims: attr.i(0) }, 'pooled');
  return linear(g, pooled, `${P}.head`, d, s.classes, true, 'head');
}

export function buildClassifierGraph(s: ClassifierSpec): Graph {
  const g = new Graph('imagebind_judge');
  const image = g.input(CLASSIFIER_INPUT, 'float32', ['batch', 3, s.imageSize, s.imageSize]);
  g.output(g.op('Identity', [buildClassifier(g, s, image)], {}, CLASSIFIER_OUTPUT), 'float32', ['batch', s.classes]);
  return g;
}
