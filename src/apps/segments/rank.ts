/**
 * Ranking a file's windows in memory (no index needed): the library's way to ask "where in this
 * recording" of `embedFileSegments`' output, as `search --segments --within` asks the index.
 */
import { ShapeError } from '../../core/errors.ts';
import type { SegmentVector } from './embed.ts';

export interface RankedSegment {
  readonly start: number;
  readonly end: number;
  readonly modality: SegmentVector['modality'];
  /** Cosine similarity with the query. */
  readonly score: number;
}

/** The k windows most similar (cosine) to `query`, best first; ties keep time order. */
export function rankSegments(segments: readonly SegmentVector[], query: ArrayLike<number>, k = 1): RankedSegment[] {
  let qn = 0;
  for (let i = 0; i < query.length; i++) qn += query[i] * query[i];
  qn = Math.sqrt(qn) || 1;
  return segments
    .map((s, i) => {
      if (s.vector.length !== query.length)
        throw new ShapeError(
          'SEGMENTS_SPACE_MISMATCH',
          `the query has ${query.length} dimensions but the segments have ${s.vector.length}; embed both with the same model.`,
        );
      let d = 0,
        n = 0;
      for (let j = 0; j < query.length; j++) {
        d += s.vector[j] * query[j];
        n += s.vector[j] * s.vector[j];
      }
      return { i, start: s.start, end: s.end, modality: s.modality, score: d / ((Math.sqrt(n) || 1) * qn) };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, Math.max(0, k))
    .map(({ start, end, modality, score }) => ({ start, end, modality, score }));
}
