/**
 * A fixed pool of worker threads for preprocessing (image decode/resize, audio resample + fbank,
 * video decode), so the event loop only parses requests and moves tensors. Each worker is handed
 * up to `perWorker` jobs at once and works through them one at a time, so a batch's worth of items
 * is decoded ahead while an encoder runs and the next batch is full when that run ends (with one
 * job per worker, a batch could only hold as many items as there are workers).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ImageBindError, MediaError, errorFromWire } from '../core/errors.ts';
import { type Float32Tensor, type Int64Tensor, type Tensor, tensor } from '../core/tensor.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import { startTsWorker } from '../runtime/ts-worker.ts';
import { fail } from './http-errors.ts';
import type { CancelMessage, PreprocessJob, PreprocessReply } from './preprocess-worker.ts';
import { settleOrAbort } from './abort-listener.ts';

interface Job {
  readonly msg: PreprocessJob;
  readonly resolve: (t: Tensor) => void;
  readonly reject: (e: unknown) => void;
  /** Set when the job's request went away after it was posted: its answer is ignored. */
  cancelled?: boolean;
}

interface Slot {
  worker: Worker;
  /** Jobs posted to this worker and not answered yet, by id. */
  readonly jobs: Map<number, Job>;
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const shuttingDown = () => fail('SHUTTING_DOWN', 'the server is shutting down.');

/** CPUs − 1: one core stays with the event loop and onnxruntime. */
export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism() - 1);
}

export class PreprocessPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextId = 1;
  private cancelledJobs = 0;
  private closed = false;

  /** `perWorker`: jobs posted to a worker ahead of its answers (decoded items ready when an encoder run ends). */
  constructor(
    readonly size = defaultPoolSize(),
    private readonly maxQueue = 256,
    readonly perWorker = 1,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get queued(): number {
    return this.queue.length;
  }

  get busy(): number {
    return this.slots.filter((s) => s.jobs.size > 0).length;
  }

  run(kind: FileKind, source: { bytes: Uint8Array } | { path: string }, signal?: AbortSignal): Promise<Float32Tensor> {
    return this.submit({ kind, ...source }, signal) as Promise<Float32Tensor>;
  }

  /** CLIP-tokenises one text on a worker (long texts took the event loop for seconds). */
  tokenize(text: string, vocab: { path: string; contextLength?: number }, signal?: AbortSignal): Promise<Int64Tensor> {
    return this.submit(
      { kind: 'text', text, vocab: vocab.path, contextLength: vocab.contextLength },
      signal,
    ) as Promise<Int64Tensor>;
  }

  /**
   * Queues a job. When `signal` aborts, a job still queued here is dropped; one already posted to a
   * worker is skipped by the worker if it has not started it (a cancel message overtakes the queue
   * there), else its answer is ignored. Either way the caller's promise rejects at once.
   */
  private submit(job: DistributiveOmit<PreprocessJob, 'id'>, signal?: AbortSignal): Promise<Tensor> {
    if (this.closed) return Promise.reject(shuttingDown());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.queue.length >= this.maxQueue)
      return Promise.reject(
        fail('QUEUE_FULL', `the preprocessing queue is full (${this.queue.length} items); retry shortly.`),
      );
    return new Promise((resolve, reject) => {
      const msg = { id: this.nextId++, ...job } as PreprocessJob;
      const entry: Job = { msg, ...settleOrAbort(resolve, reject, signal, () => this.cancel(entry, signal!.reason)) };
      this.queue.push(entry);
      this.pump();
    });
  }

  private cancel(job: Job, reason: unknown): void {
    const i = this.queue.indexOf(job);
    if (i >= 0) this.queue.splice(i, 1);
    else {
      const slot = this.slots.find((s) => s.jobs.get(job.msg.id) === job);
      if (!slot) return;
      job.cancelled = true;
      slot.worker.postMessage({ cancel: job.msg.id } satisfies CancelMessage);
    }
    this.cancelledJobs++;
    job.reject(reason);
  }

  /** Jobs dropped or skipped because their request was cancelled. */
  get cancelled(): number {
    return this.cancelledJobs;
  }

  /** Rejects every job not answered yet, queued or already posted to a worker, and ends the workers. */
  async close(): Promise<void> {
    this.closed = true;
    const dropped = this.queue.splice(0);
    for (const s of this.slots) {
      dropped.push(...s.jobs.values());
      s.jobs.clear();
    }
    for (const j of dropped) j.reject(shuttingDown());
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(): Slot {
    const slot: Slot = { worker: startTsWorker(new URL('./preprocess-worker.ts', import.meta.url)), jobs: new Map() };
    slot.worker.on('message', (r: PreprocessReply) => this.settle(slot, r));
    slot.worker.on('error', (e) => this.crashed(slot, e));
    slot.worker.on('exit', (code) => {
      if (!this.closed) this.crashed(slot, new Error(`preprocess worker exited with code ${code}`));
    });
    slot.worker.unref();
    return slot;
  }

  private crashed(slot: Slot, e: Error): void {
    // The worker takes its jobs in the order they were posted, so the oldest unanswered one is the
    // item it was decoding: that one fails; the others go back to the front of the queue.
    const [current, ...waiting] = slot.jobs.values();
    slot.jobs.clear();
    current?.reject(new MediaError('PREPROCESS_FAILED', `preprocessing crashed: ${e.message}`));
    if (this.closed) {
      for (const j of waiting) j.reject(shuttingDown());
      return;
    }
    this.queue.unshift(...waiting);
    const i = this.slots.indexOf(slot);
    if (i >= 0) {
      void slot.worker.terminate();
      this.slots[i] = this.spawn();
    }
    this.pump();
  }

  private settle(slot: Slot, r: PreprocessReply): void {
    const job = slot.jobs.get(r.id);
    slot.jobs.delete(r.id);
    // An idle worker must not keep the process alive; one with jobs must (outside a server,
    // nothing else may be holding the event loop open while a caller awaits its decode).
    if (slot.jobs.size === 0) slot.worker.unref();
    if (job && !job.cancelled) {
      if (r.ok) job.resolve(tensor(r.dtype, r.shape, r.data as never));
      else {
        // A non-ImageBind error from a decoder library still means this item could not be decoded.
        const e = errorFromWire(r.error);
        job.reject(e instanceof ImageBindError ? e : new MediaError('PREPROCESS_FAILED', e.message));
      }
    }
    this.pump();
  }

  /** Hands queued jobs to the least loaded workers, up to `perWorker` each. */
  private pump(): void {
    while (this.queue.length > 0) {
      let slot: Slot | null = null;
      for (const s of this.slots) if (s.jobs.size < this.perWorker && (!slot || s.jobs.size < slot.jobs.size)) slot = s;
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.jobs.set(job.msg.id, job);
      slot.worker.ref();
      slot.worker.postMessage(job.msg);
    }
  }
}
