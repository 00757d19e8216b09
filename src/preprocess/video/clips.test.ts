import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clipFrameRange, clipTimepoints, planClips, ratioToDouble, uniformTemporalIndices } from './clips.ts';

test('ratioToDouble rounds like CPython int / int', () => {
  assert.equal(ratioToDouble(1n, 5n), 0.2);
  assert.equal(ratioToDouble(11n, 5n), 2.2);
  assert.equal(ratioToDouble(1n, 3n), 1 / 3);
  assert.equal(ratioToDouble(2n ** 80n + 1n, 2n ** 27n), 2 ** 53); // 2^53 + 2^-27: below half an ulp → down
  assert.equal(ratioToDouble(2n ** 54n + 3n, 1n), 2 ** 54 + 4); // above half → up
  assert.equal(ratioToDouble(2n ** 54n + 2n, 1n), 2 ** 54); // exact tie → even
  assert.equal(ratioToDouble(0n, 7n), 0);
});

test('ConstantClipsPerVideoSampler: 5 starts spread over duration − 2 s', () => {
  assert.deepEqual(
    clipTimepoints(12, 2, 5),
    [0, 2, 4, 6, 8].map((s) => ({ start: s, end: s + 2 })),
  );
  const c = clipTimepoints(3, 2, 5);
  assert.deepEqual(
    c.map((x) => x.start),
    [0, 0.2, 0.4, 0.6, 0.8],
  );
  assert.deepEqual(
    c.map((x) => x.end),
    [2, 2.2, 2.4, 2.6, 2.8],
  );
  // Shorter than one clip: every clip starts at 0.
  assert.deepEqual(
    clipTimepoints(1.5, 2, 5).map((x) => x.start),
    [0, 0, 0, 0, 0],
  );
});

// (frameCount, fps) → per-clip [first, end) frame ranges, computed with Python's Fraction/float
// arithmetic exactly as pytorchvideo's sampler + decord's get_clip do it.
const PYTHON_RANGES: Array<[number, number, Array<[number, number]>]> = [
  [
    75,
    25,
    [
      [0, 50],
      [5, 56],
      [10, 60],
      [15, 65],
      [20, 70],
    ],
  ],
  [
    219,
    30,
    [
      [0, 60],
      [32, 92],
      [64, 124],
      [96, 156],
      [128, 188],
    ],
  ],
  [
    1000,
    30000 / 1001,
    [
      [0, 60],
      [189, 248],
      [377, 436],
      [565, 624],
      [753, 812],
    ],
  ],
  [
    47,
    24,
    [
      [0, 47],
      [0, 47],
      [0, 47],
      [0, 47],
      [0, 47],
    ],
  ],
  [
    1,
    25,
    [
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 1],
    ],
  ],
  [
    3003,
    30000 / 1001,
    [
      [0, 60],
      [589, 649],
      [1178, 1238],
      [1766, 1826],
      [2355, 2415],
    ],
  ],
  [
    123,
    7,
    [
      [0, 14],
      [22, 36],
      [44, 58],
      [66, 80],
      [88, 102],
    ],
  ],
  [
    600,
    59.94,
    [
      [0, 120],
      [97, 216],
      [193, 312],
      [289, 408],
      [385, 504],
    ],
  ],
];

test('frame ranges match the official float/Fraction arithmetic (incl. a ceil on 55.00000000000001)', () => {
  for (const [n, fps, want] of PYTHON_RANGES) {
    const got = clipTimepoints(n / fps, 2, 5).map((c) => {
      const r = clipFrameRange(c, fps, n);
      return [r.first, r.first + r.count];
    });
    assert.deepEqual(got, want, `${n} frames at ${fps} fps`);
  }
});

test('UniformTemporalSubsample: linspace(0, t-1, n) truncated', () => {
  assert.deepEqual(uniformTemporalIndices(20, 2), [0, 19]);
  assert.deepEqual(uniformTemporalIndices(1, 2), [0, 0]);
  assert.deepEqual(uniformTemporalIndices(51, 2), [0, 50]);
  assert.deepEqual(uniformTemporalIndices(10, 4), [0, 3, 6, 9]);
  assert.deepEqual(uniformTemporalIndices(7, 3), [0, 3, 6]);
  assert.deepEqual(uniformTemporalIndices(5, 4), [0, 1, 2, 4]); // 0, 1.333, 2.667, 4 → truncation
  assert.deepEqual(uniformTemporalIndices(3, 5), [0, 0, 1, 1, 2]);
});

test('planClips gives absolute frame indices per clip', () => {
  const p = planClips(75, 25, 2, 5, 2);
  assert.deepEqual(
    p.map((c) => c.frames),
    [
      [0, 49],
      [5, 55],
      [10, 59],
      [15, 64],
      [20, 69],
    ],
  );
  assert.deepEqual(
    planClips(0, 25, 2, 5, 2).map((c) => c.frames),
    [[], [], [], [], []],
  );
});
