import { test } from 'node:test';
import assert from 'node:assert/strict';
import { iou } from '../boxes.ts';
import { felzenszwalb } from './felzenszwalb.ts';
import { ColourIntegral, colourContrast } from './objectness.ts';
import { areaDownscale, hsvPlanes, rgbPlanes, selectiveSearch } from './selective-search.ts';

const W = 96,
  H = 64;
const RED = { x: 10, y: 8, w: 24, h: 20 };
const BLUE = { x: 56, y: 30, w: 30, h: 26 };

/** Grey background with a red and a blue rectangle (interleaved RGB). */
function picture(): Uint8Array {
  const rgb = new Uint8Array(W * H * 3).fill(128);
  const fill = (b: typeof RED, c: number[]) => {
    for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) rgb.set(c, (y * W + x) * 3);
  };
  fill(RED, [220, 30, 30]);
  fill(BLUE, [30, 40, 210]);
  return rgb;
}

test('felzenszwalb: flat regions become one segment each', () => {
  const seg = felzenszwalb(rgbPlanes(picture(), W, H), { k: 100 / 255, sigma: 0, minSize: 10 });
  assert.equal(seg.count, 3);
  const at = (x: number, y: number) => seg.labels[y * W + x];
  assert.equal(at(RED.x + 5, RED.y + 5), at(RED.x + RED.w - 2, RED.y + RED.h - 2));
  assert.notEqual(at(RED.x + 5, RED.y + 5), at(BLUE.x + 5, BLUE.y + 5));
  assert.notEqual(at(0, 0), at(RED.x + 5, RED.y + 5));
});

test('selective search proposes both rectangles; colour contrast ranks them above background', () => {
  const planes = rgbPlanes(picture(), W, H);
  const boxes = selectiveSearch(planes, { scales: [100, 300], sigma: 0.5 });
  for (const target of [RED, BLUE]) {
    const best = Math.max(...boxes.map((b) => iou(b, target)));
    assert.ok(best > 0.9, `best IoU ${best} for ${JSON.stringify(target)}`);
  }
  const integral = new ColourIntegral(planes);
  const background = { x: 40, y: 0, w: 12, h: 12 };
  assert.ok(colourContrast(integral, RED) > 0.5, `red ${colourContrast(integral, RED)}`);
  assert.ok(colourContrast(integral, background) < 0.1, `background ${colourContrast(integral, background)}`);
  // The whole image has no ring around it: no evidence of an object.
  assert.equal(colourContrast(integral, { x: 0, y: 0, w: W, h: H }), 0);
  assert.deepEqual(selectiveSearch(rgbPlanes(new Uint8Array(W * H * 3).fill(90), W, H)).length, 1);
});

test('area downscale averages what each output pixel covers; HSV planes stay in [0, 1]', () => {
  const half = areaDownscale(picture(), W, H, W / 2, H / 2);
  const plane = (W / 2) * (H / 2);
  // An output pixel fully inside the red rectangle keeps its colour; one on its edge is a mix.
  const at = (x: number, y: number, c: number) => half.data[c * plane + y * (W / 2) + x];
  assert.ok(Math.abs(at(10, 8, 0) - 220 / 255) < 1e-6);
  assert.ok(Math.abs(at(0, 0, 0) - 128 / 255) < 1e-6);
  const odd = areaDownscale(picture(), W, H, 37, 23);
  let sum = 0,
    want = 0;
  for (let i = 0; i < 37 * 23; i++) sum += odd.data[i];
  for (let i = 0; i < W * H; i++) want += picture()[i * 3] / 255;
  assert.ok(Math.abs(sum / (37 * 23) - want / (W * H)) < 1e-4, 'the mean is preserved');
  const hsv = hsvPlanes(rgbPlanes(picture(), W, H));
  assert.ok(hsv.data.every((v) => v >= 0 && v <= 1));
});
