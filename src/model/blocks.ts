/**
 * Transformer building blocks over token matrices shaped [N, D] (N = batch × tokens). Keeping the
 * trunk 2-D lets every Linear be one Gemm on the official [out, in] weight (transB = 1), so the
 * checkpoint's tensors are written unchanged under their official names.
 */
import { type Graph, type Value, attr } from './graph.ts';

export function layerNorm(g: Graph, x: Value, prefix: string, dim: number, eps: number, local = 'ln'): Value {
  const w = g.weight(`${prefix}.weight`, [dim], 'norm_weight');
  const b = g.weight(`${prefix}.bias`, [dim], 'norm_bias');
  return g.op('LayerNormalization', [x, w, b], { axis: attr.i(-1), epsilon: attr.f(eps) }, local);
}

/**
 * x · Wᵀ (+ b) on [N, in] with the official [out, in] weight: one Gemm, transB = 1. In int8 graphs
 * the weight is int8 per output channel and the activations are quantized on the fly
 * (onnxruntime's DynamicQuantizeMatMul, u8×s8 kernels on VNNI CPUs).
 */
export function gemm(
  g: Graph,
  x: Value,
  weightKey: string,
  biasKey: string | null,
  inDim: number,
  outDim: number,
  local: string,
): Value {
  const b = biasKey ? g.weight(biasKey, [outDim], 'bias') : null;
  if (g.precision === 'int8') {
    const { q, scale } = g.quantizedWeight(weightKey, outDim, inDim);
    const zero = g.inline(`${local}_zero_point`, 'int8', [outDim], new Int8Array(outDim));
    return g.op('DynamicQuantizeMatMul', [x, q, scale, zero, b], {}, local, 'com.microsoft');
  }
  const w = g.weight(weightKey, [outDim, inDim]);
  return g.op('Gemm', b ? [x, w, b] : [x, w], { transB: attr.i(1) }, local);
}

/** `nn.Linear` with parameters `<prefix>.weight` / `<prefix>.bias`. */
export function linear(
  g: Graph,
  x: Value,
  prefix: string,
  inDim: number,
  outDim: number,
  bias: boolean,
  local = 'linear',
): Value {
  return gemm(g, x, `${prefix}.weight`, bias ? `${prefix}.bias` : null, inDim, outDim, local);
}

/** Exact (erf) GELU, `torch.nn.GELU()`; written as the pattern onnxruntime fuses into one kernel. */
export function gelu(g: Graph, x: Value): Value {
  const scaled = g.op('Div', [x, g.constAct('sqrt2', [Math.SQRT2], [])], {}, 'gelu_div');
  const erf = g.op('Erf', [scaled], {}, 'gelu_erf');
  const onePlus = g.op('Add', [erf, g.constAct('one', [1], [])], {}, 'gelu_add');
  const prod = g.op('Mul', [x, onePlus], {}, 'gelu_mul');
  return g.op('Mul', [prod, g.constAct('half', [0.5], [])], {}, 'gelu');
}

/** imagebind/models/transformer.py: Mlp.forward (fc1 → GELU → fc2). */
export function mlp(g: Graph, x: Value, prefix: string, dim: number, hidden: number): Value {
  return g.scope('mlp', () => {
    const h = linear(g, x, `${prefix}.fc1`, dim, hidden, true, 'fc1');
    return linear(g, gelu(g, h), `${prefix}.fc2`, hidden, dim, true, 'fc2');
  });
}

export interface AttentionOptions {
  readonly dim: number;
  readonly heads: number;
  /** Tokens per item (static for every ImageBind modality). */
  readonly tokens: number;
  readonly addBiasKV: boolean;
  /** Additive mask (text's causal mask): [tokens, tokens], or [B, heads, tokens, tokens] when fused. */
  readonly mask: Value | null;
  /** Use onnxruntime's fused MultiHeadAttention kernel (inference only: autodiff has no rule for it). */
  readonly fused?: boolean;
}

/**
 * `nn.MultiheadAttention(x, x, x, need_weights=False, attn_mask)` as in torch 1.13's
 * `F.multi_head_attention_forward` (imagebind/models/transformer.py: MultiheadAttention.forward):
 * packed in-projection; with add_bias_kv a learned key/value is appended after projection; then
 * softmax((q / sqrt(d)) kᵀ + mask) v per head, and the out-projection.
 */
