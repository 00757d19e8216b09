/**
 * Gathers the jobs a worker holds at once (its --concurrency) into one encoder run per kind, as a
 * local `index` embeds a batch of files at a time: batch-of-1 runs would cost the queue its
 * throughput. A batch closes when it is full or a few milliseconds after its first item.
 */
import { embedInputs } from '../embed/embed.ts';
import type { EmbedBackend, MediaInput } from '../embed/embed.ts';
import { MediaError } from '../core/errors.ts';
import type { FileKind } from '../preprocess/loaders.ts';

interface Pending {
  readonly kind: FileKind;
  readonly input: MediaInput;
  resolve(v: Float32Array): void;
  reject(e: unknown): void;
}

export class EmbedBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly model: EmbedBackend,
    private readonly max: number,
    private readonly waitMs = 5,
  ) {}

  embed(kind: FileKind, input: MediaInput): Promise<Float32Array> {
    return new Promise((resolve, reject) => {
      this.pending.push({ kind, input, resolve, reject });
      if (this.pending.length >= this.max) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.waitMs);
    });
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.pending;
    this.pending = [];
    const byKind = new Map<FileKind, Pending[]>();
    for (const p of batch) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p]);
    for (const [kind, group] of byKind) void this.run(kind, group);
  }

  private async run(kind: FileKind, group: Pending[]): Promise<void> {
    try {
      const out = await embedInputs(this.model, { [kind]: group.map((p) => p.input) });
      const errors = new Map(out.errors.map((e) => [e.index, e]));
      const vectors = (out as unknown as Record<string, (Float32Array | null)[] | undefined>)[kind] ?? [];
      group.forEach((p, i) => {
        const err = errors.get(i);
        const v = vectors[i];
        if (err) p.reject(new MediaError(err.code, err.message));
        else if (v) p.resolve(v);
        else p.reject(new MediaError('EMBED_FAILED', `no vector for item ${i} of a ${kind} batch`));
      });
    } catch (e) {
      for (const p of group) p.reject(e);
    }
  }
}
