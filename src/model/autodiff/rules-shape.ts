/** Backward rules for data movement: views, Transpose, Concat, Expand, Gather. */
import { type Value, attr } from '../graph.ts';
import { type GradContext, type GradRule, intAttr, intsAttr, v } from './context.ts';

const norm = (axis: number, rank: number) => (axis < 0 ? axis + rank : axis);

/** Reshape / Squeeze / Unsqueeze / Flatten: ∂x = reshape(dy, shape(x)). */
const view: GradRule = (ctx, n, dy) => [ctx.reshapeLike(dy, n.inputs[0]), null];

/** y = transpose(x, p): ∂x = transpose(dy, p⁻¹). */
const transpose: GradRule = (ctx, n, dy) => {
  const r = ctx.rank(n.inputs[0]);
  const perm = intsAttr(n, 'perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  const inv = new Array<number>(r);
  perm.forEach((p, i) => (inv[p] = i));
  return [ctx.op('Transpose', [dy], { perm: attr.ints(inv) }, 'transpose_back')];
};

/** y = concat(x₁…xₙ, axis): ∂xᵢ = the slice of dy that xᵢ filled (Split by the runtime sizes). */
const concat: GradRule = (ctx, n, dy, needs) => {
  const ax = norm(intAttr(n, 'axis', 0), ctx.rank(n.inputs[0]));
  const sizes = ctx.op(
    'Concat',
    n.inputs.map((x) => ctx.g.op('Shape', [v(x)], { start: attr.i(ax), end: attr.i(ax + 1) }, 'size')),
    { axis: attr.i(0) },
    'split_sizes',
  );
  const parts = ctx.g.opN('Split', [dy, sizes], n.inputs.length, { axis: attr.i(ax) }, 'concat_back');
  return parts.map((p, i) => (needs[i] ? p : null));
};

/** y = expand(x, shape): ∂x = Σ_bcast dy. */
const expand: GradRule = (ctx, n, dy) => [ctx.reduceTo(dy, ctx.shape(n.outputs[0]), n.inputs[0]), null];

/**
 * y = gather(x, idx, axis): y[pre, j…, post] = x[pre, idx[j…], post]. ∂x is a scatter-add of dy
 * into zeros (repeated indices accumulate): ScatterND(reduction = add) on x with `axis` moved to
 * the front, dy's index axes moved likewise, then moved back.
 */
const gather: GradRule = (ctx, n, dy, needs) => {
  if (needs[1]) throw new Error(`autodiff: Gather ${n.name}: indices are not differentiable`);
  const r = ctx.rank(n.inputs[0]);
  const q = ctx.rank(n.inputs[1]);
  const ax = norm(intAttr(n, 'axis', 0), r);
  const idx = ctx.op('Unsqueeze', [v(n.inputs[1]), ctx.ints([-1])], {}, 'scatter_index');
  if (ax === 0) {
    const zeros = ctx.zeros(ctx.shapeOf(n.inputs[0]));
    return [ctx.op('ScatterND', [zeros, idx, dy], { reduction: attr.s('add') }, 'gather_back'), null];
  }
  const xPerm = [ax, ...range(0, ax), ...range(ax + 1, r)];
  const dyPerm = [...range(ax, ax + q), ...range(0, ax), ...range(ax + q, r - 1 + q)];
  const moved = ctx.op('Gather', [ctx.shapeOf(n.inputs[0]), ctx.ints(xPerm)], { axis: attr.i(0) }, 'moved_shape');
  const dyMoved = ctx.op('Transpose', [dy], { perm: attr.ints(dyPerm) }, 'dy_moved');
  const scattered = ctx.op('ScatterND', [ctx.zeros(moved), idx, dyMoved], { reduction: attr.s('add') }, 'gather_back');
  return [ctx.op('Transpose', [scattered], { perm: attr.ints(inverse(xPerm)) }, 'gather_back_t'), null];
};

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(b - a, 0) }, (_, i) => a + i);
}

function inverse(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const SHAPE_RULES: Readonly<Record<string, GradRule>> = {
  Reshape: view,
  Squeeze: view,
  Unsqueeze: view,
  Flatten: view,
  Transpose: transpose,
  Concat: concat,
  Expand: expand,
  Gather: gather,
};
