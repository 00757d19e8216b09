/**
 * One ONNX graph per modality: preprocessor stem → trunk → head → post-processor, exactly as
 * `ImageBindModel.forward` runs one modality (facebookresearch/ImageBind@53680b0,
 * imagebind/models/imagebind_model.py). Inputs with several clips per item (ndim ≥ 5) are
 * flattened and averaged by the runtime, not the graph.
 */
import type { ModalityArch } from './architecture.ts';
import { block, layerNorm, linear, postprocess } from './blocks.ts';
import { Graph, type Precision, type Value, attr } from './graph.ts';
import { type DenseMode, densePatchEmbeddings } from './dense-head.ts';
import { preprocess } from './stems.ts';

export type { DenseMode } from './dense-head.ts';

/** Stage outputs a debug build exposes, named like the reference fixtures. */
export const STAGES = ['preproc_tokens', 'block0_out', 'trunk_out', 'head_out'] as const;
export type Stage = (typeof STAGES)[number];

export interface BuildOptions {
  /** Also output the intermediate stages (for stage-by-stage parity checks). */
  readonly debug?: boolean;
  /** Weight storage; fp32 reproduces the official model exactly. */
  readonly precision?: Precision;
  /** Fused attention kernel for inference (training graphs keep the explicit ops autodiff knows). */
  readonly fusedAttention?: boolean;
  /**
   * Vision only: also output one unit embedding per patch (`dense.patch_embeddings`, [B, P, outDim]),
   * the head's norm and projection applied to every token instead of the selected one (dense-head.ts).
   */
  readonly dense?: DenseMode;
}

/** The trunk's output rows; `lastInput` receives the last block's input (the dense value path needs it). */
function trunk(
  g: Graph,
  tokens: Value,
  arch: ModalityArch,
  stages: Map<Stage, Value>,
  fused: boolean,
  lastInput: { value?: Value } = {},
): Value {
  const d = arch.embedDim;
  let x = g.op('Reshape', [tokens, g.constI64('rows', [-1, d])], {}, 'rows');
  if (arch.preTransformerNorm) x = layerNorm(g, x, arch.preTransformerNorm, d, 1e-6, 'pre_ln');
  let mask =
    arch.stem.kind === 'text' ? g.weight(arch.stem.mask, [arch.numTokens, arch.numTokens], 'causal_mask') : null;
  if (mask && fused) {
    // The fused kernel's attention bias in full [B, heads, T, T]: the CPU kernel broadcasts a
    // [1, 1, T, T] bias, but onnxruntime-web's WebGPU kernel accepts only the full shape.
    const batch = g.op('Shape', [tokens], { start: attr.i(0), end: attr.i(1) }, 'batch');
    const tail = g.constI64('attention_bias_tail', [arch.numHeads, arch.numTokens, arch.numTokens]);
    const shape = g.op('Concat', [batch, tail], { axis: attr.i(0) }, 'attention_bias_shape');
    mask = g.op('Expand', [mask, shape], {}, 'attention_bias');
  }
  for (let i = 0; i < arch.numBlocks; i++) {
    if (i === arch.numBlocks - 1) lastInput.value = x;
    x = g.scope(`blocks.${i}`, () =>
      block(g, x, `${arch.trunkPrefix}.blocks.${i}`, {
        dim: d,
        heads: arch.numHeads,
        tokens: arch.numTokens,
        addBiasKV: arch.addBiasKV,
        mask,
        fused,
      }),
    );
    if (i === 0) stages.set('block0_out', x);
  }
  return x;
}

function head(g: Graph, x: Value, input: Value, arch: ModalityArch): Value {
  const d = arch.embedDim;
  return g.scope('head', () => {
    let selected: Value;
    if (arch.head.select === 'first') {
      const seq = g.op('Reshape', [x, g.constI64('seq_shape', [-1, arch.numTokens, d])], {}, 'seq');
      selected = g.op('Gather', [seq, g.constI64('first', [0], [])], { axis: attr.i(1) }, 'cls');
    } else {
      // SelectEOSAndProject: the row at argmax(ids) (the first EOT) of each sequence.
      const eos = g.op('ArgMax', [input], { axis: attr.i(1), keepdims: attr.i(0) }, 'eos_index');
      const batch = g.op('Shape', [input], { start: attr.i(0), end: attr.i(1) }, 'batch');
      const b = g.op('Squeeze', [batch, g.constI64('axis0', [0])], {}, 'batch_scalar');
      const range = g.op('Range', [g.constI64('zero', [0], []), b, g.constI64('step', [1], [])], {}, 'batch_range');
      const base = g.op('Mul', [range, g.constI64('seq_len', [arch.numTokens], [])], {}, 'row_base');
      const rows = g.op('Add', [base, eos], {}, 'eos_rows');
      selected = g.op('Gather', [x, rows], { axis: attr.i(0) }, 'eos');
    }
    const normed = layerNorm(g, selected, arch.head.norm, d, 1e-6, 'norm');
    const w = arch.head.linear.replace(/\.weight$/, '');
    return linear(g, normed, w, d, arch.outDim, false, 'proj');
  });
}

export function buildEncoder(arch: ModalityArch, opts: BuildOptions = {}): Graph {
  const m = arch.modality;
  const g = new Graph(`imagebind_${m}`, opts.precision ?? 'fp32');
  const input = g.input('input', arch.inputDType, ['batch', ...arch.itemShape]);
  const stages = new Map<Stage, Value>();
  const fused = opts.fusedAttention ?? false;
  let dense: Value | null = null;
  const half = g.computeType === 'float16';
  // fp16-compute: float32 in and out (the API stays the same); float16 from the stem to the head.
  const toFloat32 = (v: Value, local: string) => (half ? g.op('Cast', [v], { to: attr.i(1) }, local) : v);
  const out = g.scope(m, () => {
    const stemInput =
      half && arch.inputDType === 'float32' ? g.op('Cast', [input], { to: attr.i(10) }, 'input_f16') : input;
    const tokens = preprocess(g, stemInput, arch);
    stages.set('preproc_tokens', tokens);
    const lastInput: { value?: Value } = {};
    const x = g.scope('trunk', () => trunk(g, tokens, arch, stages, fused, lastInput));
    stages.set('trunk_out', x);
    const h = toFloat32(head(g, x, input, arch), 'head_f32');
    stages.set('head_out', h);
    if (opts.dense)
      dense = toFloat32(densePatchEmbeddings(g, x, lastInput.value ?? tokens, arch, opts.dense), 'dense_f32');
    return postprocess(g, h, arch.logitScale);
  });
  g.output(out, 'float32', ['batch', arch.outDim]);
  if (dense) g.output(dense, 'float32', ['batch', arch.numTokens - 1, arch.outDim]);
  if (opts.debug) {
    for (const s of STAGES) {
      const found = stages.get(s);
      if (!found) continue;
      const v = s === 'head_out' ? found : toFloat32(found, `debug.${s}_f32`);
      if (s === 'head_out') {
        g.output(g.op('Identity', [v], {}, `debug.${s}`), 'float32', ['batch', arch.outDim]);
      } else {
        const seq = g.op(
          'Reshape',
          [v, g.constI64(`debug.${s}_shape`, [-1, arch.numTokens, arch.embedDim])],
          {},
          `debug.${s}`,
        );
        g.output(seq, 'float32', ['batch', arch.numTokens, arch.embedDim]);
      }
    }
  }
  return g;
}