export function attention(g: Graph, x: Value, prefix: string, o: AttentionOptions): Value {
  const hd = o.dim / o.heads;
  return g.scope('attn', () => {
    const qkv = gemm(g, x, `${prefix}.in_proj_weight`, `${prefix}.in_proj_bias`, o.dim, 3 * o.dim, 'qkv');
    if (o.fused) return fusedAttention(g, qkv, prefix, o);
    const split = g.op('Reshape', [qkv, g.constI64('qkv_shape', [-1, o.tokens, 3, o.heads, hd])], {}, 'qkv_heads');
    const perm = g.op('Transpose', [split], { perm: attr.ints([2, 0, 3, 1, 4]) }, 'qkv_t');
    const pick = (i: number, local: string) =>
      g.op('Gather', [perm, g.constI64(`${local}_index`, [i], [])], { axis: attr.i(0) }, local);
    const q = g.op('Div', [pick(0, 'q'), g.constAct('sqrt_hd', [Math.sqrt(hd)], [])], {}, 'q_scaled');
    let k = pick(1, 'k');
    let v = pick(2, 'v');
    if (o.addBiasKV) {
      const bh = g.op('Shape', [q], { start: attr.i(0), end: attr.i(2) }, 'batch_heads');
      const shape = g.op('Concat', [bh, g.constI64('one_hd', [1, hd])], { axis: attr.i(0) }, 'bias_kv_shape');
      const extra = (key: 'bias_k' | 'bias_v', seq: Value) => {
        const w = g.weight(`${prefix}.${key}`, [1, 1, o.dim], 'bias');
        const heads = g.op('Reshape', [w, g.constI64(`${key}_heads_shape`, [1, o.heads, 1, hd])], {}, `${key}_heads`);
        const tiled = g.op('Expand', [heads, shape], {}, `${key}_expanded`);
        return g.op('Concat', [seq, tiled], { axis: attr.i(2) }, `${key === 'bias_k' ? 'k' : 'v'}_with_bias`);
      };
      k = extra('bias_k', k);
      v = extra('bias_v', v);
    }
    const kt = g.op('Transpose', [k], { perm: attr.ints([0, 1, 3, 2]) }, 'k_t');
    let scores = g.op('MatMul', [q, kt], {}, 'scores');
    if (o.mask) scores = g.op('Add', [scores, o.mask], {}, 'scores_masked');
    const probs = g.op('Softmax', [scores], { axis: attr.i(-1) }, 'probs');
    const ctx = g.op('MatMul', [probs, v], {}, 'context');
    const merged = g.op('Transpose', [ctx], { perm: attr.ints([0, 2, 1, 3]) }, 'context_t');
    const flat = g.op('Reshape', [merged, g.constI64('flat_shape', [-1, o.dim])], {}, 'context_flat');
    return linear(g, flat, `${prefix}.out_proj`, o.dim, o.dim, true, 'out');
  });
}

/**
 * The same attention through com.microsoft.MultiHeadAttention: q, k, v as [B, L, D] (k and v with
 * the learned bias token appended when add_bias_kv), the causal mask as an additive attention bias.
 * The kernel scales q·kᵀ by 1/sqrt(d) instead of dividing q first (float rounding only).
 */
function fusedAttention(g: Graph, qkv: Value, prefix: string, o: AttentionOptions): Value {
  const seq = g.op('Reshape', [qkv, g.constI64('qkv_seq_shape', [-1, o.tokens, 3 * o.dim])], {}, 'qkv_seq');
  const [q, k0, v0] = g.opN(
    'Split',
    [seq, g.constI64('qkv_split', [o.dim, o.dim, o.dim])],
    3,
    { axis: attr.i(-1) },
    'qkv_split',
  );
  let k = k0,
    v = v0;
  if (o.addBiasKV) {
    const b = g.op('Shape', [q], { start: attr.i(0), end: attr.i(1) }, 'batch');
    const shape = g.op('Concat', [b, g.constI64('one_dim', [1, o.dim])], { axis: attr.i(0) }, 'bias_kv_shape');
    const append = (key: 'bias_k' | 'bias_v', seqv: Value) => {
      const tiled = g.op('Expand', [g.weight(`${prefix}.${key}`, [1, 1, o.dim], 'bias'), shape], {}, `${key}_expanded`);
      return g.op('Concat', [seqv, tiled], { axis: attr.i(1) }, `${key === 'bias_k' ? 'k' : 'v'}_with_bias`);
    };
    k = append('bias_k', k);
    v = append('bias_v', v);
  }
  const ctx = g.op(
    'MultiHeadAttention',
    [q, k, v, null, null, o.mask],
    { num_heads: attr.i(o.heads) },
    'context',
    'com.microsoft',
  );
  const flat = g.op('Reshape', [ctx, g.constI64('flat_shape', [-1, o.dim])], {}, 'context_flat');
  return linear(g, flat, `${prefix}.out_proj`, o.dim, o.dim, true, 'out');
}

/** imagebind/models/transformer.py: BlockWithMasking.forward (pre-norm, no layer scale, eval mode). */
export function block(g: Graph, x: Value, prefix: string, o: AttentionOptions): Value {
  const a = attention(g, layerNorm(g, x, `${prefix}.norm_1`, o.dim, 1e-6, 'norm_1'), `${prefix}.attn`, o);
  const x1 = g.op('Add', [x, a], {}, 'attn_residual');
  const m = mlp(g, layerNorm(g, x1, `${prefix}.norm_2`, o.dim, 1e-6, 'norm_2'), `${prefix}.mlp`, o.dim, 4 * o.dim);
  return g.op('Add', [x1, m], {}, 'out');
}

/** imagebind/models/helpers.py: Normalize (F.normalize, eps 1e-12) then LearnableLogitScaling (clip max 100). */
export function postprocess(g: Graph, x: Value, logitScaleKey: string | null): Value {
  return g.scope('post', () => {
    const norm = g.op('ReduceL2', [x], { axes: attr.ints([-1]), keepdims: attr.i(1) }, 'l2');
    const denom = g.op('Max', [norm, g.constF32('eps', [1e-12], [])], {}, 'l2_clamped');
    const unit = g.op('Div', [x, denom], {}, 'normalized');
    if (!logitScaleKey) return unit;
    const scale = g.op(
      'Min',
      [g.op('Exp', [g.weight(logitScaleKey, [], 'logit_scale')], {}, 'scale_exp'), g.constF32('max_scale', [100], [])],
      {},
      'scale',
    );
    return g.op('Mul', [unit, scale], {}, 'scaled');
  });
}
