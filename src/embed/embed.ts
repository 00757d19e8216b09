/**
 * Files, bytes, strings or preprocessed tensors in, embeddings out, per input kind. Items are
 * preprocessed and encoded in chunks of the model's batch size; the next chunk is decoded while
 * the current one runs in onnxruntime. A bad item is reported in `errors` and its slot is null:
 * one broken file never sinks a batch.
 */
import { ImageBindError, MediaError } from '../core/errors.ts';
import { l2normalize } from '../core/vector-math.ts';
import { type Float32Tensor, type Tensor, stack } from '../core/tensor.ts';
import { type FileKind, INPUT_KINDS, type InputKind, type Modality, encoderFor } from '../core/modalities.ts';
import type { LoaderOptions } from '../preprocess/loaders.ts';
import type { ClipTokenizer } from '../preprocess/text/index.ts';

export { INPUT_KINDS, type InputKind, encoderFor } from '../core/modalities.ts';

/** A path, a file's bytes, or an already preprocessed per-item tensor (e.g. [3, 224, 224]). */
export type MediaInput = string | Uint8Array | Tensor;

export type EmbedInputs = { text?: readonly string[] } & { [K in FileKind]?: readonly MediaInput[] };

export interface ItemError {
  readonly kind: InputKind;
  readonly index: number;
  readonly input: string;
  readonly code: string;
  readonly message: string;
}

/** The kinds a request certainly names (required keys of its type): their results are always present. */
export type RequestedKinds<I> = {
  [K in keyof I]-?: K extends InputKind ? ({} extends Pick<I, K> ? never : K) : never;
}[keyof I];

/**
 * One vector per input, in input order (null where an item failed; the reason is in `errors`). Each
 * kind the request names is present, even for an empty list, so `embed({ text })` gives a typed
 * `out.text`; kinds it leaves out are absent.
 */
export type EmbedOutput<I extends EmbedInputs = EmbedInputs> = { [K in InputKind]?: (Float32Array | null)[] } & {
  [K in RequestedKinds<I>]: (Float32Array | null)[];
} & { readonly errors: ItemError[] };

export interface EmbedOptions {
  /** L2-normalise every vector (for cosine search); by default outputs keep the official scales. */
  readonly normalize?: boolean;
  readonly loaders?: LoaderOptions;
}

/**
 * What `embed` needs from a model: an encoder call, its tokenizer and, for paths and bytes, a
 * loader (ImageBind's reads every format in Node; ImageBindWeb's decodes what a browser can
 * without a canvas). Without one, only strings for text and preprocessed tensors are taken.
 */
export interface EmbedBackend {
  readonly batchSize: number;
  embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor>;
  tokenizer(): Promise<ClipTokenizer>;
  /** A path or a file's bytes → one item's tensor; `name` stands for bytes in messages. */
  loadItem?(kind: FileKind, input: string | Uint8Array, name: string, loaders?: LoaderOptions): Promise<Tensor>;
}

function describe(input: MediaInput): string {
  if (typeof input === 'string') return input;
  if (input instanceof Uint8Array) return `<${input.length} bytes>`;
  return `<tensor [${input.shape.join(', ')}]>`;
}

async function preprocessItem(
  backend: EmbedBackend,
  kind: FileKind,
  input: MediaInput,
  loaders: LoaderOptions | undefined,
): Promise<Tensor> {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input;
  if (typeof input !== 'string' && input.length === 0)
    throw new MediaError('FILE_EMPTY', `<${kind} bytes>: the buffer is empty.`);
  if (!backend.loadItem)
    throw new MediaError(
      'INPUT_NOT_PREPROCESSED',
      `${describe(input)}: this model takes ${kind} inputs as preprocessed tensors only; preprocess them first.`,
    );
  return backend.loadItem(kind, input, describe(input), loaders);
}

function toError(kind: InputKind, index: number, input: MediaInput, e: unknown): ItemError {
  if (!(e instanceof ImageBindError)) throw e;
  return { kind, index, input: describe(input), code: e.code, message: e.message };
}

async function embedKind(
  backend: EmbedBackend,
  kind: InputKind,
  items: readonly MediaInput[],
  opts: EmbedOptions,
  errors: ItemError[],
): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = new Array(items.length).fill(null);
  const modality = encoderFor(kind);
  const chunks: number[][] = [];
  for (let i = 0; i < items.length; i += backend.batchSize)
    chunks.push(Array.from({ length: Math.min(backend.batchSize, items.length - i) }, (_, j) => i + j));
  const prepare = (idx: number[]) =>
    Promise.all(
      idx.map(async (i) => {
        try {
          if (kind === 'text') return (await backend.tokenizer()).tokenize([items[i] as string]);
          const t = await preprocessItem(backend, kind, items[i], opts.loaders);
          return { dtype: t.dtype, shape: [1, ...t.shape], data: t.data } as Tensor;
        } catch (e) {
          errors.push(toError(kind, i, items[i], e));
          return null;
        }
      }),
    );
  let next = chunks.length > 0 ? prepare(chunks[0]) : null;
  for (let c = 0; c < chunks.length; c++) {
    const prepared = await next!;
    next = c + 1 < chunks.length ? prepare(chunks[c + 1]) : null;
    const ok = chunks[c].filter((_, j) => prepared[j] !== null);
    if (ok.length === 0) continue;
    const batch = stack(
      prepared.filter((t): t is Tensor => t !== null).map((t) => ({ ...t, shape: t.shape.slice(1) })),
    );
    const emb = await backend.embedTensor(modality, batch);
    const dim = emb.shape[1];
    ok.forEach((i, j) => {
      const v = emb.data.slice(j * dim, (j + 1) * dim);
      out[i] = opts.normalize ? l2normalize(v) : v;
    });
  }
  return out;
}

export async function embedInputs<I extends EmbedInputs>(
  backend: EmbedBackend,
  inputs: I,
  opts: EmbedOptions = {},
): Promise<EmbedOutput<I>> {
  const errors: ItemError[] = [];
  const result: { [K in InputKind]?: (Float32Array | null)[] } = {};
  for (const kind of INPUT_KINDS) {
    const items = (inputs as Record<string, readonly MediaInput[] | undefined>)[kind];
    if (items) result[kind] = items.length > 0 ? await embedKind(backend, kind, items, opts, errors) : [];
  }
  return { ...result, errors } as EmbedOutput<I>;
}
