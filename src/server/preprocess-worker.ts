/**
 * Worker-thread side of the preprocessing pool: decodes one item (uploaded bytes, or a server-side
 * path) into its model-input tensor, or CLIP-tokenises one long text. The pool may post several
 * jobs ahead; they are done one after another, in order, so a worker decodes one item at a time
 * (bounded CPU and memory) and answers each as soon as it is ready. A cancel message (its request
 * is gone) is read at once, ahead of the queued jobs, and the job is then skipped. Errors travel
 * back in core/errors.ts's wire form, so the main thread rebuilds their class and code; uploads are
 * named `<uploaded bytes>` in them (the loaders' temp files, where ffmpeg needs one, never show).
 */
import { parentPort } from 'node:worker_threads';
import { type WireError, errorToWire } from '../core/errors.ts';
import { type FileKind, loadBytes, loadFile } from '../preprocess/loaders.ts';
import { type ClipTokenizer, loadTokenizerFile } from '../preprocess/text/index.ts';

export type PreprocessJob =
  | { readonly id: number; readonly kind: FileKind; readonly bytes?: Uint8Array; readonly path?: string }
  | {
      readonly id: number;
      readonly kind: 'text';
      readonly text: string;
      readonly vocab: string;
      readonly contextLength?: number;
    };

export interface CancelMessage {
  readonly cancel: number;
}

export type PreprocessReply =
  | {
      readonly id: number;
      readonly ok: true;
      readonly dtype: 'float32' | 'int64';
      readonly shape: number[];
      readonly data: Float32Array | BigInt64Array;
    }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** What error messages say instead of the worker's temp file. */
const UPLOADED = '<uploaded bytes>';

const tokenizers = new Map<string, ClipTokenizer>();

async function load(
  job: PreprocessJob,
): Promise<{ dtype: 'float32' | 'int64'; shape: number[]; data: Float32Array | BigInt64Array }> {
  if (job.kind === 'text') {
    const key = `${job.vocab}\0${job.contextLength ?? ''}`;
    let t = tokenizers.get(key);
    if (!t) {
      t = loadTokenizerFile(job.vocab, job.contextLength ? { contextLength: job.contextLength } : {});
      tokenizers.set(key, t);
    }
    const out = t.tokenize([job.text]);
    return { dtype: 'int64', shape: [...out.shape], data: out.data };
  }
  if (job.path) {
    const t = await loadFile(job.kind, job.path);
    return { dtype: 'float32', shape: [...t.shape], data: t.data };
  }
  // The name stands for the bytes in messages: clients must not learn the server's temp layout.
  const t = await loadBytes(job.kind, job.bytes ?? new Uint8Array(), UPLOADED);
  return { dtype: 'float32', shape: [...t.shape], data: t.data };
}

const cancelled = new Set<number>();

function handle(job: PreprocessJob): Promise<void> {
  if (cancelled.delete(job.id)) {
    const reply: PreprocessReply = { id: job.id, ok: false, error: { message: 'cancelled' } };
    parentPort!.postMessage(reply);
    return Promise.resolve();
  }
  return load(job).then(
    ({ dtype, shape, data }) => {
      cancelled.delete(job.id);
      const reply: PreprocessReply = { id: job.id, ok: true, dtype, shape, data };
      parentPort!.postMessage(reply, [data.buffer as ArrayBuffer]);
    },
    (e: unknown) => {
      cancelled.delete(job.id);
      const reply: PreprocessReply = { id: job.id, ok: false, error: errorToWire(e) };
      parentPort!.postMessage(reply);
    },
  );
}

let chain: Promise<void> = Promise.resolve();
parentPort?.on('message', (msg: PreprocessJob | CancelMessage) => {
  if ('cancel' in msg) {
    cancelled.add(msg.cancel);
    return;
  }
  chain = chain.then(() => handle(msg));
});
