/**
 * The mini decoder's denoiser as a graph: a patch-embedding stem (the encoders' non-overlapping
 * Conv), transformer blocks built from ImageBind's own `attention` and `mlp`, modulated DiT-style
 * (adaLN-Zero, Peebles & Xie 2023), and a linear un-patchify. Inputs and output mirror Stable
 * unCLIP's UNet (`sample`, `timestep`, `class_labels` → `out_sample`), so one sampling loop drives
 * both. Training and inference build the same graph (structural parity).
 *
 *   timestep [B] → sinusoid → MLP ─┐                    class_labels [B, 2C] → MLP → C tokens + c
 *                                  └── e = t + c ──→ per block: shift, scale, gate (zero-initialised)
 *   sample [B, 3, S, S] → Conv(p, stride p) → P patch tokens + position
 *   [cond tokens | patches] → adaLN blocks with long skips (U-ViT) → adaLN → patches → Linear → image
 *
 * Why modulation: with conditioning only added to tokens, a LayerNorm'd residual stream keeps
 * each patch's own input, and at t ≈ T (input = noise) the network rendered every patch from its
 * noise (fragmented samples). Scaling by (1 + scale(e)) and gating by gate(e) lets the timestep
 * switch the input path off.
 */
import { gelu, linear, mlp, attention } from '../blocks.ts';
import { Graph, type Value, attr } from '../graph.ts';
import { type DitSpec, PARAM_PREFIX as P, ditTokens } from './dit-spec.ts';

export const DIT_INPUTS = { sample: 'sample', timestep: 'timestep', condition: 'class_labels' } as const;
export const DIT_OUTPUT = 'out_sample';

/** exp(−ln(10⁴)·i/half): the timestep frequencies (cos first, no shift), as diffusers' Timesteps(flip, 0). */
function frequencies(half: number): number[] {
  return Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half));
}

function mlp2(g: Graph, x: Value, prefix: string, inDim: number, hidden: number, outDim: number): Value {
  const h = linear(g, x, `${prefix}.fc1`, inDim, hidden, true, 'fc1');
  return linear(g, gelu(g, h), `${prefix}.fc2`, hidden, outDim, true, 'fc2');
}

/** 2-D sin-cos position table (MAE/DiT), [grid², d]: the learned table starts from it. */
export function sincosPositions(grid: number, d: number): Float32Array {
  const out = new Float32Array(grid * grid * d);
  const quarter = d / 4;
  for (let y = 0; y < grid; y++)
    for (let x = 0; x < grid; x++)
      for (let i = 0; i < quarter; i++) {
        const w = 1 / 10000 ** (i / quarter);
        const row = (y * grid + x) * d;
        out[row + i] = Math.sin(x * w);
        out[row + quarter + i] = Math.cos(x * w);
        out[row + 2 * quarter + i] = Math.sin(y * w);
        out[row + 3 * quarter + i] = Math.cos(y * w);
      }
  return out;
}

interface Ctx {
  readonly g: Graph;
  readonly d: number;
  readonly tokens: number;
  /** GELU(e), [B, d]: what every modulation reads. */
  readonly e: Value;
  /** LayerNorm's scale and bias when it carries no parameters of its own. */
  readonly ones: Value;
  readonly zeros: Value;
}

/** `n` modulation vectors [B, 1, d] from e: one zero-initialised Linear d → n·d, split. */
function modulation(c: Ctx, prefix: string, n: number): Value[] {
  const { g, d } = c;
  const m = linear(g, c.e, `${prefix}.adaln`, d, n * d, true, 'adaln');
  const parts = g.op('Reshape', [m, g.constI64('adaln_shape', [-1, n, d])], {}, 'adaln_parts');
  return Array.from({ length: n }, (_, i) =>
    g.op('Gather', [parts, g.constI64(`adaln_index_${i}`, [i], [1])], { axis: attr.i(1) }, `mod_${i}`),
  );
}

