import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { ImageBindError } from '../../core/errors.ts';
import { type Float32Tensor, float32 } from '../../core/tensor.ts';
import type { RgbImage } from '../../preprocess/vision/index.ts';
import { heatmapPeak } from './heatmap.ts';
import { locateInImage } from './locate.ts';
import { renderHeatmapPng } from './render.ts';
import { slidingWindows } from './windows.ts';

const W = 200,
  H = 160;
const RED = { x: 120, y: 20, w: 60, h: 60 };

/** Grey noise-free image with one red square: the "special" region. */
function scene(): RgbImage {
  const data = new Uint8Array(W * H * 3).fill(128);
  for (let y = RED.y; y < RED.y + RED.h; y++)
    for (let x = RED.x; x < RED.x + RED.w; x++) data.set([230, 20, 20], (y * W + x) * 3);
  return { width: W, height: H, data };
}

/** Stub encoder: [fraction of red pixels, fraction of the rest], read from the normalised crop. */
const embedRedness = async (batch: Float32Tensor): Promise<Float32Tensor> => {
  const [n, , h, w] = batch.shape;
  const plane = h * w;
  const out = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    let red = 0;
    const base = i * 3 * plane;
    for (let p = 0; p < plane; p++) if (batch.data[base + p] > 1 && batch.data[base + plane + p] < -1) red++;
    out[i * 2] = red / plane;
    out[i * 2 + 1] = 1 - red / plane;
  }
  return float32([n, 2], out);
};

function iou(a: { x: number; y: number; w: number; h: number }, b: typeof a): number {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));
  return (ix * iy) / (a.w * a.h + b.w * b.h - ix * iy);
}

test('windows: four scales, squares inside the image, edges covered', () => {
  const boxes = slidingWindows(W, H);
  assert.deepEqual([...new Set(boxes.map((b) => b.w))], [160, 120, 80, 56]);
  for (const b of boxes) assert.ok(b.x >= 0 && b.y >= 0 && b.x + b.w <= W && b.y + b.h <= H && b.w === b.h);
  for (const side of [160, 120, 80, 56]) {
    assert.ok(
      boxes.some((b) => b.w === side && b.x + b.w === W && b.y + b.h === H),
      `corner covered at ${side}`,
    );
  }
  assert.deepEqual(slidingWindows(1, 1), [{ x: 0, y: 0, w: 1, h: 1 }]);
  assert.throws(() => slidingWindows(W, H, [0]), ImageBindError);
});

test('locate: the best box and the heatmap peak sit on the special region', async () => {
  const r = await locateInImage(scene(), [1, 0], embedRedness, { batchSize: 7 });
  assert.equal(r.crops.length, slidingWindows(W, H).length);
  const c = { x: r.box.x + r.box.w / 2, y: r.box.y + r.box.h / 2 };
  assert.ok(
    c.x >= RED.x && c.x <= RED.x + RED.w && c.y >= RED.y && c.y <= RED.y + RED.h,
    `box centre ${JSON.stringify(c)}`,
  );
  assert.ok(iou(r.box, RED) > 0.5, `IoU ${iou(r.box, RED)}`);
  assert.ok(r.score === Math.max(...r.crops.map((x) => x.score)));
  for (const reduce of ['mean', 'max'] as const) {
    const hm = reduce === 'mean' ? r.heatmap : (await locateInImage(scene(), [1, 0], embedRedness, { reduce })).heatmap;
    const peak = heatmapPeak(hm, W, H);
    assert.ok(
      peak.x >= RED.x && peak.x <= RED.x + RED.w && peak.y >= RED.y && peak.y <= RED.y + RED.h,
      `${reduce} peak ${JSON.stringify(peak)}`,
    );
  }
  assert.equal(r.heatmap.width, W);
  assert.equal(r.heatmap.height, H);
  const small = await locateInImage(scene(), [1, 0], embedRedness, { heatmapMaxSide: 50 });
  assert.deepEqual([small.heatmap.width, small.heatmap.height], [50, 40]);
});

test('locate: deterministic, and the overlay PNG has the image size', async () => {
  const a = await locateInImage(scene(), [1, 0], embedRedness);
  const b = await locateInImage(scene(), [1, 0], embedRedness, { batchSize: 1 });
  assert.deepEqual(a.crops, b.crops);
  assert.deepEqual(Array.from(a.heatmap.data), Array.from(b.heatmap.data));
  const png = await renderHeatmapPng(scene(), a.heatmap, { boxes: [{ box: a.box }], legend: null });
  const meta = await sharp(png).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', W, H]);
  const png2 = await renderHeatmapPng(scene(), b.heatmap, { boxes: [{ box: b.box }], legend: null });
  assert.ok(png.equals(png2));
});

test('locate: a query from another space is refused', async () => {
  await assert.rejects(
    locateInImage(scene(), [1, 0, 0], embedRedness),
    (e: ImageBindError) => e.code === 'LOCATE_SPACE_MISMATCH',
  );
});
