/** Backward rules for the matrix products: Gemm, MatMul, and the patch-embedding Conv. */
import { type Value, attr } from '../graph.ts';
import { type GradRule, floatAttr, intAttr, intsAttr, v } from './context.ts';

/**
 * Y = A·B' + C with B' = Bᵀ when transB (transA = 0, alpha = beta = 1):
 * ∂A = dY·B'ᵀ, ∂B = dYᵀ·A (transB) or Aᵀ·dY, ∂C = Σ_bcast dY.
 */
const gemm: GradRule = (ctx, n, dy, needs) => {
  if (intAttr(n, 'transA', 0) !== 0 || floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1) {
    throw new Error(`autodiff: Gemm ${n.name}: only transA = 0, alpha = beta = 1 is differentiable`);
  }
  const tb = intAttr(n, 'transB', 0) === 1;
  const [a, b] = [v(n.inputs[0]), v(n.inputs[1])];
  const t1 = { transA: attr.i(1) };
  return [
    needs[0] ? ctx.op('Gemm', [dy, b], tb ? {} : { transB: attr.i(1) }, 'd_a') : null,
    needs[1] ? (tb ? ctx.op('Gemm', [dy, a], t1, 'd_b') : ctx.op('Gemm', [a, dy], t1, 'd_b')) : null,
    needs[2] ? ctx.reduceTo(dy, ctx.shape(n.outputs[0]), n.inputs[2]) : null,
  ];
};

/**
 * Y = A·B over the last two axes, batch axes broadcast: ∂A = Σ_bcast dY·Bᵀ, ∂B = Σ_bcast Aᵀ·dY.
 */
const matmul: GradRule = (ctx, n, dy, needs) => {
  const [sa, sb, sy] = [ctx.shape(n.inputs[0]), ctx.shape(n.inputs[1]), ctx.shape(n.outputs[0])];
  if (sa.length < 2 || sb.length < 2) throw new Error(`autodiff: MatMul ${n.name}: rank-1 operands are not supported`);
  const swap = (x: Value, r: number) => {
    const perm = Array.from({ length: r }, (_, i) => i);
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return ctx.op('Transpose', [x], { perm: attr.ints(perm) }, 'swap');
  };
  const batch = sy.slice(0, -2);
  return [
    needs[0]
      ? ctx.reduceTo(
          ctx.op('MatMul', [dy, swap(v(n.inputs[1]), sb.length)], {}, 'd_a'),
          [...batch, ...sa.slice(-2)],
          n.inputs[0],
        )
      : null,
    needs[1]
      ? ctx.reduceTo(
          ctx.op('MatMul', [swap(v(n.inputs[0]), sa.length), dy], {}, 'd_b'),
          [...batch, ...sb.slice(-2)],
          n.inputs[1],
        )
      : null,
  ];
};

/**
 * Y[b,o,p] = Σ_{c,k} W[o,c,k]·X[b,c,p·s+k] with stride s = kernel (non-overlapping patches, no
 * padding/dilation/groups). Only ∂W is supported — the input is data:
 * ∂W[o,(c,k)] = Σ_{b,p} dY[b,o,p]·X[b,c,p·s+k], i.e. dYᵀ·patches with patches = X cropped to whole
 * patches, split into [B, C, P₁, k₁, P₂, k₂, …] and transposed to rows [(B·P), (C·K)].
 */
const conv: GradRule = (ctx, n, dy, needs) => {
  if (needs[0])
    throw new Error(
      `autodiff: Conv ${n.name}: the gradient w.r.t. the input is not supported (the input must be data)`,
    );
  const ws = ctx.shape(n.inputs[1]);
  const kernel = intsAttr(n, 'kernel_shape') ?? ws.slice(2);
  const strides = intsAttr(n, 'strides') ?? kernel.map(() => 1);
  const unsupported =
    kernel.some((k, i) => strides[i] !== k) ||
    intAttr(n, 'group', 1) !== 1 ||
    (intsAttr(n, 'pads') ?? []).some((p) => p !== 0) ||
    (intsAttr(n, 'dilations') ?? []).some((d) => d !== 1);
  if (unsupported)
    throw new Error(
      `autodiff: Conv ${n.name}: only stride = kernel without padding, dilation or groups is differentiable`,
    );
  const grads: (Value | null)[] = [null, null, null];
  if (needs[2]) grads[2] = ctx.reduceTo(dy, ctx.shape(n.outputs[0]), n.inputs[2]);
  if (!needs[1]) return grads;
  const xs = ctx.shape(n.inputs[0]);
  const ps = ctx.shape(n.outputs[0]).slice(2);
  const sp = kernel.length;
  const [c, o] = [xs[1], ws[0]];
  const K = kernel.reduce((p, k) => p * k, 1);
  let x = v(n.inputs[0]);
  const crop = kernel.map((k, i) => ps[i] * k);
  if (crop.some((e, i) => e !== xs[i + 2])) {
    const axes = kernel.map((_, i) => i + 2);
    x = ctx.op('Slice', [x, ctx.ints(axes.map(() => 0)), ctx.ints(crop), ctx.ints(axes)], {}, 'crop');
  }
  const split = ctx.op('Reshape', [x, ctx.ints([0, c, ...kernel.flatMap((k, i) => [ps[i], k])])], {}, 'patch_split');
  const perm = [0, ...kernel.map((_, i) => 2 + 2 * i), 1, ...kernel.map((_, i) => 3 + 2 * i)];
  const rows = ctx.op(
    'Reshape',
    [ctx.op('Transpose', [split], { perm: attr.ints(perm) }), ctx.ints([-1, c * K])],
    {},
    'patch_rows',
  );
  const dyPerm = [0, ...Array.from({ length: sp }, (_, i) => i + 2), 1];
  const dyRows = ctx.op(
    'Reshape',
    [ctx.op('Transpose', [dy], { perm: attr.ints(dyPerm) }), ctx.ints([-1, o])],
    {},
    'dy_rows',
  );
  const dw = ctx.op('Gemm', [dyRows, rows], { transA: attr.i(1) }, 'd_w');
  grads[1] = ctx.op('Reshape', [dw, ctx.ints(ws)], {}, 'd_w_shape');
  return grads;
};

export const LINEAR_RULES: Readonly<Record<string, GradRule>> = { Gemm: gemm, MatMul: matmul, Conv: conv };
