/**
 * The training graph: one or two encoders exactly as `buildEncoder` writes them for inference
 * (so train/inference parity is structural), the symmetric InfoNCE loss, and the backward pass.
 * Trainable weights are graph inputs under their official keys; frozen ones are inline constants.
 */
import { modalityArch } from '../model/architecture.ts';
import { buildEncoder } from '../model/build.ts';
import type { ImageBindConfig, Modality } from '../model/config.ts';
import { Graph, type InitializerDef, type InlineData, absorbGraph, bindWeights } from '../model/graph.ts';
import { gradientGraph } from '../model/autodiff/gradient.ts';
import { symmetricInfoNce } from './loss.ts';
import { TrainingError } from '../core/errors.ts';

/**
 * (a) joint: two trainable encoders, e.g. text (query, with its learnable logit scale) against
 * vision (key), CLIP-style. (b) binding: one trainable encoder against frozen target embeddings.
 */
export type TrainSetup =
  | { readonly kind: 'joint'; readonly query: Modality; readonly key: Modality }
  | { readonly kind: 'binding'; readonly modality: Modality };

export const TARGET_INPUT = 'target';
export const LOSS_OUTPUT = 'loss.infonce';
export const inputName = (m: Modality): string => `input.${m}`;
export const embeddingName = (m: Modality): string => `embedding.${m}`;

export function setupModalities(s: TrainSetup): Modality[] {
  return s.kind === 'joint' ? [s.query, s.key] : [s.modality];
}

/**
 * Which weights train by default: not the causal mask, and of the logit scales only text's (the
 * paper fixes audio 20, depth 5, thermal 10, IMU 5).
 */
export function defaultTrainable(init: InitializerDef): boolean {
  if (init.role === 'causal_mask') return false;
  if (init.role === 'logit_scale') return init.name.split('.')[1] === 'text';
  return true;
}

export interface TrainingGraph {
  readonly graph: Graph;
  readonly setup: TrainSetup;
  /** Trainable weight names (graph inputs), each with a `grad.<name>` output. */
  readonly trainable: readonly string[];
  /** Every checkpoint weight the encoders read, with shape and role. */
  readonly weights: readonly InitializerDef[];
}

export interface TrainingGraphOptions {
  /** Values of frozen weights (the data is inlined into the graph). */
  readonly frozen: (name: string) => InlineData;
  readonly trainable?: (init: InitializerDef) => boolean;
  readonly outDim: number;
}

/** The forward half: encoders + loss with weights bound, before differentiation. */
export function buildLossGraph(
  config: ImageBindConfig,
  setup: TrainSetup,
  opts: TrainingGraphOptions,
): TrainingGraph & { readonly loss: string } {
  const mods = setupModalities(setup);
  if (new Set(mods).size !== mods.length)
    throw new TrainingError('TRAIN_SETUP', `joint training needs two different modalities, got ${mods.join(' and ')}.`);
  const g = new Graph(`imagebind_train_${mods.join('_')}`);
  const outs = new Map<Modality, string>();
  for (const m of mods) {
    const enc = buildEncoder(modalityArch(config, m));
    const input = enc.inputs[0];
    g.input(inputName(m), input.dtype, input.shape);
    absorbGraph(g, enc, new Map([[input.name, inputName(m)]]));
    outs.set(m, enc.outputs[0].name);
  }
  const weights = g.initializers.filter((i) => i.source.kind === 'checkpoint');
  const query = { name: outs.get(mods[0]) as string };
  let key;
  if (setup.kind === 'joint') key = { name: outs.get(setup.key) as string };
  else key = g.input(TARGET_INPUT, 'float32', ['batch', opts.outDim]);
  const { loss, keyUnit } = symmetricInfoNce(g, query, key);
  g.output(g.op('Identity', [query], {}, embeddingName(mods[0])), 'float32', ['batch', opts.outDim]);
  if (setup.kind === 'joint')
    g.output(g.op('Identity', [keyUnit], {}, embeddingName(setup.key)), 'float32', ['batch', opts.outDim]);
  g.output(loss, 'float32', []);
  const isTrainable = opts.trainable ?? defaultTrainable;
  const trainable = bindWeights(g, (init) => (isTrainable(init) ? 'input' : opts.frozen(init.name)));
  return { graph: g, setup, trainable, weights, loss: loss.name };
}

/** Encoders + loss + backward: outputs the loss, the embeddings and `grad.<weight>` per trainable weight. */
export function buildTrainingGraph(
  config: ImageBindConfig,
  setup: TrainSetup,
  opts: TrainingGraphOptions,
): TrainingGraph {
  const f = buildLossGraph(config, setup, opts);
  return {
    graph: gradientGraph(f.graph, { loss: f.loss, wrt: f.trainable }),
    setup,
    trainable: f.trainable,
    weights: f.weights,
  };
}
