/**
 * End-to-end gradient checks through a tiny decoder (DiT + weighted MSE) and a tiny judge
 * classifier (ViT + cross-entropy): directional derivatives of the loss w.r.t. representative
 * weights (stem, condition and time MLPs, adaLN modulation, attention, skip, output layer) against
 * finite differences. Every op on their gradient paths already has a finite-difference-tested rule; this
 * checks that they compose, including the long skips and the patch gather.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../core/random.ts';
import type { Tensor } from '../../core/tensor.ts';
import type { DitSpec } from '../../model/diffusion/dit-spec.ts';
import type { ClassifierSpec } from '../../model/classifier.ts';
import { CLASSIFIER_LABELS, buildClassifierTrainingGraph } from '../classifier.ts';
import { gradCheck } from '../grad-check.ts';
import { initWeights } from '../init.ts';
import type { Graph } from '../../model/graph.ts';
import { buildDiffusionLossGraph } from './graph.ts';
import { Graph as IrGraph, attr, bindWeights } from '../../model/graph.ts';
import { buildClassifier } from '../../model/classifier.ts';

const DIT: DitSpec = {
  imageSize: 16,
  patch: 4,
  dim: 16,
  depth: 3,
  heads: 2,
  condDim: 6,
  condTokens: 2,
  timeFeatures: 8,
};

function normal(rng: Rng, shape: number[], std = 1): Tensor {
  return { dtype: 'float32', shape, data: rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1)), std) };
}

async function check(
  graph: Graph,
  loss: string,
  trainable: readonly string[],
  weights: Parameters<typeof initWeights>[0],
  data: Record<string, Tensor>,
  pick: RegExp[],
) {
  // Larger than the recipe's init (which zeroes the output layer and the modulations), so every
  // path — condition, timestep and modulation included — moves the loss well above float32 roundoff.
  const params = initWeights(weights, 5);
  const rng = new Rng(9);
  for (const [name, p] of params) if (!/norm|stem|pos_embed/.test(name)) rng.fillNormal(p.data, 0.15);
  const feeds: Record<string, Tensor> = { ...data };
  for (const n of trainable) feeds[n] = { dtype: 'float32', shape: params.get(n)!.shape, data: params.get(n)!.data };
  const wrt = [...new Set(pick.flatMap((p) => trainable.filter((n) => p.test(n)).slice(0, 1)))];
  assert.equal(wrt.length, pick.length, `picked ${wrt.join(', ')}`);
  const r = await gradCheck(graph, {
    loss,
    wrt,
    feeds,
    directions: 2,
    relEps: 3e-3,
    minEps: 1e-5,
    rtol: 1e-2,
    atol: 0,
  });
  assert.deepEqual(r.failures, [], `worst relative error ${r.worstRelError.toExponential(2)}`);
  if (process.env.GRADCHECK_VERBOSE)
    for (const e of r.entries) console.log(e.name, e.index, e.analytic.toExponential(3), e.numeric.toExponential(3));
  return r.worstAlignedRelError;
}

test('end-to-end gradient: tiny DiT decoder + weighted MSE (all three inputs, long skips)', async (t) => {
  const f = buildDiffusionLossGraph(DIT);
  const rng = new Rng(4);
  const B = 3;
  const data = {
    sample: normal(rng, [B, 3, 16, 16]),
    timestep: { dtype: 'float32', shape: [B], data: Float32Array.from([3, 480, 991]) } as Tensor,
    class_labels: normal(rng, [B, 2 * DIT.condDim]),
    target: normal(rng, [B, 3, 16, 16], 0.05),
    loss_weight: { dtype: 'float32', shape: [B], data: Float32Array.from([1, 2.5, 0.5]) } as Tensor,
  };
  const worst = await check(f.graph, f.loss, f.trainable, f.weights, data, [
    /stem\.weight/,
    /pos_embed/,
    /cond_mlp\.fc1\.weight/,
    /time_mlp\.fc2\.bias/,
    /blocks\.0\.adaln\.weight/,
    /blocks\.0\.attn\.in_proj_weight/,
    /final\.adaln\.bias/,
    /skips\.2\.weight/,
    /final_linear\.weight/,
  ]);
  t.diagnostic(`worst relative error along ∇L ${worst.toExponential(2)}`);
});

test('end-to-end gradient: tiny judge classifier + cross-entropy', async (t) => {
  const spec: ClassifierSpec = { imageSize: 16, patch: 4, dim: 16, depth: 2, heads: 2, classes: 5 };
  const tg = buildClassifierTrainingGraph(spec);
  // gradCheck differentiates a forward graph itself: rebuild the forward half with the same names.
  const g = new IrGraph('judge_check');
  const image = g.input('image', 'float32', ['batch', 3, 16, 16]);
  const onehot = g.input(CLASSIFIER_LABELS, 'float32', ['batch', 5]);
  const logp = g.op('LogSoftmax', [buildClassifier(g, spec, image)], { axis: attr.i(-1) });
  const picked = g.op('ReduceSum', [g.op('Mul', [logp, onehot]), g.constI64('axis', [1])], { keepdims: attr.i(0) });
  const loss = g.op('Neg', [g.op('ReduceMean', [picked], { keepdims: attr.i(0) })], {}, 'loss');
  const trainable = bindWeights(g, () => 'input');
  assert.deepEqual([...trainable].sort(), [...tg.trainable].sort());
  const rng = new Rng(2);
  const labels = new Float32Array(4 * 5);
  [0, 3, 1, 4].forEach((c, i) => (labels[i * 5 + c] = 1));
  const worst = await check(
    g,
    loss.name,
    trainable,
    tg.weights,
    { image: normal(rng, [4, 3, 16, 16]), [CLASSIFIER_LABELS]: { dtype: 'float32', shape: [4, 5], data: labels } },
    [/stem\.weight/, /blocks\.1\.mlp\.fc2\.weight/, /judge\.norm\.bias/, /judge\.head\.weight/],
  );
  t.diagnostic(`worst relative error along ∇L ${worst.toExponential(2)}`);
});
