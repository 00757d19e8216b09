import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadVideo, loadVideoFile, loadVideoFiles } from './load.ts';
import { CLIP_MEAN, CLIP_STD } from './transform.ts';
import { makeGeqVideo, makeMedia, skipNoFfmpeg, tempDir } from '../../../test/helpers/video-files.ts';

const dir = skipNoFfmpeg ? '' : tempDir('ib-video-');
const S = 224;
const norm = (v: number, c: number): number => (v / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
/** Element of an official-layout output [N, 3, T, 224, 224]. */
const at = (d: Float32Array, T: number, n: number, c: number, t: number, y: number, x: number): number =>
  d[(((n * 3 + c) * T + t) * S + y) * S + x];

// 256×192 landscape, 10 fps, 12 s: red = column, green = 128, blue = frame index.
const landscape = skipNoFfmpeg
  ? ''
  : makeGeqVideo(join(dir, 'landscape.mkv'), { w: 256, h: 192, fps: 10, seconds: 12, r: 'X', g: '128', b: 'N' });

test('landscape video: official shape, frames, crops and normalisation', { skip: skipNoFfmpeg }, async () => {
  const { tensor, info } = await loadVideo(landscape);
  assert.deepEqual(tensor.shape, [15, 3, 2, 224, 224]);
  assert.equal(info.probe.frameCount, 120);
  assert.equal(info.probe.duration, 12);
  // Clips start at 0, 2, 4, 6, 8 s (5 clips over 12 − 2 s); first and last of 20 frames each.
  assert.deepEqual(
    info.clips.map((c) => c.frames),
    [
      [0, 19],
      [20, 39],
      [40, 59],
      [60, 79],
      [80, 99],
    ],
  );
  const d = tensor.data;
  // 256×192 → 298×224; crops at x = 0, 37, 74 (left, centre, right).
  const offsets = [0, 37, 74];
  for (let n = 0; n < 15; n++) {
    const clip = Math.floor(n / 3);
    const ox = offsets[n % 3];
    for (let t = 0; t < 2; t++) {
      const frameIndex = info.clips[clip].frames[t];
      for (const [y, x] of [
        [0, 0],
        [100, 50],
        [223, 223],
      ]) {
        assert.ok(
          Math.abs(at(d, 2, n, 2, t, y, x) - norm(frameIndex, 2)) < 1e-5,
          `blue encodes frame ${frameIndex} (n=${n}, t=${t})`,
        );
        assert.ok(Math.abs(at(d, 2, n, 1, t, y, x) - norm(128, 1)) < 1e-5, 'green is the constant 128');
      }
      // Red is the column: bilinear keeps a linear ramp, so it is the source coordinate.
      for (const x of [0, 1, 57, 111, 200, 223]) {
        const src = Math.min(Math.max((x + ox + 0.5) * (256 / 298) - 0.5, 0), 255);
        assert.ok(Math.abs(at(d, 2, n, 0, t, 7, x) - norm(src, 0)) < 1e-4, `red at crop ${n % 3}, x=${x}`);
      }
    }
  }
});

test('portrait video: top/centre/bottom crops', { skip: skipNoFfmpeg }, async () => {
  const file = makeGeqVideo(join(dir, 'portrait.mkv'), {
    w: 192,
    h: 256,
    fps: 5,
    seconds: 4,
    r: '0',
    g: 'Y',
    b: '255',
  });
  const { tensor, info } = await loadVideo(file);
  assert.deepEqual(tensor.shape, [15, 3, 2, 224, 224]);
  assert.deepEqual(
    info.clips.map((c) => c.frames),
    [
      [0, 9],
      [2, 11],
      [4, 13],
      [6, 15],
      [8, 17],
    ],
  );
  [0, 37, 74].forEach((oy, crop) => {
    for (const y of [0, 10, 120, 223]) {
      const src = Math.min(Math.max((y + oy + 0.5) * (256 / 298) - 0.5, 0), 255);
      assert.ok(
        Math.abs(at(tensor.data, 2, 3 + crop, 1, 1, y, 5) - norm(src, 1)) < 1e-4,
        `green at crop ${crop}, y=${y}`,
      );
    }
  });
  assert.ok(Math.abs(at(tensor.data, 2, 0, 0, 0, 0, 0) - norm(0, 0)) < 1e-6);
});

test('mp4 (H.264 + AAC, audio stream first) decodes the video stream', { skip: skipNoFfmpeg }, async () => {
  const file = makeMedia(join(dir, 'with-audio.mp4'), [
    '-f',
    'lavfi',
    '-i',
    'sine=f=440:d=3',
    '-f',
    'lavfi',
    '-i',
    'testsrc=s=320x240:r=25:d=3',
    '-map',
    '0:a',
    '-map',
    '1:v',
    '-c:a',
    'aac',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    '-shortest',
  ]);
  const { tensor, info } = await loadVideo(file);
  assert.equal(info.probe.streamIndex, 1);
  assert.deepEqual(tensor.shape, [15, 3, 2, 224, 224]);
  // 3 s at 25 fps: clip 1 ends at 2.2 s and 25 × 2.2 = 55.00000000000001 → ceil = 56.
  assert.deepEqual(
    info.clips.map((c) => c.frames),
    [
      [0, 49],
      [5, 55],
      [10, 59],
      [15, 64],
      [20, 69],
    ],
  );
  let lo = Infinity,
    hi = -Infinity;
  for (const v of tensor.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  assert.ok(Number.isFinite(lo) && Number.isFinite(hi));
  assert.ok(lo >= norm(0, 0) - 1e-3 && hi <= norm(255, 2) + 1e-3, `range ${lo}..${hi}`);
});

test('options: fewer clips, one centre crop, more frames per clip', { skip: skipNoFfmpeg }, async () => {
  const { tensor, info } = await loadVideo(landscape, { clipsPerVideo: 2, numCrops: 1, framesPerClip: 3 });
  assert.deepEqual(tensor.shape, [2, 3, 3, 224, 224]);
  assert.deepEqual(
    info.clips.map((c) => c.frames),
    [
      [0, 9, 19],
      [50, 59, 69],
    ],
  );
  // Centre crop of the 298-wide frame starts at x = 37.
  const src = 37 + 0.5;
  const v = tensor.data[(0 * 3 + 0) * 3 * S * S]; // n=0, c=0, t=0, y=0, x=0
  assert.ok(Math.abs(v - norm(src * (256 / 298) - 0.5, 0)) < 1e-4);
});

test('a video shorter than one clip repeats the same clip', { skip: skipNoFfmpeg }, async () => {
  const file = makeGeqVideo(join(dir, 'short.mkv'), { w: 64, h: 48, fps: 10, seconds: 0.5, r: 'N*10', g: '0', b: '0' });
  const { tensor, info } = await loadVideo(file);
  assert.deepEqual(tensor.shape, [15, 3, 2, 224, 224]);
  assert.deepEqual(
    info.clips.map((c) => c.frames),
    Array(5).fill([0, 4]),
  );
});

test('batch helper reports per-item success and failure', { skip: skipNoFfmpeg }, async () => {
  const items = await loadVideoFiles([landscape, join(dir, 'nope.mp4'), landscape], { concurrency: 2 });
  assert.deepEqual(
    items.map((i) => i.ok),
    [true, false, true],
  );
  const bad = items[1];
  assert.ok(!bad.ok && bad.error.code === 'FILE_UNREADABLE' && bad.error.message.includes('nope.mp4'));
  const good = items[0];
  assert.ok(good.ok && good.tensor.shape[0] === 15);
  assert.deepEqual((await loadVideoFile(landscape)).shape, [15, 3, 2, 224, 224]);
});
