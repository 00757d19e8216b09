/**
 * Modality preprocessors (imagebind/models/multimodal_preprocessors.py): turn one modality's input
 * into [B, L, D] tokens with the cls token prepended and the learned position embedding added.
 */
import type { ModalityArch, Stem } from './architecture.ts';
import { layerNorm } from './blocks.ts';
import { type Graph, type Value, attr } from './graph.ts';

function batchDim(g: Graph, input: Value): Value {
  return g.op('Shape', [input], { start: attr.i(0), end: attr.i(1) }, 'batch');
}

/** [B, D, ...spatial] conv output → [B, P, D] (PatchEmbedGeneric: flatten(2).transpose(1, 2)). */
function patchesToTokens(g: Graph, conv: Value, dim: number): Value {
  const flat = g.op('Reshape', [conv, g.constI64('patch_shape', [0, dim, -1])], {}, 'patches');
  return g.op('Transpose', [flat], { perm: attr.ints([0, 2, 1]) }, 'patch_tokens');
}

/** RGBDTPreprocessor.tokenize_input_and_cls_pos: concat cls, add the position embedding. */
function clsAndPos(g: Graph, tokens: Value, input: Value, arch: ModalityArch): Value {
  const d = arch.embedDim;
  let x = tokens;
  if (arch.clsToken) {
    const cls = g.weight(arch.clsToken, [1, 1, d]);
    const shape = g.op(
      'Concat',
      [batchDim(g, input), g.constI64('cls_tail', [1, d])],
      { axis: attr.i(0) },
      'cls_shape',
    );
    const clsB = g.op('Expand', [cls, shape], {}, 'cls_expanded');
    x = g.op('Concat', [clsB, tokens], { axis: attr.i(1) }, 'with_cls');
  }
  const pos = g.weight(arch.posEmbed, [1, arch.numTokens, d]);
  return g.op('Add', [x, pos], {}, 'tokens');
}

function stemTokens(g: Graph, input: Value, stem: Stem, d: number): Value {
  switch (stem.kind) {
    case 'video-conv3d': {
      // PadIm2Video + Conv3d(kernel = stride, bias=False). Still images are padded to 2-frame clips
      // by the runtime before they reach the graph, so the input here is always [B, 3, T, H, W].
      const w = g.weight(stem.weight, [d, stem.channels, ...stem.kernel]);
      const conv = g.op(
        'Conv',
        [input, w],
        { kernel_shape: attr.ints(stem.kernel), strides: attr.ints(stem.kernel) },
        'conv',
      );
      return patchesToTokens(g, conv, d);
    }
    case 'conv2d': {
      const w = g.weight(stem.weight, [d, 1, stem.kernel, stem.kernel]);
      const conv = g.op(
        'Conv',
        [input, w],
        { kernel_shape: attr.ints([stem.kernel, stem.kernel]), strides: attr.ints([stem.stride, stem.stride]) },
        'conv',
      );
      const tokens = patchesToTokens(g, conv, d);
      return layerNorm(g, tokens, stem.norm, d, 1e-5, 'stem_norm');
    }
    case 'imu-linear': {
      // IMUPreprocessor: unfold(-1, 8, 8) → permute(0, 2, 1, 3) → reshape(B, patches, 6 * 8).
      const patches = stem.length / stem.kernel;
      const unfolded = g.op(
        'Reshape',
        [input, g.constI64('unfold_shape', [0, stem.channels, patches, stem.kernel])],
        {},
        'unfold',
      );
      const perm = g.op('Transpose', [unfolded], { perm: attr.ints([0, 2, 1, 3]) }, 'unfold_t');
      const rows = g.op(
        'Reshape',
        [perm, g.constI64('rows_shape', [-1, stem.channels * stem.kernel])],
        {},
        'patch_rows',
      );
      const w = g.weight(stem.weight, [d, stem.channels * stem.kernel]);
      const proj = g.op('Gemm', [rows, w], { transB: attr.i(1) }, 'proj');
      const normed = layerNorm(g, proj, stem.norm, d, 1e-5, 'stem_norm');
      return g.op('Reshape', [normed, g.constI64('tokens_shape', [-1, patches, d])], {}, 'patch_tokens');
    }
    case 'text': {
      const table = g.weight(stem.tokenEmbedding, [stem.vocabSize, d]);
      return g.op('Gather', [table, input], { axis: attr.i(0) }, 'token_embedding');
    }
  }
}

/** Returns [B, L, D] tokens ready for the trunk. */
export function preprocess(g: Graph, input: Value, arch: ModalityArch): Value {
  return g.scope('preprocessor', () => clsAndPos(g, stemTokens(g, input, arch.stem, arch.embedDim), input, arch));
}
