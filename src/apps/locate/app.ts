/**
 * `locate(model, image, query)`: builds the query embedding (audio, a phrase, an image, depth,
 * thermal or IMU; each L2-normalised, summed, renormalised so every part counts equally), decodes
 * the image the way the official loader does, and finds the query in it: by default with dense
 * patch similarity and verified proposals (detect.ts), or with the earlier sliding-window crop
 * scoring (`method: 'windows'`, locate.ts). bench/localization.md compares the two.
 */
import { l2normalize } from '../../core/vector-math.ts';
import { ConfigError, MediaError, ShapeError } from '../../core/errors.ts';
import type { Float32Tensor, Tensor } from '../../core/tensor.ts';
import type { EmbedInputs, EmbedOptions, EmbedOutput, MediaInput } from '../../embed/embed.ts';
import type { DenseVisionEncoder } from '../../embed/dense-vision.ts';
import type { Modality } from '../../model/config.ts';
import { readInputFile } from '../../preprocess/image/read-file.ts';
import type { FileKind, LoaderOptions } from '../../preprocess/loaders.ts';
import { type DecodeOptions, type RgbImage, decodeImage } from '../../preprocess/vision/index.ts';
import { type DetectOptions, PreparedImage, type ScoredBox } from './detect.ts';
import { heatmapPeak, type Heatmap } from './heatmap.ts';
import { type LocateOptions, locateInImage } from './locate.ts';
import type { Box } from './windows.ts';

/** What locate needs from a model (an `ImageBind` satisfies it). */
export interface LocateBackend {
  embed(inputs: EmbedInputs, opts?: EmbedOptions): Promise<EmbedOutput>;
  embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor>;
  denseVision(): Promise<DenseVisionEncoder>;
  readonly batchSize: number;
}

export interface LocateQuery {
  readonly text?: string;
  readonly audio?: MediaInput;
  readonly image?: MediaInput;
  readonly depth?: MediaInput;
  readonly thermal?: MediaInput;
  readonly imu?: MediaInput;
}

export const LOCATE_METHODS = ['proposals', 'windows'] as const;
export type LocateMethod = (typeof LOCATE_METHODS)[number];

/** CLIP's prompt for naming what is in a picture; a bare phrase ("a dog") localises worse (bench/localization.md). */
export const DEFAULT_TEXT_TEMPLATE = 'a photo of {}';

export interface LocateAppOptions extends LocateOptions, DetectOptions {
  /** 'proposals' (default) or 'windows' (the earlier crop scoring). */
  readonly method?: LocateMethod;
  /** Prompt around a text query; {} is replaced by the phrase (default "a photo of {}"). */
  readonly template?: string;
  readonly decode?: DecodeOptions;
  readonly loaders?: LoaderOptions;
}

const FILE_QUERIES: readonly [keyof LocateQuery, FileKind][] = [
  ['audio', 'audio'],
  ['image', 'vision'],
  ['depth', 'depth'],
  ['thermal', 'thermal'],
  ['imu', 'imu'],
];

/** The prompt a text query is embedded as. */
export function applyTemplate(text: string, template = DEFAULT_TEXT_TEMPLATE): string {
  return template.includes('{}') ? template.replaceAll('{}', text) : `${template} ${text}`;
}

/** The unit query vector: every given part embedded, normalised, summed and renormalised. */
export async function queryEmbedding(
  model: Pick<LocateBackend, 'embed'>,
  query: LocateQuery,
  opts: { loaders?: LoaderOptions; template?: string } = {},
): Promise<Float32Array> {
  const inputs: { text?: string[] } & { [K in FileKind]?: MediaInput[] } = {};
  if (query.text !== undefined) {
    if (query.text.trim() === '')
      throw new ConfigError('LOCATE_NO_QUERY', 'the text query is empty; pass a phrase such as "a dog".');
    inputs.text = [applyTemplate(query.text.trim(), opts.template)];
  }
  for (const [field, kind] of FILE_QUERIES) if (query[field] !== undefined) inputs[kind] = [query[field] as MediaInput];
  if (Object.keys(inputs).length === 0)
    throw new ConfigError(
      'LOCATE_NO_QUERY',
      'no query: give a text phrase and/or an audio clip, image, depth map, thermal image or IMU log to look for.',
    );
  const out = await model.embed(inputs, { normalize: true, loaders: opts.loaders });
  const first = out.errors[0];
  if (first) throw new MediaError(first.code, `${first.kind} query: ${first.message}`);
  const parts = (['text', ...FILE_QUERIES.map(([, k]) => k)] as const)
    .map((k) => out[k]?.[0])
    .filter((v): v is Float32Array => v instanceof Float32Array);
  if (parts.some((p) => p.length !== parts[0].length)) {
    throw new ShapeError(
      'LOCATE_SPACE_MISMATCH',
      `the query's parts have different sizes (${parts.map((p) => p.length).join(', ')}); embed them with one model.`,
    );
  }
  const sum = new Float32Array(parts[0].length);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i] += p[i];
  return l2normalize(sum);
}

export interface LocateImageResult {
  readonly method: LocateMethod;
  readonly width: number;
  readonly height: number;
  /** The best box, in original pixels, and its cosine with the query. */
  readonly box: Box;
  readonly score: number;
  /** Every box that matches the query, best first (proposals); the best window alone (windows). */
  readonly boxes: ScoredBox[];
  /** Boxes the encoder scored: verified proposals, or every window. */
  readonly scored: ScoredBox[];
  readonly heatmap: Heatmap;
  readonly peak: { x: number; y: number };
  /** The decoded image, for rendering the overlay. */
  readonly image: RgbImage;
  readonly query: Float32Array;
}

/** Finds a query vector in decoded pixels. */
export async function locateVector(
  model: LocateBackend,
  image: RgbImage,
  q: Float32Array,
  opts: LocateAppOptions = {},
): Promise<LocateImageResult> {
  const embedCrops = (batch: Float32Tensor) => model.embedTensor('vision', batch);
  const base = { width: image.width, height: image.height, image, query: q };
  if ((opts.method ?? 'proposals') === 'windows') {
    const r = await locateInImage(image, q, embedCrops, { batchSize: model.batchSize, ...opts });
    const peak = heatmapPeak(r.heatmap, image.width, image.height);
    const best = { box: r.box, score: r.score };
    return {
      ...base,
      method: 'windows',
      box: r.box,
      score: r.score,
      boxes: [best],
      scored: r.crops,
      heatmap: r.heatmap,
      peak,
    };
  }
  const dense = await model.denseVision();
  const prepared = await PreparedImage.prepare(image, (b) => dense.encode(b), opts);
  const r = await prepared.locate(q, embedCrops, opts);
  return {
    ...base,
    method: 'proposals',
    box: r.box,
    score: r.score,
    boxes: r.boxes,
    scored: r.candidates,
    heatmap: r.heatmap,
    peak: r.peak,
  };
}

export async function locate(
  model: LocateBackend,
  imagePath: string,
  query: LocateQuery,
  opts: LocateAppOptions = {},
): Promise<LocateImageResult> {
  if (opts.method !== undefined && !LOCATE_METHODS.includes(opts.method))
    throw new ConfigError(
      'BAD_ARGUMENT',
      `locate method must be one of ${LOCATE_METHODS.join(', ')}, got "${opts.method}".`,
    );
  // The image first: a bad path should fail before any encoder is loaded.
  const image = await decodeImage(await readInputFile(imagePath), imagePath, opts.decode);
  const q = await queryEmbedding(model, query, opts);
  return locateVector(model, image, q, opts);
}
