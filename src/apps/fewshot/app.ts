/**
 * `fewShot`: labelled files (or strings, bytes, tensors) in, a fitted classifier and per-query
 * predictions out. Everything is embedded with `normalize: true` through one model, so the
 * training set and the queries share a space by construction; modalities may differ (ImageBind's
 * point: an audio clip can be classified with image prototypes).
 */
import { ImageBindError, MediaError } from '../../core/errors.ts';
import type { EmbedInputs, EmbedOptions, EmbedOutput, InputKind, MediaInput } from '../../embed/embed.ts';
import type { LoaderOptions } from '../../preprocess/loaders.ts';
import { fitFewShot, predictOne } from './classifier.ts';
import { detectKind } from './detect.ts';
import type { FewShotClassifier, FewShotMethod, FewShotOptions, Prediction } from './types.ts';

/** What fewShot needs from a model (an `ImageBind` satisfies it). */
export interface FewShotBackend {
  embed(inputs: EmbedInputs, opts?: EmbedOptions): Promise<EmbedOutput>;
  readonly identity?: string;
}

export interface FewShotItem {
  /** A path (kind detected from the name when `kind` is absent), bytes, a tensor, or text. */
  readonly input: MediaInput;
  readonly kind?: InputKind;
}
export interface FewShotExample extends FewShotItem {
  readonly label: string;
}

export interface FewShotRequest {
  readonly train: readonly FewShotExample[];
  readonly queries: readonly FewShotItem[];
  readonly method?: FewShotMethod;
  readonly options?: FewShotOptions;
  readonly loaders?: LoaderOptions;
}

export interface FewShotItemError {
  readonly set: 'train' | 'query';
  readonly index: number;
  readonly input: string;
  readonly code: string;
  readonly message: string;
}

export interface FewShotResult {
  readonly classifier: FewShotClassifier;
  /** One per query, in order; null where the query could not be embedded (see `errors`). */
  readonly predictions: (Prediction | null)[];
  readonly errors: FewShotItemError[];
  /** Training examples that were embedded and used. */
  readonly trainUsed: number;
}

const describe = (input: MediaInput): string =>
  typeof input === 'string'
    ? input
    : input instanceof Uint8Array
      ? `<${input.length} bytes>`
      : `<tensor [${input.shape.join(', ')}]>`;

/** Embeds mixed-kind items in one `embed` call; a failed item is null with its error recorded. */
async function embedItems(
  model: FewShotBackend,
  items: readonly FewShotItem[],
  set: 'train' | 'query',
  loaders: LoaderOptions | undefined,
  errors: FewShotItemError[],
): Promise<(Float32Array | null)[]> {
  const out: (Float32Array | null)[] = new Array(items.length).fill(null);
  const groups = new Map<InputKind, { index: number; input: MediaInput }[]>();
  for (const [index, item] of items.entries()) {
    try {
      let kind = item.kind;
      if (kind === undefined) {
        if (typeof item.input !== 'string')
          throw new MediaError(
            'FEWSHOT_NO_MODALITY',
            `${describe(item.input)}: bytes and tensors need an explicit kind.`,
          );
        kind = await detectKind(item.input);
      }
      if (kind === 'text' && typeof item.input !== 'string')
        throw new MediaError('FEWSHOT_BAD_INPUT', `${describe(item.input)}: text examples must be strings.`);
      const g = groups.get(kind) ?? [];
      g.push({ index, input: item.input });
      groups.set(kind, g);
    } catch (e) {
      if (!(e instanceof ImageBindError)) throw e;
      errors.push({ set, index, input: describe(item.input), code: e.code, message: e.message });
    }
  }
  const inputs: Record<string, MediaInput[]> = {};
  for (const [kind, g] of groups) inputs[kind] = g.map((x) => x.input);
  const res = await model.embed(inputs as EmbedInputs, { normalize: true, loaders });
  for (const [kind, g] of groups) {
    const vecs = res[kind] ?? [];
    g.forEach((x, j) => {
      out[x.index] = vecs[j] ?? null;
    });
  }
  for (const e of res.errors) {
    const g = groups.get(e.kind);
    const index = g?.[e.index]?.index ?? e.index;
    errors.push({ set, index, input: e.input, code: e.code, message: e.message });
  }
  errors.sort((a, b) => (a.set === b.set ? a.index - b.index : a.set === 'train' ? -1 : 1));
  return out;
}

export async function fewShot(model: FewShotBackend, req: FewShotRequest): Promise<FewShotResult> {
  const errors: FewShotItemError[] = [];
  const trainVecs = await embedItems(model, req.train, 'train', req.loaders, errors);
  const usable = req.train.flatMap((t, i) =>
    trainVecs[i] ? [{ vector: trainVecs[i] as Float32Array, label: t.label }] : [],
  );
  // A class whose every example failed would silently vanish from the label set; refuse instead.
  const labels = [...new Set(req.train.map((t) => t.label))];
  const empty = labels.filter((l) => !usable.some((u) => u.label === l));
  if (req.train.length > 0 && empty.length > 0) {
    const why = errors
      .filter((e) => e.set === 'train' && empty.includes(req.train[e.index].label))
      .map((e) => `  ${e.message}`);
    throw new MediaError(
      'FEWSHOT_CLASS_EMPTY',
      `class${empty.length > 1 ? 'es' : ''} ${empty.map((l) => `"${l}"`).join(', ')} ` +
        `${empty.length > 1 ? 'have' : 'has'} no usable training example; fix or replace these files:\n${why.join('\n')}`,
    );
  }
  const space = model.identity;
  const classifier = fitFewShot(usable, req.method ?? 'prototype', { ...req.options, space });
  const queryVecs = await embedItems(model, req.queries, 'query', req.loaders, errors);
  const predictions = queryVecs.map((v) => (v ? predictOne(classifier, v, space) : null));
  return { classifier, predictions, errors, trainUsed: usable.length };
}