/** LayerNorm (no affine) of rows [B·T, d], then ·(1 + scale) + shift per item; returns rows. */
function modulate(c: Ctx, x: Value, shift: Value, scale: Value, local: string): Value {
  const { g, d } = c;
  const n = g.op(
    'LayerNormalization',
    [x, c.ones, c.zeros],
    { axis: attr.i(-1), epsilon: attr.f(1e-6) },
    `${local}_ln`,
  );
  const seq = g.op('Reshape', [n, g.constI64(`${local}_seq`, [-1, c.tokens, d])], {}, `${local}_seq`);
  const scaled = g.op('Mul', [seq, g.op('Add', [scale, g.constF32('one', [1], [])])], {}, `${local}_scaled`);
  const out = g.op('Add', [scaled, shift], {}, `${local}_shifted`);
  return g.op('Reshape', [out, g.constI64(`${local}_rows`, [-1, d])], {}, local);
}

/** gate ⊙ rows (gate [B, 1, d]). */
function gated(c: Ctx, rows: Value, gate: Value, local: string): Value {
  const { g, d } = c;
  const seq = g.op('Reshape', [rows, g.constI64(`${local}_seq`, [-1, c.tokens, d])], {}, `${local}_seq`);
  return g.op('Reshape', [g.op('Mul', [seq, gate]), g.constI64(`${local}_rows`, [-1, d])], {}, local);
}

/** x + gate₁·attn(mod(x)) then + gate₂·mlp(mod(x)): DiT's adaLN-Zero block on rows [B·T, d]. */
function ditBlock(c: Ctx, x: Value, prefix: string, heads: number): Value {
  const { g, d } = c;
  const [shift1, scale1, gate1, shift2, scale2, gate2] = modulation(c, prefix, 6);
  const o = { dim: d, heads, tokens: c.tokens, addBiasKV: false, mask: null };
  const a = attention(g, modulate(c, x, shift1, scale1, 'norm_1'), `${prefix}.attn`, o);
  const x1 = g.op('Add', [x, gated(c, a, gate1, 'attn_gated')], {}, 'attn_residual');
  const m = mlp(g, modulate(c, x1, shift2, scale2, 'norm_2'), `${prefix}.mlp`, d, 4 * d);
  return g.op('Add', [x1, gated(c, m, gate2, 'mlp_gated')], {}, 'out');
}

