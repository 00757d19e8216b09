import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ImageBindError } from '../../core/errors.ts';
import { rankSegments } from './rank.ts';

const seg = (start: number, v: number[]) => ({
  start,
  end: start + 10,
  modality: 'audio' as const,
  vector: Float32Array.from(v),
});

test('rankSegments: cosine order (scale-free), ties in time order, k, and a query from another space', () => {
  const segments = [seg(0, [1, 0]), seg(10, [0, 5]), seg(20, [3, 3]), seg(30, [0, 2])];
  const r = rankSegments(segments, [0, 1], 3);
  assert.deepEqual(
    r.map((x) => [x.start, x.end, +x.score.toFixed(4)]),
    [
      [10, 20, 1],
      [30, 40, 1],
      [20, 30, 0.7071],
    ],
  );
  assert.equal(rankSegments(segments, [1, 0]).length, 1);
  assert.deepEqual(rankSegments([], [1, 0], 5), []);
  assert.throws(
    () => rankSegments(segments, [1, 0, 0]),
    (e: ImageBindError) => e.code === 'SEGMENTS_SPACE_MISMATCH',
  );
});
