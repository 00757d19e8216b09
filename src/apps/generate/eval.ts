/**
 * The generation benchmark on a fresh held-out set from the synthetic world: for each held-out
 * sample, its audio, depth, thermal, IMU and caption each become a condition (normalised
 * embedding), the decoder makes one image per condition, and the independent judge names its
 * class. Image-conditioned samples give the upper bound. Diversity compares samples of one
 * condition under different seeds with real images of the same class.
 */
import { stack, type Float32Tensor } from '../../core/tensor.ts';
import { l2normalize } from '../../core/vector-math.ts';
import type { ImageBind } from '../../embed/imagebind.ts';
import { resolveSampling, type GenerateOptions } from '../../embed/generate.ts';
import { readDecoderManifest } from '../../embed/decoder.ts';
import type { Modality } from '../../model/config.ts';
import { imageRngs } from '../../runtime/diffusion/denoise.ts';
import type { GeneratedImage } from '../../runtime/diffusion/image-decoder.ts';
import { NUM_CLASSES } from '../../synth/world/classes.ts';
import { renderImages } from '../../synth/decoder/data.ts';
import { worldInput } from '../../synth/world/tensors.ts';
import { World } from '../../synth/world/world.ts';
import type { Judge } from './judge.ts';

export const SOURCE_MODALITIES = ['audio', 'depth', 'thermal', 'imu', 'text'] as const;
export type SourceModality = (typeof SOURCE_MODALITIES)[number];

export interface ModalityResult {
  readonly accuracy: number;
  readonly chance: number;
  readonly upper_bound: number;
}

export type GenerationReport = Record<SourceModality, ModalityResult> & {
  readonly diversity: { readonly generated: number; readonly real: number };
};

export interface EvalDetail {
  readonly report: GenerationReport;
  readonly imageAccuracy: number;
  readonly n: number;
  readonly seed: number;
  /** One generated image per condition, by modality (image first), for grids. */
  readonly samples: Record<'image' | SourceModality, GeneratedImage[]>;
  readonly labels: number[];
  readonly seconds: Record<string, number>;
}

export interface EvalOptions extends Omit<GenerateOptions, 'count' | 'seed'> {
  readonly seed: number;
  readonly n: number;
  /** Which conditions to generate from (default: the image, then every source modality). */
  readonly sources?: readonly ('image' | SourceModality)[];
  /** Conditions and seeds per condition for the diversity measure. */
  readonly diversityConditions?: number;
  readonly diversitySeeds?: number;
  readonly onProgress?: (what: string) => void;
}

/** Unit-norm embeddings of each held-out sample's `m` input. */
async function conditions(model: ImageBind, world: World, indices: readonly number[], m: 'image' | SourceModality) {
  const out: Float32Array[] = [];
  for (let s = 0; s < indices.length; s += 32) {
    const batch = indices.slice(s, s + 32);
    let emb: Float32Tensor;
    if (m === 'text') {
      emb = await model.embedTensor(
        'text',
        (await model.tokenizer()).tokenize(batch.map((i) => world.render(i, 'text'))),
      );
    } else {
      const encoder: Modality = m === 'image' ? 'vision' : m;
      const items = batch.map((i) => {
        const t = worldInput(world, i, m, { audioClips: 3 }) as Float32Tensor;
        return t;
      });
      emb = await model.embedTensor(encoder, stack(items));
    }
    const d = emb.shape[1];
    for (let r = 0; r < batch.length; r++) out.push(l2normalize(emb.data.slice(r * d, (r + 1) * d)));
  }
  return out;
}

/** Mean over pairs of the RMS difference of two images' pixels in [0, 1]. */
export function meanPairwiseDistance(images: readonly Uint8Array[]): number {
  let sum = 0,
    count = 0;
  for (let i = 0; i < images.length; i++)
    for (let j = i + 1; j < images.length; j++) {
      let ss = 0;
      for (let k = 0; k < images[i].length; k++) ss += ((images[i][k] - images[j][k]) / 255) ** 2;
      sum += Math.sqrt(ss / images[i].length);
      count++;
    }
  return count ? sum / count : 0;
}

export async function evaluateGeneration(model: ImageBind, judge: Judge, o: EvalOptions): Promise<EvalDetail> {
  const decoder = await model.decoder();
  const { defaults } = await readDecoderManifest(model.decoderDir);
  const s = resolveSampling({ ...o, seed: o.seed, count: 1 }, defaults);
  const world = new World(o.seed);
  const indices = world.split('test').indices(o.n);
  const labels = indices.map((i) => world.classOf(i));
  const seconds: Record<string, number> = {};
  const decode = async (conds: Float32Array[], seed: number) =>
    decoder.decode(conds, imageRngs(seed, conds.length), { ...s, prompt: o.prompt, onStep: o.onStep });
  const accuracy = (pred: number[], want: number[]) => pred.filter((p, i) => p === want[i]).length / pred.length;
  const samples = {} as Record<'image' | SourceModality, GeneratedImage[]>;
  const acc = {} as Record<'image' | SourceModality, number>;
  for (const m of o.sources ?? (['image', ...SOURCE_MODALITIES] as const)) {
    o.onProgress?.(m);
    const t0 = performance.now();
    const conds = await conditions(model, world, indices, m);
    // One stream per held-out item; the same across modalities, so only the condition differs.
    samples[m] = await decode(conds, o.seed);
    acc[m] = accuracy(await judge.classify(samples[m]), labels);
    seconds[m] = (performance.now() - t0) / 1000;
  }
  o.onProgress?.('diversity');
  const k = Math.min(o.diversityConditions ?? 8, o.n),
    seeds = o.diversitySeeds ?? 4;
  const imageConds = (await conditions(model, world, indices.slice(0, k), 'image')).flatMap((c) =>
    Array(seeds).fill(c),
  );
  const many = await decode(imageConds, o.seed + 1_000_003);
  let generated = 0;
  for (let c = 0; c < k; c++)
    generated += meanPairwiseDistance(many.slice(c * seeds, (c + 1) * seeds).map((im) => im.data)) / k;
  // Real: `seeds` other test images of each condition's class, at the decoder's resolution.
  const pool = world.split('test').indices(o.n + 64 * NUM_CLASSES, o.n);
  let real = 0;
  for (let c = 0; c < k; c++) {
    const same = pool.filter((i) => world.classOf(i) === labels[c]).slice(0, seeds);
    const set = renderImages(world, same, decoder.imageSize);
    const per = decoder.imageSize * decoder.imageSize * 3;
    real += meanPairwiseDistance(same.map((_, j) => set.pixels.subarray(j * per, (j + 1) * per))) / k;
  }
  const chance = 1 / NUM_CLASSES;
  // With `sources` restricted, the modalities not run are NaN (never reported by the CLI).
  const report = Object.fromEntries(
    SOURCE_MODALITIES.map((m) => [m, { accuracy: acc[m] ?? NaN, chance, upper_bound: acc.image ?? NaN }]),
  ) as Record<SourceModality, ModalityResult>;
  return {
    report: { ...report, diversity: { generated, real } },
    imageAccuracy: acc.image ?? NaN,
    n: o.n,
    seed: o.seed,
    samples,
    labels,
    seconds,
  };
}
