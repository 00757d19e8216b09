/**
 * The server's embedding path: media are decoded in the worker pool, then handed as tensors to the
 * library's `embedInputs`, whose encoder calls go through the dynamic batcher, so rows from
 * concurrent requests share encoder runs. Per-item failures stay per item, as in `model.embed`.
 */
import { ImageBindError } from '../core/errors.ts';
import { type Tensor, stack } from '../core/tensor.ts';
import { join } from 'node:path';
import {
  type EmbedBackend,
  type EmbedOutput,
  INPUT_KINDS,
  type InputKind,
  type ItemError,
  embedInputs,
} from '../embed/embed.ts';
import type { ImageBind } from '../embed/imagebind.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import { Batcher } from './batcher.ts';
import { throwIfAborted } from './context.ts';
import type { Metrics } from './metrics.ts';
import { PreprocessPool, defaultPoolSize } from './preprocess-pool.ts';

/** Bytes sent by a client, or a server-side path already checked against the roots. */
export type MediaSource = { readonly bytes: Uint8Array } | { readonly path: string };
export type EngineInputs = { text?: readonly string[] } & { [K in FileKind]?: readonly MediaSource[] };

export interface EngineOptions {
  readonly maxBatch: number;
  readonly windowMs: number;
  readonly maxQueue: number;
  readonly workers?: number;
}

/** Codes that mean "the server is overloaded or stopping", not "this item is bad". */
const FATAL = new Set(['QUEUE_FULL', 'SHUTTING_DOWN']);

/** Texts up to this length are tokenised on the event loop (well under a millisecond each). */
const INLINE_TEXT_CHARS = 512;

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.max(Math.sqrt(s), 1e-12);
  return v.map((x) => x / n);
}

export class Engine {
  readonly batcher: Batcher;
  readonly pool: PreprocessPool;
  readonly backend: EmbedBackend;

  constructor(
    readonly model: ImageBind,
    opts: EngineOptions,
    metrics?: Metrics,
  ) {
    // One encoder run at a time: each run already uses every core (onnxruntime's intra-op threads),
    // and the sessions' host thread takes runs in turn anyway; waiting here keeps the next batch's
    // tensors (copied to that thread) from piling up in its queue.
    let last: Promise<unknown> = Promise.resolve();
    const oneAtATime = <T>(f: () => Promise<T>): Promise<T> => {
      const next = last.then(f, f);
      last = next.catch(() => undefined);
      return next;
    };
    this.batcher = new Batcher({
      maxBatch: opts.maxBatch,
      windowMs: opts.windowMs,
      maxQueue: opts.maxQueue,
      run: (m, t) => oneAtATime(() => model.embedTensor(m, t)),
      onBatch: (m, rows) => metrics?.observeBatch(m, rows),
    });
    // Enough decodes posted ahead that the next batch is ready when the current encoder run ends
    // (one job per worker measured 0.91–0.95× the pure encoder on huge vision, this 0.95–1.03×).
    const workers = opts.workers ?? defaultPoolSize();
    this.pool = new PreprocessPool(workers, opts.maxQueue, Math.ceil(opts.maxBatch / workers));
    this.backend = {
      batchSize: opts.maxBatch,
      embedTensor: (m, t) => this.batcher.submit(m, t),
      tokenizer: () => model.tokenizer(),
    };
  }

  get dim(): number {
    return this.model.manifest.config.out_embed_dim;
  }

