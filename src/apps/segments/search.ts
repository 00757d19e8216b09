/**
 * Search by segment: the query (composed as for `search`) against the windows of long recordings,
 * answering with the file and the time range, optionally inside one recording only.
 */
import { resolve } from 'node:path';
import { StoreError } from '../../core/errors.ts';
import { l2normalize } from '../../core/vector-math.ts';
import type { EmbedBackend } from '../../embed/embed.ts';
import type { SegmentHit, VectorStore } from '../../store/index.ts';
import { type QueryPart, composeQuery } from '../query.ts';

export interface SegmentSearchRequest {
  readonly parts: readonly QueryPart[];
  readonly k: number;
  /** Only windows of these modalities: 'audio' (sound) and/or 'video' (pictures). */
  readonly modalities?: readonly string[];
  /** Only windows of this indexed file. */
  readonly within?: string;
}

/** The indexed item of `path` that has segments (its audio or video entry). */
export function segmentedItemId(store: VectorStore, path: string): number {
  for (const p of [path, resolve(path)])
    for (const m of ['audio', 'video'] as const) {
      const item = store.getByPath(p, m);
      if (item && store.segments.forItem(item.id).length > 0) return item.id;
    }
  throw new StoreError(
    'STORE_NOT_FOUND',
    `${path}: not in the index with segments; index it with \`imagebind index --segments <seconds> ${path}\`.`,
  );
}

export function searchSegmentsByVector(
  store: VectorStore,
  query: Float32Array,
  req: Omit<SegmentSearchRequest, 'parts'>,
): SegmentHit[] {
  const itemId = req.within === undefined ? undefined : segmentedItemId(store, req.within);
  return store.segments.search(l2normalize(query), { k: req.k, modalities: req.modalities, itemId });
}

export async function searchSegments(
  model: EmbedBackend,
  store: VectorStore,
  req: SegmentSearchRequest,
): Promise<SegmentHit[]> {
  return searchSegmentsByVector(store, await composeQuery(model, req.parts), req);
}

/** 754.2 s → "12:34.2" (or "1:02:34.2" past an hour). */
export function formatTime(seconds: number): string {
  const h = Math.floor(seconds / 3600),
    m = Math.floor((seconds % 3600) / 60),
    s = seconds % 60;
  const ss = s.toFixed(1).padStart(4, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
