/** Test helpers: tiny single-op graphs feeding a scalar loss L = Σ out ⊙ R (R a fixed random tensor). */
import assert from 'node:assert/strict';
import { type Tensor, numel } from '../../src/core/tensor.ts';
import { Rng } from '../../src/core/random.ts';
import { Graph, type Value } from '../../src/model/graph.ts';
import { type GradCheckOptions, type GradCheckResult, gradCheck } from '../../src/train/grad-check.ts';
import { inferShapes } from '../../src/model/autodiff/shapes.ts';

export interface CaseInput {
  readonly name: string;
  readonly shape: readonly number[];
  /** Differentiate w.r.t. this input (default true for float inputs). */
  readonly wrt?: boolean;
  readonly int?: readonly number[];
  /** Maps each N(0,1) draw, e.g. to keep values away from a kink or positive for Log. */
  readonly map?: (x: number) => number;
}

export function opCase(inputs: readonly CaseInput[], build: (g: Graph, x: Record<string, Value>) => Value, seed = 7) {
  const rng = new Rng(seed);
  const g = new Graph('case');
  const feeds: Record<string, Tensor> = {};
  const vals: Record<string, Value> = {};
  for (const i of inputs) {
    if (i.int) {
      vals[i.name] = g.input(i.name, 'int64', i.shape);
      feeds[i.name] = { dtype: 'int64', shape: i.shape, data: BigInt64Array.from(i.int.map(BigInt)) };
    } else {
      vals[i.name] = g.input(i.name, 'float32', i.shape);
      const data = rng.fillNormal(new Float32Array(numel(i.shape)));
      if (i.map) for (let k = 0; k < data.length; k++) data[k] = i.map(data[k]);
      feeds[i.name] = { dtype: 'float32', shape: i.shape, data };
    }
  }
  const out = build(g, vals);
  const shape = inferShapes(g).shapes.get(out.name) as readonly number[];
  const r = g.inline('r', 'float32', shape, rng.fillNormal(new Float32Array(numel(shape))));
  g.op('ReduceSum', [g.op('Mul', [out, r], {}, 'weighted')], { keepdims: { kind: 'int', v: 0 } }, 'loss');
  const wrt = inputs.filter((i) => !i.int && i.wrt !== false).map((i) => i.name);
  return { graph: g, feeds, wrt, loss: 'loss' };
}

export async function assertGradients(
  c: ReturnType<typeof opCase>,
  extra: Partial<GradCheckOptions> = {},
): Promise<GradCheckResult> {
  const r = await gradCheck(c.graph, { loss: c.loss, wrt: c.wrt, feeds: c.feeds, ...extra });
  assert.deepEqual(r.failures, [], `gradient mismatches (worst rel ${r.worstRelError.toExponential(2)})`);
  assert.ok(r.entries.length > 0);
  return r;
}