  /**
   * Embeds one request's inputs. `signal` is the request's: once it aborts, queued decodes and
   * encoder rows of this request are dropped and the call rejects with its reason.
   */
  async embed(inputs: EngineInputs, opts: { normalize?: boolean; signal?: AbortSignal } = {}): Promise<EmbedOutput> {
    const { signal } = opts;
    const errors: ItemError[] = [];
    const tensors: { [K in FileKind]?: Tensor[] } = {};
    const slots: { [K in FileKind]?: number[] } = {};
    const [text] = await Promise.all([
      inputs.text?.length ? this.embedTexts(inputs.text, opts.normalize === true, errors, signal) : undefined,
      ...INPUT_KINDS.filter((k): k is FileKind => k !== 'text').map(async (kind) => {
        const items = inputs[kind];
        if (!items?.length) return undefined;
        const done = await Promise.allSettled(items.map((src) => this.pool.run(kind, src, signal)));
        const ok: Tensor[] = [];
        const idx: number[] = [];
        done.forEach((r, i) => {
          if (r.status === 'fulfilled') {
            ok.push(r.value);
            idx.push(i);
            return;
          }
          const e: unknown = r.reason;
          if (!(e instanceof ImageBindError) || FATAL.has(e.code) || signal?.aborted) throw e;
          errors.push({ kind, index: i, input: describe(items[i]), code: e.code, message: e.message });
        });
        tensors[kind] = ok;
        slots[kind] = idx;
        return undefined;
      }),
    ]);
    throwIfAborted(signal);
    const backend: EmbedBackend = { ...this.backend, embedTensor: (m, t) => this.batcher.submit(m, t, signal) };
    const out = await embedInputs(backend, tensors, { normalize: opts.normalize });
    const result: { [K in InputKind]?: (Float32Array | null)[] } = {};
    if (text) result.text = text;
    for (const kind of INPUT_KINDS) {
      if (kind === 'text' || !inputs[kind]?.length) continue;
      const full: (Float32Array | null)[] = new Array(inputs[kind]!.length).fill(null);
      (out[kind] ?? []).forEach((v, j) => (full[slots[kind]![j]] = v));
      result[kind] = full;
    }
    for (const e of out.errors) errors.push({ ...e, index: slots[e.kind as FileKind]![e.index] });
    errors.sort((a, b) => INPUT_KINDS.indexOf(a.kind) - INPUT_KINDS.indexOf(b.kind) || a.index - b.index);
    return { ...result, errors };
  }

  /**
   * Texts: short ones are tokenised here (microseconds), long ones on a preprocessing worker, so
   * that no text holds the event loop; then encoded in chunks of maxBatch rows through the batcher.
   */
  private async embedTexts(
    texts: readonly string[],
    normalize: boolean,
    errors: ItemError[],
    signal: AbortSignal | undefined,
  ): Promise<(Float32Array | null)[]> {
    const vocab = this.vocab();
    const tokens = await Promise.all(
      texts.map(async (t, i): Promise<Tensor | null> => {
        try {
          if (t.length <= INLINE_TEXT_CHARS || !vocab) return (await this.model.tokenizer()).tokenize([t]);
          return await this.pool.tokenize(t, vocab, signal);
        } catch (e) {
          if (!(e instanceof ImageBindError) || FATAL.has(e.code) || signal?.aborted) throw e;
          errors.push({ kind: 'text', index: i, input: `<${t.length} characters>`, code: e.code, message: e.message });
          return null;
        }
      }),
    );
    throwIfAborted(signal);
    const out: (Float32Array | null)[] = new Array(texts.length).fill(null);
    const ok = tokens.flatMap((t, i) => (t ? [i] : []));
    const max = this.backend.batchSize;
    for (let start = 0; start < ok.length; start += max) {
      const idx = ok.slice(start, start + max);
      const batch = stack(idx.map((i) => ({ ...tokens[i]!, shape: tokens[i]!.shape.slice(1) })));
      const emb = await this.batcher.submit('text', batch, signal);
      const dim = emb.shape[1];
      idx.forEach((i, j) => {
        const v = emb.data.slice(j * dim, (j + 1) * dim);
        out[i] = normalize ? unit(v) : v;
      });
    }
    return out;
  }

  /** The model's BPE file for workers, or null when it has none (tokenising here then reports why). */
  private vocab(): { path: string; contextLength?: number } | null {
    const t = this.model.manifest.tokenizer;
    return t ? { path: join(this.model.dir, t.merges), contextLength: t.contextLength } : null;
  }

  /** Stops taking work, lets queued batches finish, then frees workers and sessions. */
  async close(): Promise<void> {
    await this.batcher.drained();
    await this.pool.close();
    await this.model.close();
  }
}

function describe(src: MediaSource): string {
  return 'path' in src ? src.path : `<${src.bytes.length} bytes>`;
}

/** The vectors an embed call produced for one kind ([] when none were asked for). */
export function vectorsOf(out: EmbedOutput, kind: InputKind): readonly (Float32Array | null)[] {
  return (out as { [K in InputKind]?: (Float32Array | null)[] })[kind] ?? [];
}
