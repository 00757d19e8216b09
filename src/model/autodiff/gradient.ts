/**
 * Reverse-mode differentiation of the graph IR: appends a backward pass to a copy of a forward
 * graph and exposes `grad.<name>` outputs. The result is an ordinary inference graph (weights fed
 * as inputs, gradients as outputs), so onnxruntime executes training with its inference kernels.
 */
import { type Graph, type Value, cloneGraph } from '../graph.ts';
import { GradContext, type GradRule } from './context.ts';
import { ELEMENTWISE_RULES } from './rules-elementwise.ts';
import { LINEAR_RULES } from './rules-linear.ts';
import { REDUCE_RULES } from './rules-reduce.ts';
import { SHAPE_RULES } from './rules-shape.ts';
import { inferShapes } from './shapes.ts';

export const RULES: Readonly<Record<string, GradRule>> = {
  ...ELEMENTWISE_RULES,
  ...LINEAR_RULES,
  ...REDUCE_RULES,
  ...SHAPE_RULES,
};

/** Ops whose outputs carry no gradient (integer results, shape arithmetic, comparisons). */
const NON_DIFFERENTIABLE = new Set([
  'Shape',
  'Size',
  'Range',
  'ArgMax',
  'ArgMin',
  'EyeLike',
  'Equal',
  'Greater',
  'GreaterOrEqual',
  'Less',
  'LessOrEqual',
  'ConstantOfShape',
  'Not',
  'And',
  'Or',
]);

export interface GradientOptions {
  /** Name of the scalar value to differentiate. */
  readonly loss: string;
  /** Values (usually weight inputs) to differentiate w.r.t.; each gets a `grad.<name>` output. */
  readonly wrt: readonly string[];
  /** Also expose the loss as an output (default true; skipped when it already is one). */
  readonly outputLoss?: boolean;
}

export const gradName = (name: string): string => `grad.${name}`;

export class AutodiffError extends Error {}

export function gradientGraph(forward: Graph, opts: GradientOptions): Graph {
  const g = cloneGraph(forward, `${forward.name}_grad`);
  const info = inferShapes(forward);
  const ctx = new GradContext(g, info);
  const nodes = forward.nodes;
  if (!info.shapes.has(opts.loss))
    throw new AutodiffError(`autodiff: loss value "${opts.loss}" is not in graph ${forward.name}`);
  for (const w of opts.wrt)
    if (!info.shapes.has(w)) throw new AutodiffError(`autodiff: no value "${w}" to differentiate w.r.t.`);

  // Values on a path wrt → loss through differentiable ops are the only ones that get gradients.
  const fromWrt = new Set(opts.wrt);
  for (const n of nodes) {
    if (!NON_DIFFERENTIABLE.has(n.opType) && n.inputs.some((i) => fromWrt.has(i)))
      for (const o of n.outputs) fromWrt.add(o);
  }
  const toLoss = new Set([opts.loss]);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (nodes[i].outputs.some((o) => toLoss.has(o))) for (const x of nodes[i].inputs) toLoss.add(x);
  }
  const needed = (name: string) => name !== '' && fromWrt.has(name) && toLoss.has(name);

  const pending = new Map<string, Value[]>();
  const contribute = (name: string, d: Value) => {
    const list = pending.get(name) ?? [];
    list.push(d);
    pending.set(name, list);
  };
  // Σ of every consumer's contribution: a value used several times gets their sum.
  const total = (name: string): Value | null => {
    const list = pending.get(name);
    if (!list) return null;
    return list.reduce((acc, d) => g.op('Add', [acc, d], {}, 'grad_acc'));
  };

  g.scope('bwd', () => {
    if (needed(opts.loss)) {
      contribute(
        opts.loss,
        g.op(
          'Expand',
          [g.constF32('seed', [1], []), g.op('Shape', [{ name: opts.loss }], {}, 'loss_shape')],
          {},
          'seed',
        ),
      );
    }
    for (let i = nodes.length - 1; i >= 0; i--) {
      const n = nodes[i];
      if (!n.outputs.some(needed)) continue;
      const needs = n.inputs.map(needed);
      if (!needs.some(Boolean)) continue;
      const rule = RULES[n.opType];
      if (!rule || NON_DIFFERENTIABLE.has(n.opType)) {
        throw new AutodiffError(
          `autodiff: no gradient rule for ${n.opType} (node ${n.name}), which lies between the weights and the loss`,
        );
      }
      if (n.outputs.length > 1 && n.outputs.slice(1).some((o) => pending.has(o))) {
        throw new AutodiffError(`autodiff: ${n.opType} ${n.name}: only the first output is differentiable`);
      }
      const dy = total(n.outputs[0]);
      if (!dy) continue;
      const grads = rule(ctx, n, dy, needs);
      grads.forEach((d, j) => {
        if (d && needs[j]) contribute(n.inputs[j], d);
      });
    }
  });

  for (const w of opts.wrt) {
    const d = g.scope(
      'bwd',
      () =>
        total(w) ??
        g.op('Expand', [g.constF32('zero', [0], []), g.op('Shape', [{ name: w }], {}, 'shape')], {}, 'no_path'),
    );
    const shape = info.shapes.get(w) as readonly number[];
    const io = forward.inputs.find((x) => x.name === w);
    g.output(g.op('Identity', [d], {}, gradName(w)), 'float32', io ? io.shape : shape);
  }
  if (opts.outputLoss !== false && !g.outputs.some((o) => o.name === opts.loss))
    g.output({ name: opts.loss }, 'float32', info.shapes.get(opts.loss) as readonly number[]);
  return g;
}
