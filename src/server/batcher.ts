/**
 * Dynamic batching: rows submitted by concurrent requests for the same encoder (and item shape)
 * wait up to `windowMs` and are stacked into one encoder run of at most `maxBatch` rows, then the
 * output rows are handed back to their submitters. One run per modality at a time keeps memory
 * bounded by maxBatch; the queue is bounded too, and a full queue refuses at once (429) rather
 * than growing until the process runs out of memory.
 */
import { type Float32Tensor, type Tensor, numel, tensor } from '../core/tensor.ts';
import type { Modality } from '../model/config.ts';
import { fail } from './http-errors.ts';
import { settleOrAbort } from './abort-listener.ts';

export interface BatcherOptions {
  /** Rows per encoder run. */
  readonly maxBatch: number;
  /** How long the first waiting row holds the batch open for others. */
  readonly windowMs: number;
  /** Rows waiting across all queues before submissions are refused. */
  readonly maxQueue: number;
  readonly run: (modality: Modality, input: Tensor) => Promise<Float32Tensor>;
  readonly onBatch?: (modality: Modality, rows: number, ms: number) => void;
}

interface Pending {
  readonly input: Tensor;
  readonly rows: number;
  readonly resolve: (t: Float32Tensor) => void;
  readonly reject: (e: unknown) => void;
}

interface Queue {
  readonly modality: Modality;
  readonly items: Pending[];
  rows: number;
  timer: NodeJS.Timeout | null;
  running: boolean;
}

export class Batcher {
  private readonly queues = new Map<string, Queue>();
  private waiting = 0;
  private inFlight = 0;
  private withdrawn = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly opts: BatcherOptions) {}

  /** Rows queued per modality, for /metrics. */
  depth(): Map<Modality, number> {
    const out = new Map<Modality, number>();
    for (const q of this.queues.values()) out.set(q.modality, (out.get(q.modality) ?? 0) + q.rows);
    return out;
  }

  get queued(): number {
    return this.waiting;
  }

  /**
   * Runs `input` ([rows, ...item]) as part of some batch; resolves with its own output rows. When
   * `signal` aborts while the rows still wait, they leave the queue and the promise rejects with
   * the signal's reason; once their batch has started they run to the end.
   */
  submit(modality: Modality, input: Tensor, signal?: AbortSignal): Promise<Float32Tensor> {
    const rows = input.shape[0];
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (rows > this.opts.maxBatch) {
      return Promise.reject(
        new RangeError(`submit at most maxBatch (${this.opts.maxBatch}) rows at a time, got ${rows}`),
      );
    }
    if (this.waiting + rows > this.opts.maxQueue) {
      return Promise.reject(
        fail('QUEUE_FULL', `the ${modality} queue is full (${this.waiting} items waiting); retry shortly.`),
      );
    }
    const key = `${modality}:${input.dtype}:${input.shape.slice(1).join('x')}`;
    let q = this.queues.get(key);
    if (!q) {
      q = { modality, items: [], rows: 0, timer: null, running: false };
      this.queues.set(key, q);
    }
    this.waiting += rows;
    const queue = q;
    return new Promise<Float32Tensor>((resolve, reject) => {
      const pending: Pending = {
        input,
        rows,
        ...settleOrAbort(resolve, reject, signal, () => this.withdraw(queue, pending, signal!.reason)),
      };
      queue.items.push(pending);
      queue.rows += rows;
      this.schedule(queue);
    });
  }

  /** Takes rows whose request is gone out of their queue, if their batch has not started. */
  private withdraw(q: Queue, p: Pending, reason: unknown): void {
    const i = q.items.indexOf(p);
    if (i < 0) return;
    q.items.splice(i, 1);
    q.rows -= p.rows;
    this.waiting -= p.rows;
    this.withdrawn += p.rows;
    if (q.items.length === 0 && q.timer) {
      clearTimeout(q.timer);
      q.timer = null;
    }
    p.reject(reason);
    if (this.waiting === 0 && this.inFlight === 0) for (const r of this.idle.splice(0)) r();
  }

  /** Rows dropped from the queues because their request was cancelled (for tests and metrics). */
  get withdrawnRows(): number {
    return this.withdrawn;
  }

  /** Resolves once nothing is queued or running (graceful shutdown). */
  drained(): Promise<void> {
    if (this.waiting === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private schedule(q: Queue): void {
    if (q.running || q.items.length === 0) return;
    if (q.rows >= this.opts.maxBatch || this.opts.windowMs <= 0) {
      this.flush(q);
      return;
    }
    q.timer ??= setTimeout(() => this.flush(q), this.opts.windowMs);
  }

  private flush(q: Queue): void {
    if (q.timer) clearTimeout(q.timer);
    q.timer = null;
    if (q.running || q.items.length === 0) return;
    const batch: Pending[] = [];
    let rows = 0;
    while (q.items.length > 0 && rows + q.items[0].rows <= this.opts.maxBatch) {
      const p = q.items.shift()!;
      batch.push(p);
      rows += p.rows;
    }
    q.rows -= rows;
    this.waiting -= rows;
    q.running = true;
    this.inFlight++;
    void this.execute(q.modality, batch, rows).finally(() => {
      q.running = false;
      this.inFlight--;
      // Whatever queued up while the encoder ran is already a batch: go without waiting for the
      // window. setImmediate, not now: rows the preprocessing workers finished in the same tick
      // are still unread messages; the poll phase before the immediate submits them, and the
      // batch takes them too.
      if (q.items.length > 0) setImmediate(() => this.flush(q));
      else if (this.waiting === 0 && this.inFlight === 0) for (const r of this.idle.splice(0)) r();
    });
  }

  private async execute(modality: Modality, batch: Pending[], rows: number): Promise<void> {
    const first = batch[0].input;
    const per = numel(first.shape.slice(1));
    let input: Tensor = first;
    if (batch.length > 1) {
      const Ctor = first.data.constructor as new (n: number) => { set(a: ArrayLike<unknown>, o: number): void };
      const data = new Ctor(per * rows);
      let off = 0;
      for (const p of batch) {
        data.set(p.input.data as ArrayLike<unknown>, off);
        off += p.rows * per;
      }
      input = tensor(first.dtype, [rows, ...first.shape.slice(1)], data as never);
    }
    const t0 = performance.now();
    try {
      const out = await this.opts.run(modality, input);
      this.opts.onBatch?.(modality, rows, performance.now() - t0);
      const dim = out.shape[1];
      let row = 0;
      for (const p of batch) {
        p.resolve(tensor('float32', [p.rows, dim], out.data.slice(row * dim, (row + p.rows) * dim)));
        row += p.rows;
      }
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}
