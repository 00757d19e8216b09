import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contains, contextSquare, intersection, iou, nms, scaleBox } from './boxes.ts';

test('box geometry: intersection, IoU, containment, scaling', () => {
  const a = { x: 0, y: 0, w: 10, h: 10 };
  assert.equal(iou(a, a), 1);
  assert.equal(iou(a, { x: 10, y: 0, w: 10, h: 10 }), 0, 'touching edges do not overlap');
  assert.equal(intersection(a, { x: 5, y: 5, w: 10, h: 10 }), 25);
  assert.equal(iou(a, { x: 5, y: 0, w: 10, h: 10 }), 50 / 150);
  assert.equal(iou({ x: 3, y: 3, w: 0, h: 0 }, { x: 3, y: 3, w: 0, h: 0 }), 0, 'empty boxes');
  assert.ok(contains(a, 0, 0) && contains(a, 9.99, 9.99) && !contains(a, 10, 5));
  assert.deepEqual(scaleBox({ x: 1, y: 1, w: 3, h: 3 }, 2.5, 2), { x: 2, y: 2, w: 8, h: 6 });
});

test('contextSquare: centred, square, inside the image, capped by the short side', () => {
  assert.deepEqual(contextSquare({ x: 40, y: 40, w: 20, h: 10 }, 200, 100, 1.5), { x: 35, y: 30, w: 30, h: 30 });
  // At the right/bottom edge the square shifts inwards rather than leaving the image.
  assert.deepEqual(contextSquare({ x: 190, y: 90, w: 10, h: 10 }, 200, 100, 2), { x: 180, y: 80, w: 20, h: 20 });
  // A box wider than the short side gets the largest square that fits.
  const s = contextSquare({ x: 0, y: 10, w: 180, h: 20 }, 200, 100, 1.3);
  assert.deepEqual([s.w, s.h, s.y], [100, 100, 0]);
  assert.ok(s.x >= 0 && s.x + s.w <= 200);
});

test('nms: overlapping lower scores are dropped, order is stable, the limit holds', () => {
  const items = [
    { box: { x: 0, y: 0, w: 10, h: 10 }, score: 0.9 },
    { box: { x: 1, y: 0, w: 10, h: 10 }, score: 0.8 },
    { box: { x: 50, y: 50, w: 10, h: 10 }, score: 0.7 },
    { box: { x: 80, y: 0, w: 10, h: 10 }, score: 0.7 },
  ];
  assert.deepEqual(
    nms(items, 0.5).map((i) => i.score),
    [0.9, 0.7, 0.7],
  );
  assert.deepEqual(nms(items, 0.5)[1].box.x, 50, 'ties keep input order');
  assert.equal(nms(items, 0.5, 2).length, 2);
  assert.equal(nms(items, 0.95).length, 4, 'IoU 0.82 is below a 0.95 threshold');
});
