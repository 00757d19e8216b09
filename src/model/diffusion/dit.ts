/**
 * The mini decoder's denoiser as a graph: a patch-embedding stem (the encoders' non-overlapping
 * Conv), ImageBind's own pre-norm transformer `block`s, and a linear un-patchify. Inputs and output
 * mirror Stable unCLIP's UNet (`sample`, `timestep`, `class_labels` → `out_sample`), so one
 * sampling loop drives both. Training and inference build the same graph (structural parity).
 *
 *   class_labels [B, 2C] → MLP → C tokens     timestep [B] → sinusoid → MLP → 1 token
 *   sample [B, 3, S, S] → Conv(p, stride p) → P patch tokens + position + (time + cond₀)
 *   [cond | time | patches] → blocks with long skips (U-ViT) → LayerNorm → patches → Linear → image
 */
import { block, gelu, layerNorm, linear } from '../blocks.ts';
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

/** Adds the denoiser to `g` reading the three inputs; returns the predicted [B, 3, S, S] tensor. */
export function buildDit(g: Graph, s: DitSpec, inputs: { sample: Value; timestep: Value; condition: Value }): Value {
  const { patches, grid, total } = ditTokens(s);
  const d = s.dim;
  const half = s.timeFeatures / 2;
  const rows = (x: Value, local: string) => g.op('Reshape', [x, g.constI64(`${local}_shape`, [-1, d])], {}, local);
  const seq = (x: Value, n: number, local: string) =>
    g.op('Reshape', [x, g.constI64(`${local}_shape`, [-1, n, d])], {}, local);

  const timeToken = g.scope('time', () => {
    const t = g.op('Unsqueeze', [inputs.timestep, g.constI64('axis', [1])], {}, 't');
    const phase = g.op('Mul', [t, g.constF32('freqs', frequencies(half), [1, half])], {}, 'phase');
    const feats = g.op('Concat', [g.op('Cos', [phase]), g.op('Sin', [phase])], { axis: attr.i(1) }, 'features');
    return mlp2(g, feats, `${P}.time_mlp`, s.timeFeatures, d, d);
  });
  const condTokens = g.scope('cond', () =>
    seq(mlp2(g, inputs.condition, `${P}.cond_mlp`, 2 * s.condDim, d, s.condTokens * d), s.condTokens, 'tokens'),
  );

  const patchTokens = g.scope('stem', () => {
    const w = g.weight(`${P}.stem.weight`, [d, 3, s.patch, s.patch]);
    const conv = g.op(
      'Conv',
      [inputs.sample, w],
      { kernel_shape: attr.ints([s.patch, s.patch]), strides: attr.ints([s.patch, s.patch]) },
      'conv',
    );
    const flat = g.op('Reshape', [conv, g.constI64('flat_shape', [0, d, patches])], {}, 'flat');
    const tokens = g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }, 'tokens');
    const withPos = g.op('Add', [tokens, g.weight(`${P}.pos_embed`, [1, patches, d])], {}, 'with_pos');
    // Every patch also hears the timestep and the condition directly, not only through attention.
    const firstCond = g.op('Gather', [condTokens, g.constI64('first', [0], [])], { axis: attr.i(1) }, 'cond0');
    const global = g.op('Add', [timeToken, firstCond], {}, 'global');
    return g.op('Add', [withPos, g.op('Unsqueeze', [global, g.constI64('axis', [1])])], {}, 'conditioned');
  });

  const time3 = g.op('Unsqueeze', [timeToken, g.constI64('time_axis', [1])], {}, 'time_token');
  let x = rows(g.op('Concat', [condTokens, time3, patchTokens], { axis: attr.i(1) }, 'tokens'), 'rows');
  const o = { dim: d, heads: s.heads, tokens: total, addBiasKV: false, mask: null };
  const half2 = (s.depth - 1) / 2;
  const skips: Value[] = [];
  for (let i = 0; i < s.depth; i++) {
    x = g.scope(`blocks.${i}`, () => {
      let h = x;
      if (i > half2) {
        const skip = skips.pop() as Value;
        h = linear(
          g,
          g.op('Concat', [h, skip], { axis: attr.i(1) }, 'skip_cat'),
          `${P}.skips.${i}`,
          2 * d,
          d,
          true,
          'skip',
        );
      }
      return block(g, h, `${P}.blocks.${i}`, o);
    });
    if (i < half2) skips.push(x);
  }
  return g.scope('head', () => {
    const normed = layerNorm(g, x, `${P}.final_norm`, d, 1e-6, 'norm');
    const idx = Array.from({ length: patches }, (_, k) => total - patches + k);
    const picked = g.op(
      'Gather',
      [seq(normed, total, 'seq'), g.constI64('patch_index', idx)],
      { axis: attr.i(1) },
      'patches',
    );
    const pix = linear(g, rows(picked, 'patch_rows'), `${P}.final_linear`, d, s.patch * s.patch * 3, true, 'pixels');
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
