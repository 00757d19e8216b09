/** Backward rules for elementwise ops (broadcasting undone by `reduceTo`). */
import { type NodeDef, type Value, attr } from '../graph.ts';
import { type GradContext, type GradRule, v } from './context.ts';

function pair(
  ctx: GradContext,
  n: NodeDef,
  needs: readonly boolean[],
  da: () => Value,
  db: () => Value,
): (Value | null)[] {
  const y = ctx.shape(n.outputs[0]);
  return [needs[0] ? ctx.reduceTo(da(), y, n.inputs[0]) : null, needs[1] ? ctx.reduceTo(db(), y, n.inputs[1]) : null];
}

const [A, B] = [0, 1].map((i) => (n: NodeDef) => v(n.inputs[i]));
const Y = (n: NodeDef) => v(n.outputs[0]);

/** y = a + b: ∂a = Σ_bcast dy, ∂b = Σ_bcast dy. */
const add: GradRule = (ctx, n, dy, needs) =>
  pair(
    ctx,
    n,
    needs,
    () => dy,
    () => dy,
  );

/** y = a − b: ∂a = Σ_bcast dy, ∂b = −Σ_bcast dy. */
const sub: GradRule = (ctx, n, dy, needs) =>
  pair(
    ctx,
    n,
    needs,
    () => dy,
    () => ctx.op('Neg', [dy]),
  );

/** y = a · b: ∂a = Σ_bcast dy·b, ∂b = Σ_bcast dy·a. */
const mul: GradRule = (ctx, n, dy, needs) =>
  pair(
    ctx,
    n,
    needs,
    () => ctx.op('Mul', [dy, B(n)]),
    () => ctx.op('Mul', [dy, A(n)]),
  );

/** y = a / b: ∂a = Σ_bcast dy / b, ∂b = −Σ_bcast dy·y / b. */
const div: GradRule = (ctx, n, dy, needs) =>
  pair(
    ctx,
    n,
    needs,
    () => ctx.op('Div', [dy, B(n)]),
    () => ctx.op('Neg', [ctx.op('Div', [ctx.op('Mul', [dy, Y(n)]), B(n)])]),
  );

/**
 * y = max(a, b) (min likewise): the gradient passes to the selected operand — ∂a = dy·[a ≥ b],
 * ∂b = dy·[a < b] (ties go to a, so the two masks partition dy).
 */
function select(cmp: 'GreaterOrEqual' | 'LessOrEqual'): GradRule {
  return (ctx, n, dy, needs) => {
    if (n.inputs.length !== 2)
      throw new Error(`autodiff: ${n.opType} ${n.name}: only the two-operand form is differentiable`);
    const mask = ctx.op('Cast', [ctx.op(cmp, [A(n), B(n)])], { to: attr.i(1) }, 'mask');
    return pair(
      ctx,
      n,
      needs,
      () => ctx.op('Mul', [dy, mask]),
      () => ctx.op('Mul', [dy, ctx.op('Sub', [ctx.scalar(1), mask])]),
    );
  };
}

/** y = erf(x): ∂x = dy · 2/√π · exp(−x²). */
const erf: GradRule = (ctx, n, dy) => {
  const x = A(n);
  const e = ctx.op('Exp', [ctx.op('Neg', [ctx.op('Mul', [x, x])])]);
  return [ctx.op('Mul', [dy, ctx.op('Mul', [e, ctx.scalar(2 / Math.sqrt(Math.PI))])])];
};

/** y = exp(x): ∂x = dy · y. */
const exp: GradRule = (ctx, n, dy) => [ctx.op('Mul', [dy, Y(n)])];

/** y = log(x): ∂x = dy / x. */
const log: GradRule = (ctx, n, dy) => [ctx.op('Div', [dy, A(n)])];

/** y = √x: ∂x = dy / (2y). */
const sqrt: GradRule = (ctx, n, dy) => [ctx.op('Div', [dy, ctx.op('Mul', [Y(n), ctx.scalar(2)])])];

/** y = −x: ∂x = −dy. */
const neg: GradRule = (ctx, _n, dy) => [ctx.op('Neg', [dy])];

/** y = x: ∂x = dy. */
const identity: GradRule = (_ctx, _n, dy) => [dy];

export const ELEMENTWISE_RULES: Readonly<Record<string, GradRule>> = {
  Add: add,
  Sub: sub,
  Mul: mul,
  Div: div,
  Max: select('GreaterOrEqual'),
  Min: select('LessOrEqual'),
  Erf: erf,
  Exp: exp,
  Log: log,
  Sqrt: sqrt,
  Neg: neg,
  Identity: identity,
};
