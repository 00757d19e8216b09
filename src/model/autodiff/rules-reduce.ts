/** Backward rules for reductions and normalisations: ReduceSum/Mean/L2, (Log)Softmax, LayerNorm. */
import { type NodeDef, type Value, attr } from '../graph.ts';
import { type GradContext, type GradRule, floatAttr, intAttr, intsAttr, v } from './context.ts';

function reducedAxes(ctx: GradContext, n: NodeDef): number[] {
  const r = ctx.rank(n.inputs[0]);
  const fromAttr = intsAttr(n, 'axes');
  let axes = fromAttr;
  if (!axes && n.inputs[1]) {
    const init = ctx.g.initializers.find((i) => i.name === n.inputs[1]);
    if (!init || init.source.kind !== 'inline' || !(init.source.data instanceof BigInt64Array)) {
      throw new Error(`autodiff: ${n.opType} ${n.name}: axes must be a constant`);
    }
    axes = Array.from(init.source.data, Number);
  }
  return (axes ?? Array.from({ length: r }, (_, i) => i)).map((a) => (a < 0 ? a + r : a));
}

/** dy (and any reduced companion) brought back to the input's rank, so it broadcasts over x. */
function keepDims(ctx: GradContext, n: NodeDef, t: Value): Value {
  if (intAttr(n, 'keepdims', 1) === 1) return t;
  return ctx.op('Unsqueeze', [t, ctx.ints(reducedAxes(ctx, n))], {}, 'keepdims');
}

/** y = Σ_axes x: ∂x = broadcast(dy). */
const reduceSum: GradRule = (ctx, n, dy) => [
  ctx.op('Expand', [keepDims(ctx, n, dy), ctx.shapeOf(n.inputs[0])], {}, 'sum_back'),
  null,
];

/** y = mean_axes x: ∂x = broadcast(dy) · |y| / |x| (counts taken at run time). */
const reduceMean: GradRule = (ctx, n, dy) => {
  const [dx] = reduceSum(ctx, n, dy, [true]);
  const count = (t: string) => ctx.op('Cast', [ctx.op('Size', [v(t)])], { to: attr.i(1) }, 'count');
  return [
    ctx.op('Div', [ctx.op('Mul', [dx as Value, count(n.outputs[0])]), count(n.inputs[0])], {}, 'mean_back'),
    null,
  ];
};

/** y = ‖x‖₂ over axes: ∂x = x · dy / y (y floored at 1e-30 so an all-zero row gives 0, not NaN). */
const reduceL2: GradRule = (ctx, n, dy) => {
  const y = ctx.op('Max', [keepDims(ctx, n, v(n.outputs[0])), ctx.scalar(1e-30)]);
  return [ctx.op('Mul', [v(n.inputs[0]), ctx.op('Div', [keepDims(ctx, n, dy), y])], {}, 'l2_back'), null];
};

function lastAxis(ctx: GradContext, n: NodeDef): number {
  const r = ctx.rank(n.inputs[0]);
  const ax = intAttr(n, 'axis', -1);
  if ((ax < 0 ? ax + r : ax) !== r - 1)
    throw new Error(`autodiff: ${n.opType} ${n.name}: only the last axis is supported`);
  return r - 1;
}

/** y = softmax(x) on the last axis: ∂x = y ⊙ (dy − Σ(dy ⊙ y)). */
const softmax: GradRule = (ctx, n, dy) => {
  const ax = lastAxis(ctx, n);
  const y = v(n.outputs[0]);
  const dot = ctx.op('ReduceSum', [ctx.op('Mul', [dy, y]), ctx.ints([ax])], { keepdims: attr.i(1) });
  return [ctx.op('Mul', [y, ctx.op('Sub', [dy, dot])], {}, 'softmax_back')];
};

/** y = log_softmax(x) on the last axis: ∂x = dy − exp(y) · Σ dy. */
const logSoftmax: GradRule = (ctx, n, dy) => {
  const ax = lastAxis(ctx, n);
  const total = ctx.op('ReduceSum', [dy, ctx.ints([ax])], { keepdims: attr.i(1) });
  return [ctx.op('Sub', [dy, ctx.op('Mul', [ctx.op('Exp', [v(n.outputs[0])]), total])], {}, 'log_softmax_back')];
};

/**
 * y = x̂·w + b on the last axis, x̂ = (x − μ)·r, r = 1/√(σ² + ε). With g = dy·w:
 * ∂x = r·(g − mean(g) − x̂·mean(g·x̂)), ∂w = Σ_rows dy·x̂, ∂b = Σ_rows dy. μ and r are recomputed
 * here, so the forward node stays the inference graph's own LayerNormalization.
 */
const layerNorm: GradRule = (ctx, n, dy, needs) => {
  const ax = lastAxis(ctx, n);
  const eps = floatAttr(n, 'epsilon', 1e-5);
  const x = v(n.inputs[0]);
  const mean = (t: Value) => ctx.op('ReduceMean', [t], { axes: attr.ints([ax]), keepdims: attr.i(1) }, 'ln_mean');
  const xc = ctx.op('Sub', [x, mean(x)], {}, 'ln_centered');
  const rstd = ctx.op(
    'Div',
    [ctx.scalar(1), ctx.op('Sqrt', [ctx.op('Add', [mean(ctx.op('Mul', [xc, xc])), ctx.scalar(eps)])])],
    {},
    'ln_rstd',
  );
  const xhat = ctx.op('Mul', [xc, rstd], {}, 'ln_xhat');
  const ys = ctx.shape(n.outputs[0]);
  const out: (Value | null)[] = [null, null, null];
  if (needs[0]) {
    const gw = n.inputs[1] ? ctx.op('Mul', [dy, v(n.inputs[1])]) : dy;
    const inner = ctx.op('Sub', [
      ctx.op('Sub', [gw, mean(gw)]),
      ctx.op('Mul', [xhat, mean(ctx.op('Mul', [gw, xhat]))]),
    ]);
    out[0] = ctx.op('Mul', [inner, rstd], {}, 'ln_dx');
  }
  if (needs[1]) out[1] = ctx.reduceTo(ctx.op('Mul', [dy, xhat]), ys, n.inputs[1]);
  if (needs[2]) out[2] = ctx.reduceTo(dy, ys, n.inputs[2]);
  return out;
};

export const REDUCE_RULES: Readonly<Record<string, GradRule>> = {
  ReduceSum: reduceSum,
  ReduceMean: reduceMean,
  ReduceL2: reduceL2,
  Softmax: softmax,
  LogSoftmax: logSoftmax,
  LayerNormalization: layerNorm,
};
