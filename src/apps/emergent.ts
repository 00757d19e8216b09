/**
 * The paper's central table in miniature: emergent zero-shot X→text classification for
 * X ∈ {audio, depth, thermal, IMU}, whose encoders never saw text, next to chance and a text-paired
 * upper bound (the same encoder trained on X–text pairs), plus image→text zero-shot. Every number
 * is measured on a fresh held-out set generated from the synthetic world with the given seed.
 */
import { type Float32Tensor, stack } from '../core/tensor.ts';
import type { ImageBind } from '../embed/imagebind.ts';
import type { Modality } from '../model/config.ts';
import { CLASSES, NUM_CLASSES } from '../synth/world/classes.ts';
import { type WorldModality, World } from '../synth/world/world.ts';
import { worldInput } from '../synth/world/tensors.ts';
import { l2normalize } from '../core/vector-math.ts';

export const EMERGENT_MODALITIES = ['audio', 'depth', 'thermal', 'imu'] as const;
export type EmergentModality = (typeof EMERGENT_MODALITIES)[number];

export interface EmergentRow {
  readonly emergent_top1: number;
  readonly chance: number;
  readonly upper_bound_top1: number | null;
}

export type EmergentReport = Record<EmergentModality, EmergentRow> & {
  vision_text_top1: number;
  n: number;
  seed: number;
};

/** Prompt ensemble per class (CLIP's habit): every noun in a few caption-like templates. */
export function classPrompts(classId: number): string[] {
  const c = CLASSES[classId].caption;
  return c.nouns.flatMap((n) => [
    `a photo of a ${n}`,
    `the sound of a ${n}`,
    `a ${c.colours[0]} ${n}`,
    `a ${n} ${c.verbs[0]} in the ${c.places[0]}`,
  ]);
}

/** One unit vector per class: the normalised mean of its normalised prompt embeddings. */
export async function classTextEmbeddings(model: ImageBind): Promise<Float32Array[]> {
  const tokenizer = await model.tokenizer();
  const out: Float32Array[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const prompts = classPrompts(c);
    const emb = await model.embedTensor('text', tokenizer.tokenize(prompts));
    const dim = emb.shape[1];
    const mean = new Float32Array(dim);
    for (let i = 0; i < prompts.length; i++) {
      const unit = l2normalize(emb.data.slice(i * dim, (i + 1) * dim));
      for (let j = 0; j < dim; j++) mean[j] += unit[j];
    }
    out.push(l2normalize(mean));
  }
  return out;
}

async function embedWorld(
  model: ImageBind,
  world: World,
  indices: readonly number[],
  modality: Exclude<WorldModality, 'text' | 'video'>,
): Promise<Float32Array[]> {
  const encoder: Modality = modality === 'image' ? 'vision' : modality;
  const vectors: Float32Array[] = [];
  for (let s = 0; s < indices.length; s += 32) {
    const batch = indices.slice(s, s + 32).map((i) => worldInput(world, i, modality) as Float32Tensor);
    const emb = await model.embedTensor(encoder, stack(batch));
    const dim = emb.shape[1];
    for (let r = 0; r < batch.length; r++) vectors.push(emb.data.slice(r * dim, (r + 1) * dim));
  }
  return vectors;
}

/** Fraction of `vectors` whose nearest class vector (by dot product) is their label. */
export function top1(
  vectors: readonly Float32Array[],
  labels: readonly number[],
  classes: readonly Float32Array[],
): number {
  let correct = 0;
  vectors.forEach((v, i) => {
    let best = -Infinity,
      arg = -1;
    classes.forEach((c, k) => {
      let s = 0;
      for (let j = 0; j < c.length; j++) s += c[j] * v[j];
      if (s > best) {
        best = s;
        arg = k;
      }
    });
    if (arg === labels[i]) correct++;
  });
  return correct / vectors.length;
}

export async function evaluateEmergent(
  main: ImageBind,
  upperBound: ImageBind | null,
  opts: { seed: number; n: number; onProgress?: (what: string) => void },
): Promise<EmergentReport> {
  const world = new World(opts.seed);
  const indices = world.split('test').indices(opts.n);
  const labels = indices.map((i) => world.classOf(i));
  const classes = await classTextEmbeddings(main);
  opts.onProgress?.('image');
  const report = {
    n: opts.n,
    seed: opts.seed,
    vision_text_top1: top1(await embedWorld(main, world, indices, 'image'), labels, classes),
  } as EmergentReport;
  for (const m of EMERGENT_MODALITIES) {
    opts.onProgress?.(m);
    const emergent = top1(await embedWorld(main, world, indices, m), labels, classes);
    const upper =
      upperBound && upperBound.modalities.includes(m)
        ? top1(await embedWorld(upperBound, world, indices, m), labels, classes)
        : null;
    report[m] = { emergent_top1: emergent, chance: 1 / NUM_CLASSES, upper_bound_top1: upper };
  }
  return report;
}
