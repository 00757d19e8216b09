/**
 * `locate(model, image, {audio?, text?})`: builds the query embedding from audio and/or text
 * (each L2-normalised, summed, renormalised so both count equally), decodes the image the way the
 * official loader does and runs `locateInImage` with the model's vision encoder.
 */
import { l2normalize } from '../../core/vector-math.ts';
import { ConfigError, MediaError, ShapeError } from '../../core/errors.ts';
import type { Float32Tensor, Tensor } from '../../core/tensor.ts';
import type { EmbedInputs, EmbedOptions, EmbedOutput, MediaInput } from '../../embed/embed.ts';
import type { Modality } from '../../model/config.ts';
import { readInputFile } from '../../preprocess/image/read-file.ts';
import type { LoaderOptions } from '../../preprocess/loaders.ts';
import { type DecodeOptions, decodeImage } from '../../preprocess/vision/index.ts';
import { type LocateOptions, type LocateResult, locateInImage } from './locate.ts';

/** What locate needs from a model (an `ImageBind` satisfies it). */
export interface LocateBackend {
  embed(inputs: EmbedInputs, opts?: EmbedOptions): Promise<EmbedOutput>;
  embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor>;
  readonly batchSize: number;
}

export interface LocateQuery {
  readonly audio?: MediaInput;
  readonly text?: string;
}

export interface LocateAppOptions extends LocateOptions {
  readonly decode?: DecodeOptions;
  readonly loaders?: LoaderOptions;
}

/** The unit query vector for audio and/or text. */
export async function queryEmbedding(
  model: LocateBackend,
  query: LocateQuery,
  loaders?: LoaderOptions,
): Promise<Float32Array> {
  const inputs: { text?: string[]; audio?: MediaInput[] } = {};
  if (query.text !== undefined) {
    if (query.text.trim() === '')
      throw new ConfigError('LOCATE_NO_QUERY', 'the text query is empty; pass a phrase such as "a dog".');
    inputs.text = [query.text];
  }
  if (query.audio !== undefined) inputs.audio = [query.audio];
  if (!inputs.text && !inputs.audio)
    throw new ConfigError('LOCATE_NO_QUERY', 'no query: give an audio clip and/or a text phrase to look for.');
  const out = await model.embed(inputs, { normalize: true, loaders });
  const first = out.errors[0];
  if (first) throw new MediaError(first.code, `${first.kind} query: ${first.message}`);
  const parts = [out.text?.[0], out.audio?.[0]].filter((v): v is Float32Array => v instanceof Float32Array);
  if (parts.length === 2 && parts[0].length !== parts[1].length) {
    throw new ShapeError(
      'LOCATE_SPACE_MISMATCH',
      `text (${parts[0].length}) and audio (${parts[1].length}) embeddings differ in size.`,
    );
  }
  const sum = new Float32Array(parts[0].length);
  for (const p of parts) for (let i = 0; i < sum.length; i++) sum[i] += p[i];
  return l2normalize(sum);
}

export interface LocateImageResult extends LocateResult {
  /** The decoded image, for rendering the overlay. */
  readonly image: { width: number; height: number; data: Uint8Array };
  readonly query: Float32Array;
}

export async function locate(
  model: LocateBackend,
  imagePath: string,
  query: LocateQuery,
  opts: LocateAppOptions = {},
): Promise<LocateImageResult> {
  // The image first: a bad path should fail before any encoder is loaded.
  const image = await decodeImage(await readInputFile(imagePath), imagePath, opts.decode);
  const q = await queryEmbedding(model, query, opts.loaders);
  const result = await locateInImage(image, q, (batch) => model.embedTensor('vision', batch), {
    batchSize: model.batchSize,
    ...opts,
  });
  return { ...result, image, query: q };
}
