/**
 * The proposals method on pictures whose answer is known, with stub encoders that read colour:
 * a crop's embedding is [red share, blue share, rest]; a patch's is the same over its 32 × 32 cell.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import type { ImageBindError } from '../../core/errors.ts';
import { type Float32Tensor, float32 } from '../../core/tensor.ts';
import type { RgbImage } from '../../preprocess/vision/index.ts';
import { contains, iou } from './boxes.ts';
import { PreparedImage } from './detect.ts';
import { renderHeatmapPng } from './render.ts';
import type { Box } from './windows.ts';

const W = 240,
  H = 180;

function picture(red: Box[], blue: Box[]): RgbImage {
  const data = new Uint8Array(W * H * 3).fill(120);
  const fill = (b: Box, c: number[]) => {
    for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) data.set(c, (y * W + x) * 3);
  };
  red.forEach((b) => fill(b, [230, 20, 20]));
  blue.forEach((b) => fill(b, [20, 30, 230]));
  return { width: W, height: H, data };
}

/** Colour shares of a normalised [3, h, w] region (red: R high and G low; blue: B high and R low). */
function shares(t: Float32Array, plane: number, index: (k: number) => number, count: number): number[] {
  let red = 0,
    blue = 0;
  for (let k = 0; k < count; k++) {
    const i = index(k);
    if (t[i] > 1 && t[plane + i] < -1) red++;
    else if (t[2 * plane + i] > 1 && t[i] < -1) blue++;
  }
  const v = [red / count, blue / count, 1 - (red + blue) / count];
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const embedCrops = async (batch: Float32Tensor): Promise<Float32Tensor> => {
  const [n, , h, w] = batch.shape;
  const plane = h * w;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++)
    out.set(
      shares(batch.data.subarray(i * 3 * plane, (i + 1) * 3 * plane), plane, (k) => k, plane),
      i * 3,
    );
  return float32([n, 3], out);
};

const dense = async (batch: Float32Tensor) => {
  const [n, , h, w] = batch.shape;
  const plane = h * w,
    rows = 7,
    cols = 7;
  const patches = new Float32Array(n * rows * cols * 3);
  for (let i = 0; i < n; i++) {
    const img = batch.data.subarray(i * 3 * plane, (i + 1) * 3 * plane);
    for (let p = 0; p < rows * cols; p++) {
      const y0 = Math.floor(p / cols) * 32,
        x0 = (p % cols) * 32;
      patches.set(
        shares(img, plane, (k) => (y0 + Math.floor(k / 32)) * w + x0 + (k % 32), 32 * 32),
        (i * rows * cols + p) * 3,
      );
    }
  }
  return { global: await embedCrops(batch), patches: float32([n, rows * cols, 3], patches), grid: { rows, cols } };
};

test('proposals: the best box and the peak sit on the queried colour', async () => {
  const red = { x: 150, y: 30, w: 50, h: 40 },
    blue = { x: 30, y: 100, w: 60, h: 50 };
  const prepared = await PreparedImage.prepare(picture([red], [blue]), dense);
  for (const [q, target] of [
    [[1, 0, 0], red],
    [[0, 1, 0], blue],
  ] as const) {
    const r = await prepared.locate(q, embedCrops);
    assert.ok(iou(r.box, target) > 0.6, `box ${JSON.stringify(r.box)} vs ${JSON.stringify(target)}`);
    assert.ok(contains(target, r.peak.x, r.peak.y), `peak ${JSON.stringify(r.peak)}`);
    assert.equal(r.boxes[0], r.candidates[0]);
    assert.ok(
      r.candidates.length <= 5 && r.candidates.every((c, i) => i === 0 || c.score <= r.candidates[i - 1].score),
    );
    assert.ok(r.heatmap.width <= 112 && r.heatmap.height <= 112);
  }
  // A different query on the same image is answered again, identically, from the cached crops.
  const again = await prepared.locate([1, 0, 0], embedCrops);
  assert.deepEqual(again.box, (await prepared.locate([1, 0, 0], embedCrops)).box);
});

test('proposals: two matching objects get two boxes, a non-matching one none', async () => {
  const a = { x: 20, y: 20, w: 50, h: 45 },
    b = { x: 160, y: 110, w: 55, h: 50 },
    other = { x: 150, y: 15, w: 50, h: 50 };
  const prepared = await PreparedImage.prepare(picture([a, b], [other]), dense);
  const r = await prepared.locate([1, 0, 0], embedCrops);
  for (const target of [a, b])
    assert.ok(
      r.boxes.some((x) => iou(x.box, target) > 0.6),
      `${JSON.stringify(target)} not among ${JSON.stringify(r.boxes)}`,
    );
  assert.ok(r.boxes.every((x) => iou(x.box, other) < 0.1));
  const png = await renderHeatmapPng(prepared.image, r.heatmap, {
    boxes: r.boxes.map((x) => ({ box: x.box, label: x.score.toFixed(2) })),
  });
  const meta = await sharp(png).metadata();
  assert.equal(meta.width, W);
  assert.ok(meta.height! > H, 'the legend strip is below the image');
});

test('proposals: a flat image still gets an answer; a query from another space is refused', async () => {
  const flat = await PreparedImage.prepare(picture([], []), dense);
  const r = await flat.locate([1, 0, 0], embedCrops);
  assert.ok(r.box.w > 0 && r.box.x + r.box.w <= W && r.box.y + r.box.h <= H);
  await assert.rejects(
    flat.locate([1, 0, 0, 0], embedCrops),
    (e: ImageBindError) => e.code === 'LOCATE_SPACE_MISMATCH',
  );
});
