/**
 * Any modality → image: the condition is the composed, normalised embedding of the inputs (the
 * same arithmetic as search: Σ ± wᵢ·vᵢ/‖vᵢ‖, normalised), and the model's decoder turns it into
 * images. The decoder only ever trained on image embeddings; other modalities work because
 * ImageBind put them in the image space (the paper's emergent audio → image generation).
 */
import { GenerationError } from '../core/errors.ts';
import { l2normalize } from '../core/vector-math.ts';
import type { ImageDecoder, GeneratedImage } from '../runtime/diffusion/image-decoder.ts';
import { imageRngs } from '../runtime/diffusion/denoise.ts';
import { SAMPLERS, type SamplerKind } from '../runtime/diffusion/samplers.ts';
import type { SamplingDefaults } from '../model/diffusion/decoder-manifest.ts';
import { composeQuery, type QueryPart } from './compose.ts';
import type { EmbedBackend } from './embed.ts';

export type { GeneratedImage };

export interface GenerateOptions {
  /** Image k uses seed + k (default 0): the same seed gives the same images. */
  readonly seed?: number;
  readonly count?: number;
  readonly steps?: number;
  /** Classifier-free guidance scale (1 = none). */
  readonly guidance?: number;
  readonly sampler?: SamplerKind;
  /** unCLIP noise augmentation level of the condition (0 … trainTimesteps − 1). */
  readonly noiseLevel?: number;
  readonly eta?: number;
  /** Stable unCLIP only: a text prompt next to the image embedding (default empty). */
  readonly prompt?: string;
  readonly onStep?: (done: number, total: number) => void;
  /** Stops the work between sampling steps once it fires (throws the signal's reason). */
  readonly signal?: AbortSignal;
}

/** Images per call; each costs `steps` (×2 with guidance) decoder runs. */
export const MAX_COUNT = 64;

export function resolveSampling(
  o: GenerateOptions,
  d: SamplingDefaults,
): Required<Omit<GenerateOptions, 'onStep' | 'prompt' | 'signal'>> {
  const r = {
    seed: o.seed ?? 0,
    count: o.count ?? 1,
    steps: o.steps ?? d.steps,
    guidance: o.guidance ?? d.guidance,
    sampler: o.sampler ?? d.sampler,
    noiseLevel: o.noiseLevel ?? d.noiseLevel,
    eta: o.eta ?? 0,
  };
  if (!Number.isSafeInteger(r.seed) || r.seed < 0 || r.seed > 0xffffffff)
    throw new GenerationError('SEED_INVALID', `--seed must be an integer from 0 to 4294967295, got ${r.seed}.`);
  if (!Number.isInteger(r.count) || r.count < 1 || r.count > MAX_COUNT)
    throw new GenerationError('COUNT_INVALID', `--count must be an integer from 1 to ${MAX_COUNT}, got ${r.count}.`);
  if (!Number.isInteger(r.steps) || r.steps < 1)
    throw new GenerationError('STEPS_INVALID', `--steps must be a positive integer, got ${r.steps}.`);
  if (!Number.isFinite(r.guidance))
    throw new GenerationError(
      'GUIDANCE_INVALID',
      `--guidance must be a finite number (1 = no guidance), got ${r.guidance}.`,
    );
  if (!(SAMPLERS as readonly string[]).includes(r.sampler))
    throw new GenerationError('SAMPLER_INVALID', `unknown sampler "${r.sampler}"; use one of: ${SAMPLERS.join(', ')}.`);
  if (!Number.isFinite(r.eta) || r.eta < 0)
    throw new GenerationError('ETA_INVALID', `eta must be a non-negative number, got ${r.eta}.`);
  return r;
}

/** A condition vector: unit length, finite, of the decoder's dimension. */
export function checkCondition(v: Float32Array, dim: number): Float32Array {
  if (v.length !== dim)
    throw new GenerationError('CONDITION_SHAPE', `the condition has ${v.length} values; the decoder takes ${dim}.`);
  if (v.some((x) => !Number.isFinite(x)))
    throw new GenerationError('CONDITION_INVALID', 'the condition vector contains NaN or Infinity.');
  if (v.every((x) => x === 0))
    throw new GenerationError(
      'CONDITION_INVALID',
      'the condition vector is all zeros (the inputs cancel out); change the weights.',
    );
  return l2normalize(v);
}

/** Composes `query` (or takes a ready vector), then decodes `count` images with seeds seed … seed + count − 1. */
export async function generateImages(
  model: EmbedBackend,
  decoder: ImageDecoder,
  defaults: SamplingDefaults,
  query: readonly QueryPart[] | Float32Array,
  o: GenerateOptions = {},
): Promise<GeneratedImage[]> {
  const s = resolveSampling(o, defaults);
  const raw = query instanceof Float32Array ? query : await composeQuery(model, query);
  const cond = checkCondition(raw, decoder.embeddingDim);
  return decoder.decode(
    Array.from({ length: s.count }, () => cond),
    imageRngs(s.seed, s.count),
    { ...s, prompt: o.prompt, onStep: o.onStep, signal: o.signal },
  );
}
