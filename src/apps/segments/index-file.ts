/**
 * Indexing one audio or video file with segments: its windows are embedded as a stream, and the
 * item (whose vector is the normalised mean of its own windows, so the whole file is never
 * decoded at once) and its segments are written in one transaction.
 */
import type { ItemInput, VectorStore } from '../../store/index.ts';
import { type SegmentEmbedder, checkTimedKind, embedFileSegments, meanOfSegments } from './embed.ts';

export interface SegmentedFile {
  readonly path: string;
  readonly kind: string;
  readonly mtime: number;
  readonly size: number;
  readonly hash: string;
  readonly metadata?: Record<string, unknown>;
}

/** What the indexer records in an item's metadata, so a changed window length triggers re-indexing. */
export interface SegmentsMetadata {
  readonly seconds: number;
  readonly count: number;
  readonly duration: number;
  readonly audio: boolean;
}

export function segmentsOf(metadata: Readonly<Record<string, unknown>> | undefined): SegmentsMetadata | null {
  const s = metadata?.segments as SegmentsMetadata | undefined;
  return s && typeof s.seconds === 'number' ? s : null;
}

export async function indexFileWithSegments(
  model: SegmentEmbedder,
  store: VectorStore,
  file: SegmentedFile,
  seconds: number,
  onProgress?: (seconds: number) => void,
): Promise<{ id: number; segments: number }> {
  const kind = checkTimedKind(file.kind, file.path);
  const r = await embedFileSegments(model, file.path, kind, { seconds, onProgress });
  const vector = meanOfSegments(r.segments, kind);
  if (!vector) throw new Error(`internal: ${file.path} produced no ${kind} segments`);
  const segments: SegmentsMetadata = { seconds, count: r.segments.length, duration: r.duration, audio: r.hasAudio };
  const item: ItemInput = {
    path: file.path,
    modality: kind,
    vector,
    hash: file.hash,
    mtime: file.mtime,
    size: file.size,
    metadata: { ...file.metadata, segments },
  };
  return store.transaction(() => {
    const [id] = store.addItems([item]);
    store.segments.replace(
      id,
      r.segments.map((s) => ({ start: s.start, end: s.end, vector: s.vector, modality: s.modality })),
    );
    return { id, segments: r.segments.length };
  });
}
