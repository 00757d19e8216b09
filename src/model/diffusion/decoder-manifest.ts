/**
 * A decoder directory's `manifest.json` (`<model>/decoder/` by default): which image decoder, the
 * embedding space it was trained on, its files, and its schedule. Two kinds:
 *  - `mini-dit`: the project's own diffusion transformer (dit.onnx + dit.weights), conditioned
 *    on the space whose identity it records;
 *  - `stable-unclip`: a user's ONNX export of Stable Diffusion 2.1 unCLIP (UNet, VAE decoder and
 *    optionally the text encoder), conditioned on OpenCLIP ViT-H/14 image embeddings.
 */
import { ConfigError } from '../../core/errors.ts';
import { type DitSpec, checkDitSpec } from './dit-spec.ts';

export const DECODER_FORMAT = 'imagebind-ts/decoder';
export const DECODER_VERSION = 1;

/** Mirrors runtime/diffusion's types (kept here as data so the model layer can validate them). */
export interface ScheduleSpec {
  readonly trainTimesteps: number;
  readonly betaSchedule: 'linear' | 'scaled_linear' | 'squaredcos_cap_v2';
  readonly betaStart?: number;
  readonly betaEnd?: number;
}

export interface SchedulerSpec {
  readonly schedule: ScheduleSpec;
  readonly prediction: 'epsilon' | 'v_prediction' | 'sample';
  readonly spacing: 'leading' | 'trailing' | 'linspace';
  readonly stepsOffset?: number;
  readonly setAlphaToOne?: boolean;
}

export interface SamplingDefaults {
  readonly sampler: 'ddim' | 'euler' | 'dpm-solver++';
  readonly steps: number;
  readonly guidance: number;
  readonly noiseLevel: number;
}

interface DecoderBase {
  readonly format: typeof DECODER_FORMAT;
  readonly formatVersion: number;
  readonly name: string;
  /** Embedding dimension of the conditioning space. */
  readonly embeddingDim: number;
  readonly scheduler: SchedulerSpec;
  /** The unCLIP noise augmentation: its schedule and the normaliser's statistics (file or inline). */
  readonly noiseAugmentation: { readonly schedule: ScheduleSpec; readonly mean?: number[]; readonly std?: number[] };
  readonly defaults: SamplingDefaults;
}

export interface MiniDecoderManifest extends DecoderBase {
  readonly kind: 'mini-dit';
  /** The embedding-space identity (the model manifest's `identity`) it was trained on. */
  readonly identity: string;
  readonly spec: DitSpec;
  readonly graph: string;
  readonly weights: string;
  readonly weightsSha256: string;
  readonly training?: Record<string, unknown>;
}

export interface StableUnclipManifest extends DecoderBase {
  readonly kind: 'stable-unclip';
  /**
   * The space, by name: `openclip-vit-h-14` is ImageBind huge's image space (ImageBind keeps
   * OpenCLIP ViT-H/14's image encoder frozen). A model is accepted when its manifest identity
   * equals `identity`, or, without one, when it has the huge architecture and this dimension.
   */
  readonly space: string;
  readonly identity?: string;
  readonly unet: string;
  readonly vaeDecoder: string;
  readonly textEncoder?: string;
  /** Prompt embeddings of "" ([1, 77, hidden] .npy) for exports without a text encoder. */
  readonly emptyPromptEmbeds?: string;
  /** BPE merges for prompts (the text encoder's tokenizer). */
  readonly tokenizer?: string;
  /** Normaliser statistics as a [2, D] .npy (row 0 mean, row 1 std), when not inline. */
  readonly imageNormalizer?: string;
  readonly latentChannels: number;
  readonly vaeScaleFactor: number;
  readonly scalingFactor: number;
  /** Latent side (the UNet's sample_size); images are vaeScaleFactor× larger. */
  readonly sampleSize: number;
  /** Multiplies the unit-norm condition before the pipeline (ImageBind vision outputs are unit-norm). */
  readonly embeddingScale?: number;
}

export type DecoderManifest = MiniDecoderManifest | StableUnclipManifest;

