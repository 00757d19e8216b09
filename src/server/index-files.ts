/**
 * Indexing for the server: uploaded files (already saved and sniffed) and server-side paths
 * inside the roots. Like apps/indexer.ts it skips unchanged files and commits per batch, but it
 * decodes in the worker pool and checks every discovered file's real path against the roots,
 * so a symlink inside a root cannot pull in a file from outside.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { discoverMedia } from '../apps/discover.ts';
import { pruneMissing } from '../apps/indexer.ts';
import type { FileKind } from '../preprocess/loaders.ts';
import type { ItemInput } from '../store/index.ts';
import { type ServerContext, throwIfAborted } from './context.ts';
import { vectorsOf } from './engine.ts';
import { isInside } from './paths.ts';

export interface IndexedFile {
  readonly path: string;
  readonly kind: FileKind;
  readonly size: number;
  readonly mtime: number;
  readonly metadata?: Record<string, unknown>;
}

export interface IndexResult {
  readonly items: { id: number; path: string; modality: FileKind }[];
  readonly skipped: number;
  /** Items removed because their file no longer exists (indexing by folder only). */
  readonly pruned: number;
  readonly errors: { path: string; code: string; message: string }[];
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** Embeds `files` (real paths the caller has checked) and stores them, batch by batch. */
export async function indexFiles(
  ctx: ServerContext,
  files: readonly IndexedFile[],
  signal?: AbortSignal,
  batch = 32,
): Promise<IndexResult> {
  const items: IndexResult['items'] = [];
  const errors: IndexResult['errors'] = [];
  for (let start = 0; start < files.length; start += batch) {
    const group = files.slice(start, start + batch);
    const byKind = new Map<FileKind, IndexedFile[]>();
    for (const f of group) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
    const inputs: { [K in FileKind]?: { path: string }[] } = {};
    for (const [kind, fs] of byKind) inputs[kind] = fs.map((f) => ({ path: f.path }));
    throwIfAborted(signal);
    const out = await ctx.engine.embed(inputs, { signal });
    const rows: ItemInput[] = [];
    for (const [kind, fs] of byKind) {
      for (const e of out.errors.filter((x) => x.kind === kind))
        errors.push({ path: fs[e.index].path, code: e.code, message: e.message });
      const vectors = vectorsOf(out, kind);
      for (const [i, f] of fs.entries()) {
        const vector = vectors[i];
        if (vector)
          rows.push({
            path: f.path,
            modality: kind,
            vector,
            hash: await sha256(f.path),
            mtime: f.mtime,
            size: f.size,
            metadata: f.metadata ?? {},
          });
      }
    }
    const ids = ctx.store.addItems(rows);
    rows.forEach((r, i) => items.push({ id: ids[i], path: r.path, modality: r.modality as FileKind }));
  }
  return { items, skipped: 0, pruned: 0, errors };
}

/**
 * Discovers media under already-contained real paths and indexes what changed. Items of files
 * under the given folders that no longer exist are pruned; entries that cannot be reached
 * (symlink loops, dangling links) are reported per path, never a failure of the request.
 */
export async function indexServerPaths(
  ctx: ServerContext,
  realPaths: readonly string[],
  signal?: AbortSignal,
): Promise<IndexResult> {
  const { files, unreachable, folders } = await discoverMedia(realPaths);
  const pruned = pruneMissing(ctx.store, folders);
  const todo: IndexedFile[] = [];
  const errors: IndexResult['errors'] = unreachable.map((u) => ({
    path: u.path,
    code: 'UNREACHABLE',
    message: `${u.path}: skipped, ${u.reason}.`,
  }));
  let skipped = 0;
  for (const f of files) {
    if (!ctx.roots.some((r) => isInside(f.real, r))) {
      errors.push({
        path: f.path,
        code: 'PATH_OUTSIDE_ROOTS',
        message: `${f.path} resolves outside the served roots; skipped.`,
      });
      continue;
    }
    if (ctx.store.needsUpdate(f.real, f.kind, { size: f.size, mtime: f.mtime })) todo.push({ ...f, path: f.real });
    else skipped++;
  }
  const r = await indexFiles(ctx, todo, signal);
  return { items: r.items, skipped, pruned, errors: [...errors, ...r.errors] };
}
