/**
 * Worker-thread side of the preprocessing pool: decodes one item (bytes via a temp file, since
 * the loaders read paths and sniff content, or a server-side path) into its model-input tensor.
 * The pool may post several jobs ahead; they are done one after another, in order, so a worker
 * decodes one item at a time (bounded CPU and memory) and answers each as soon as it is ready.
 * Errors travel back in core/errors.ts's wire form, so the main thread rebuilds their class and code.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { type WireError, errorToWire } from '../core/errors.ts';
import { type FileKind, loadFile } from '../preprocess/loaders.ts';

export interface PreprocessJob {
  readonly id: number;
  readonly kind: FileKind;
  readonly bytes?: Uint8Array;
  readonly path?: string;
}

export type PreprocessReply =
  | { readonly id: number; readonly ok: true; readonly shape: number[]; readonly data: Float32Array }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

async function load(job: PreprocessJob): Promise<{ shape: number[]; data: Float32Array }> {
  if (job.path) {
    const t = await loadFile(job.kind, job.path);
    return { shape: [...t.shape], data: t.data };
  }
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-srv-'));
  try {
    const path = join(dir, `input.${job.kind === 'imu' ? 'csv' : 'bin'}`);
    await writeFile(path, job.bytes ?? new Uint8Array());
    const t = await loadFile(job.kind, path);
    return { shape: [...t.shape], data: t.data };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function handle(job: PreprocessJob): Promise<void> {
  return load(job).then(
    ({ shape, data }) => {
      const reply: PreprocessReply = { id: job.id, ok: true, shape, data };
      parentPort!.postMessage(reply, [data.buffer as ArrayBuffer]);
    },
    (e: unknown) => {
      const reply: PreprocessReply = { id: job.id, ok: false, error: errorToWire(e) };
      parentPort!.postMessage(reply);
    },
  );
}

let chain: Promise<void> = Promise.resolve();
parentPort?.on('message', (job: PreprocessJob) => {
  chain = chain.then(() => handle(job));
});