/** Adds the denoiser to `g` reading the three inputs; returns the predicted [B, 3, S, S] tensor. */
export function buildDit(g: Graph, s: DitSpec, inputs: { sample: Value; timestep: Value; condition: Value }): Value {
  const { patches, grid } = ditTokens(s);
  const d = s.dim;
  const tokens = patches + s.condTokens;
  const half = s.timeFeatures / 2;

  const time = g.scope('time', () => {
    const t = g.op('Unsqueeze', [inputs.timestep, g.constI64('axis', [1])], {}, 't');
    const phase = g.op('Mul', [t, g.constF32('freqs', frequencies(half), [1, half])], {}, 'phase');
    const feats = g.op('Concat', [g.op('Cos', [phase]), g.op('Sin', [phase])], { axis: attr.i(1) }, 'features');
    return mlp2(g, feats, `${P}.time_mlp`, s.timeFeatures, d, d);
  });
  const [condTokens, condVector] = g.scope('cond', () => {
    const h = mlp2(g, inputs.condition, `${P}.cond_mlp`, 2 * s.condDim, d, (s.condTokens + 1) * d);
    const all = g.op('Reshape', [h, g.constI64('shape', [-1, s.condTokens + 1, d])], {}, 'all');
    const idx = Array.from({ length: s.condTokens }, (_, k) => k + 1);
    return [
      g.op('Gather', [all, g.constI64('token_index', idx)], { axis: attr.i(1) }, 'tokens'),
      g.op('Gather', [all, g.constI64('vector_index', [0], [])], { axis: attr.i(1) }, 'vector'),
    ];
  });
  const c: Ctx = {
    g,
    d,
    tokens,
    e: gelu(g, g.op('Add', [time, condVector], {}, 'embedding')),
    ones: g.constF32('ln_ones', new Array<number>(d).fill(1)),
    zeros: g.constF32('ln_zeros', new Array<number>(d).fill(0)),
  };

  const patchTokens = g.scope('stem', () => {
    const w = g.weight(`${P}.stem.weight`, [d, 3, s.patch, s.patch]);
    const conv = g.op(
      'Conv',
      [inputs.sample, w],
      { kernel_shape: attr.ints([s.patch, s.patch]), strides: attr.ints([s.patch, s.patch]) },
      'conv',
    );
    const flat = g.op('Reshape', [conv, g.constI64('flat_shape', [0, d, patches])], {}, 'flat');
    const tok = g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }, 'tokens');
    return g.op('Add', [tok, g.weight(`${P}.pos_embed`, [1, patches, d])], {}, 'with_pos');
  });

  const all = g.op('Concat', [condTokens, patchTokens], { axis: attr.i(1) }, 'tokens');
  let x = g.op('Reshape', [all, g.constI64('rows_shape', [-1, d])], {}, 'rows');
  const half2 = (s.depth - 1) / 2;
  const skips: Value[] = [];
  for (let i = 0; i < s.depth; i++) {
    x = g.scope(`blocks.${i}`, () => {
      let h = x;
      if (i > half2) {
        const cat = g.op('Concat', [h, skips.pop() as Value], { axis: attr.i(1) }, 'skip_cat');
        h = linear(g, cat, `${P}.skips.${i}`, 2 * d, d, true, 'skip');
      }
      return ditBlock(c, h, `${P}.blocks.${i}`, s.heads);
    });
    if (i < half2) skips.push(x);
  }
  return g.scope('head', () => {
    const [shift, scale] = modulation(c, `${P}.final`, 2);
    const normed = modulate(c, x, shift, scale, 'norm');
    const seq = g.op('Reshape', [normed, g.constI64('seq_shape', [-1, tokens, d])], {}, 'seq');
    const idx = Array.from({ length: patches }, (_, k) => s.condTokens + k);
    const picked = g.op('Gather', [seq, g.constI64('patch_index', idx)], { axis: attr.i(1) }, 'patches');
    const patchRows = g.op('Reshape', [picked, g.constI64('patch_rows_shape', [-1, d])], {}, 'patch_rows');
    const pix = linear(g, patchRows, `${P}.final_linear`, d, s.patch * s.patch * 3, true, 'pixels');
    const split = g.op('Reshape', [pix, g.constI64('split_shape', [-1, grid, grid, s.patch, s.patch, 3])], {}, 'split');
    const img = g.op('Transpose', [split], { perm: attr.ints([0, 5, 1, 3, 2, 4]) }, 'channels_first');
    return g.op('Reshape', [img, g.constI64('image_shape', [-1, 3, s.imageSize, s.imageSize])], {}, 'image');
  });
}

/** The denoiser alone (inference): checkpoint-backed weights under `decoder.*` keys. */
export function buildDitGraph(s: DitSpec): Graph {
  const g = new Graph('imagebind_mini_decoder');
  const S = s.imageSize;
  const inputs = {
    sample: g.input(DIT_INPUTS.sample, 'float32', ['batch', 3, S, S]),
    timestep: g.input(DIT_INPUTS.timestep, 'float32', ['batch']),
    condition: g.input(DIT_INPUTS.condition, 'float32', ['batch', 2 * s.condDim]),
  };
  const out = buildDit(g, s, inputs);
  g.output(g.op('Identity', [out], {}, DIT_OUTPUT), 'float32', ['batch', 3, S, S]);
  return g;
}
