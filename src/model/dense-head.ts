/**
 * Dense patch embeddings for training-free localisation (MaskCLIP, Zhou et al. 2022, for CLIP):
 * the vision head (imagebind_model.py: LayerNorm → SelectElement(index=0) → Linear) applied to
 * every token instead of the selected one, then the post-processor's L2 normalisation, so each
 * patch lands in the joint space and can be compared with any modality's query in one forward pass.
 *
 * Modes (which token features feed the head):
 * - `tokens`: the trunk's output tokens as they are;
 * - `value`: MaskCLIP's choice: the last block's value path, `out_proj(v(norm_1(x)))`, without the
 *   attention mixing, the residual or the MLP (its keys/queries mix global context into every patch);
 * - `self`: the whole last block with each token attending only to itself (residual and MLP kept).
 * Which works best is measured by `imagebind eval-localization` (bench/localization.md).
 */
import type { ModalityArch } from './architecture.ts';
import { gemm, layerNorm, linear, mlp, postprocess } from './blocks.ts';
import type { Graph, Value } from './graph.ts';

export const DENSE_MODES = ['tokens', 'value', 'self'] as const;
export type DenseMode = (typeof DENSE_MODES)[number];

/** The last block's attention reduced to its value path: out_proj(v(norm_1(x))). */
function valuePath(g: Graph, x: Value, prefix: string, d: number): Value {
  const normed = layerNorm(g, x, `${prefix}.norm_1`, d, 1e-6, 'norm_1');
  const qkv = gemm(g, normed, `${prefix}.attn.in_proj_weight`, `${prefix}.attn.in_proj_bias`, d, 3 * d, 'qkv');
  const v = g.op(
    'Slice',
    [qkv, g.constI64('v_start', [2 * d]), g.constI64('v_end', [3 * d]), g.constI64('v_axis', [1])],
    {},
    'v',
  );
  return linear(g, v, `${prefix}.attn.out_proj`, d, d, true, 'attn_out');
}

/**
 * [B·T, D] trunk rows (and the last block's input rows) → [B, T − 1, outDim] unit patch embeddings
 * (the cls token dropped), in patch raster order.
 */
export function densePatchEmbeddings(
  g: Graph,
  trunkOut: Value,
  lastBlockInput: Value,
  arch: ModalityArch,
  mode: DenseMode,
): Value {
  const d = arch.embedDim;
  const last = `${arch.trunkPrefix}.blocks.${arch.numBlocks - 1}`;
  return g.scope('dense', () => {
    let x = trunkOut;
    if (mode === 'value') x = valuePath(g, lastBlockInput, last, d);
    if (mode === 'self') {
      const x1 = g.op('Add', [lastBlockInput, valuePath(g, lastBlockInput, last, d)], {}, 'attn_residual');
      const m = mlp(g, layerNorm(g, x1, `${last}.norm_2`, d, 1e-6, 'norm_2'), `${last}.mlp`, d, 4 * d);
      x = g.op('Add', [x1, m], {}, 'block_out');
    }
    const normed = layerNorm(g, x, arch.head.norm, d, 1e-6, 'head_norm');
    const proj = linear(g, normed, arch.head.linear.replace(/\.weight$/, ''), d, arch.outDim, false, 'head_proj');
    const unit = postprocess(g, proj, null);
    const seq = g.op('Reshape', [unit, g.constI64('seq_shape', [-1, arch.numTokens, arch.outDim])], {}, 'seq');
    return g.op(
      'Slice',
      [seq, g.constI64('patch_start', [1]), g.constI64('patch_end', [arch.numTokens]), g.constI64('patch_axis', [1])],
      {},
      'patch_embeddings',
    );
  });
}

/** The patch grid of a vision arch: rows × cols of the (square) 224 input. */
export function patchGrid(arch: ModalityArch): { rows: number; cols: number } {
  if (arch.stem.kind !== 'video-conv3d') throw new RangeError(`patchGrid: ${arch.modality} has no image patch grid`);
  const [kt, kh, kw] = arch.stem.kernel;
  const frames = Math.floor(arch.stem.frames / kt);
  if (frames !== 1) throw new RangeError(`patchGrid: ${frames} temporal patches per clip are not supported`);
  return { rows: Math.floor(arch.stem.size / kh), cols: Math.floor(arch.stem.size / kw) };
}
