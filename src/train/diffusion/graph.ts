/**
 * The decoder's training graph: the inference denoiser (`buildDit`, so training and inference
 * share one graph builder) plus a weighted MSE on its prediction, differentiated by the IR's
 * autodiff. Every weight is trainable and fed as an input.
 *
 *   loss = mean_b( w_b · mean_{c,y,x} (out − target)² )
 */
import { gradientGraph } from '../../model/autodiff/gradient.ts';
import { type DitSpec } from '../../model/diffusion/dit-spec.ts';
import { DIT_INPUTS, buildDit } from '../../model/diffusion/dit.ts';
import { Graph, type InitializerDef, attr, bindWeights } from '../../model/graph.ts';

export const DIFFUSION_TARGET = 'target';
export const DIFFUSION_WEIGHT = 'loss_weight';
export const DIFFUSION_LOSS = 'loss.diffusion';

export interface DiffusionGraph {
  readonly graph: Graph;
  readonly trainable: readonly string[];
  readonly weights: readonly InitializerDef[];
}

export function buildDiffusionLossGraph(s: DitSpec): DiffusionGraph & { readonly loss: string } {
  const g = new Graph('imagebind_decoder_train');
  const S = s.imageSize;
  const out = buildDit(g, s, {
    sample: g.input(DIT_INPUTS.sample, 'float32', ['batch', 3, S, S]),
    timestep: g.input(DIT_INPUTS.timestep, 'float32', ['batch']),
    condition: g.input(DIT_INPUTS.condition, 'float32', ['batch', 2 * s.condDim]),
  });
  const target = g.input(DIFFUSION_TARGET, 'float32', ['batch', 3, S, S]);
  const weight = g.input(DIFFUSION_WEIGHT, 'float32', ['batch']);
  const diff = g.op('Sub', [out, target], {}, 'error');
  const perItem = g.op(
    'ReduceMean',
    [g.op('Mul', [diff, diff], {}, 'squared')],
    { axes: attr.ints([1, 2, 3]), keepdims: attr.i(0) },
    'per_item',
  );
  const loss = g.op(
    'ReduceMean',
    [g.op('Mul', [perItem, weight], {}, 'weighted')],
    { keepdims: attr.i(0) },
    DIFFUSION_LOSS,
  );
  g.output(loss, 'float32', []);
  const weights = g.initializers.filter((i) => i.source.kind === 'checkpoint');
  const trainable = bindWeights(g, () => 'input');
  return { graph: g, trainable, weights, loss: loss.name };
}

export function buildDiffusionTrainingGraph(s: DitSpec): DiffusionGraph {
  const f = buildDiffusionLossGraph(s);
  return {
    graph: gradientGraph(f.graph, { loss: f.loss, wrt: f.trainable }),
    trainable: f.trainable,
    weights: f.weights,
  };
}
