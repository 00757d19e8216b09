/**
 * Incremental, resumable indexing: discover files, skip those the store already has unchanged
 * (size + mtime, else content hash), embed the rest in batches and commit each batch in one
 * transaction. A killed run loses at most the batch in flight; re-running picks up where it left.
 * Items are stored under their files' real paths (a file reached by two paths is one item), and
 * items of files under an indexed folder that no longer exist are pruned.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { EmbedBackend } from '../embed/embed.ts';
import { embedInputs } from '../embed/embed.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import type { ItemInput, VectorStore } from '../store/index.ts';
import { type FoundFile, type Unreachable, discoverMedia } from './discover.ts';
import type { KindOverrides } from './media-kind.ts';
import { ImageBindError } from '../core/errors.ts';
import { checkSegmentSeconds } from '../preprocess/stream/windows.ts';
import { TIMED_KINDS } from './segments/embed.ts';
import { indexFileWithSegments, segmentsOf } from './segments/index-file.ts';

export interface IndexProgress {
  readonly done: number;
  readonly total: number;
  readonly path: string;
}

export interface IndexReport {
  readonly found: number;
  readonly added: number;
  readonly skipped: number;
  /** Items removed because their file, under an indexed folder, no longer exists. */
  readonly pruned: number;
  readonly failed: { path: string; code: string; message: string }[];
  /** Entries that could not be visited (symlink loops, dangling links, no permission). */
  readonly unreachable: Unreachable[];
}

export interface IndexOptions {
  readonly overrides?: KindOverrides;
  /** Files per committed batch. */
  readonly batchSize?: number;
  readonly onProgress?: (p: IndexProgress) => void;
  /** Per-kind metadata added to each item (e.g. the caption file next to an image). */
  readonly metadata?: (file: FoundFile) => Record<string, unknown>;
  /**
   * Cut audio and video files into windows of this many seconds, one vector each, with their time
   * ranges (segments/index-file.ts; off by default). Other kinds are indexed as usual.
   */
  readonly segments?: number;
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export async function indexPaths(
  model: EmbedBackend,
  store: VectorStore,
  roots: readonly string[],
  opts: IndexOptions = {},
): Promise<IndexReport> {
  const seconds = opts.segments === undefined ? undefined : checkSegmentSeconds(opts.segments);
  const segmented = (f: FoundFile) => seconds !== undefined && (TIMED_KINDS as readonly string[]).includes(f.kind);
  const { files, unreachable, folders } = await discoverMedia(roots, opts.overrides);
  const pruned = pruneMissing(store, folders);
  const pending: FoundFile[] = [];
  let skipped = 0;
  for (const f of files) {
    // A file indexed without segments, or with another window length, is indexed again.
    const resegment = segmented(f) && segmentsOf(store.getByPath(f.real, f.kind)?.metadata)?.seconds !== seconds;
    if (resegment || store.needsUpdate(f.real, f.kind, { size: f.size, mtime: f.mtime, hash: () => sha256(f.real) }))
      pending.push(f);
    else {
      store.touch(f.real, f.kind, f.mtime);
      skipped++;
    }
  }
  const failed: IndexReport['failed'] = [];
  let added = 0;
  const batchSize = opts.batchSize ?? 16;
  for (let start = 0; start < pending.length; start += batchSize) {
    const batch = pending.slice(start, start + batchSize);
    const byKind = new Map<FileKind, FoundFile[]>();
    for (const f of batch) {
      if (!segmented(f)) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
      else {
        try {
          const meta = opts.metadata?.(f) ?? {};
          await indexFileWithSegments(
            model,
            store,
            { ...f, path: f.real, hash: sha256(f.real), metadata: meta },
            seconds!,
          );
          added++;
        } catch (e) {
          if (!(e instanceof ImageBindError)) throw e;
          failed.push({ path: f.real, code: e.code, message: e.message });
        }
      }
    }
    const rows: ItemInput[] = [];
    for (const [kind, group] of byKind) {
      const out = await embedInputs(model, { [kind]: group.map((f) => f.real) });
      for (const e of out.errors) failed.push({ path: group[e.index].real, code: e.code, message: e.message });
      (out[kind] ?? []).forEach((vector, i) => {
        if (!vector) return;
        const f = group[i];
        rows.push({
          path: f.real,
          modality: kind,
          vector,
          hash: sha256(f.real),
          mtime: f.mtime,
          size: f.size,
          metadata: opts.metadata?.(f) ?? {},
        });
      });
    }
    store.addItems(rows);
    added += rows.length;
    opts.onProgress?.({
      done: Math.min(start + batchSize, pending.length),
      total: pending.length,
      path: batch[batch.length - 1].path,
    });
  }
  return { found: files.length, added, skipped, pruned, failed, unreachable };
}

/**
 * Removes the items of files inside `folders` that no longer exist (a file that exists but is no
 * longer found, e.g. renamed to a hidden name, stays). Returns how many items were removed.
 */
export function pruneMissing(store: VectorStore, folders: readonly string[]): number {
  const gone = [...new Set(folders.flatMap((d) => store.pathsUnder(d)))].filter((p) => !existsSync(p));
  return gone.length === 0 ? 0 : store.removePaths(gone);
}