function fileName(path: string, field: string, v: unknown): void {
  const ok =
    typeof v === 'string' &&
    v !== '' &&
    !v.startsWith('/') &&
    !v.includes('\\') &&
    !v.split('/').some((p) => p === '..' || p === '.' || p === '');
  if (!ok)
    throw new ConfigError(
      'DECODER_INVALID',
      `${path}: ${field} must be a relative file name inside the decoder directory, got ${JSON.stringify(v)}.`,
    );
}

function positiveInt(path: string, field: string, v: unknown): void {
  if (!Number.isInteger(v) || (v as number) <= 0)
    throw new ConfigError('DECODER_INVALID', `${path}: ${field} must be a positive integer, got ${JSON.stringify(v)}.`);
}

/** Validates decoder manifest JSON text; `path` names it in errors. */
export function parseDecoderManifest(text: string, path: string): DecoderManifest {
  let m: DecoderManifest;
  try {
    m = JSON.parse(text) as DecoderManifest;
  } catch (e) {
    throw new ConfigError('DECODER_INVALID', `${path}: not valid JSON (${(e as Error).message}).`);
  }
  if (m?.format !== DECODER_FORMAT)
    throw new ConfigError(
      'DECODER_INVALID',
      `${path}: not an imagebind-ts decoder manifest (format "${String(m?.format)}").`,
    );
  if (typeof m.formatVersion !== 'number' || m.formatVersion > DECODER_VERSION)
    throw new ConfigError(
      'DECODER_VERSION',
      `${path}: decoder format version ${String(m.formatVersion)} is newer than this imagebind-ts supports (${DECODER_VERSION}); upgrade imagebind-ts.`,
    );
  positiveInt(path, 'embeddingDim', m.embeddingDim);
  positiveInt(path, 'scheduler.schedule.trainTimesteps', m.scheduler?.schedule?.trainTimesteps);
  positiveInt(path, 'noiseAugmentation.schedule.trainTimesteps', m.noiseAugmentation?.schedule?.trainTimesteps);
  if (m.kind === 'mini-dit') {
    if (typeof m.identity !== 'string' || m.identity === '')
      throw new ConfigError('DECODER_INVALID', `${path}: a mini-dit decoder must record the embedding-space identity.`);
    fileName(path, 'graph', m.graph);
    fileName(path, 'weights', m.weights);
    checkDitSpec(m.spec, path);
    if (m.spec.condDim !== m.embeddingDim)
      throw new ConfigError(
        'DECODER_INVALID',
        `${path}: spec.condDim ${m.spec.condDim} ≠ embeddingDim ${m.embeddingDim}.`,
      );
  } else if (m.kind === 'stable-unclip') {
    if (typeof m.space !== 'string' || m.space === '')
      throw new ConfigError(
        'DECODER_INVALID',
        `${path}: a stable-unclip decoder must name its embedding space ("space").`,
      );
    fileName(path, 'unet', m.unet);
    fileName(path, 'vaeDecoder', m.vaeDecoder);
    for (const k of ['textEncoder', 'emptyPromptEmbeds', 'tokenizer', 'imageNormalizer'] as const)
      if (m[k] !== undefined) fileName(path, k, m[k]);
    if (!m.textEncoder && !m.emptyPromptEmbeds)
      throw new ConfigError(
        'DECODER_INVALID',
        `${path}: give the text encoder ("textEncoder") or the empty prompt's embeddings ("emptyPromptEmbeds").`,
      );
    for (const k of ['latentChannels', 'vaeScaleFactor', 'sampleSize'] as const) positiveInt(path, k, m[k]);
    if (!(m.scalingFactor > 0)) throw new ConfigError('DECODER_INVALID', `${path}: scalingFactor must be positive.`);
  } else {
    throw new ConfigError(
      'DECODER_INVALID',
      `${path}: unknown decoder kind "${String((m as { kind?: unknown }).kind)}"; use mini-dit or stable-unclip.`,
    );
  }
  // After the kind's own checks, so a wrong embeddingDim is reported against the network first.
  for (const k of ['mean', 'std'] as const) {
    const v = m.noiseAugmentation[k];
    if (v !== undefined && (!Array.isArray(v) || v.length !== m.embeddingDim || v.some((x) => !Number.isFinite(x))))
      throw new ConfigError(
        'DECODER_INVALID',
        `${path}: noiseAugmentation.${k} must be ${m.embeddingDim} finite numbers.`,
      );
  }
  return m;
}
