import { test } from 'node:test';
import assert from 'node:assert/strict';
import { centerCrop, resizeBicubicPIL, resizeBicubicPILFloat } from './index.ts';

test('constant images stay constant (weights are normalised) in both 8-bit and float paths', () => {
  const src = new Uint8Array(37 * 23 * 3).fill(173);
  assert.ok(resizeBicubicPIL(src, 37, 23, 11, 50, 3).every((v) => v === 173));
  const f = resizeBicubicPILFloat(new Float32Array(37 * 23).fill(2.5), 37, 23, 224, 9);
  assert.ok(f.every((v) => Math.abs(v - 2.5) < 1e-6));
});

test('float path agrees with the 8-bit path to within the 8-bit rounding', () => {
  const w = 61,
    h = 45;
  const src = new Uint8Array(w * h);
  for (let i = 0; i < src.length; i++) src[i] = (i * 37 + (i % w) * 11) & 255;
  const a = resizeBicubicPIL(src, w, h, 30, 100, 1);
  const b = resizeBicubicPILFloat(Float32Array.from(src), w, h, 30, 100);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - Math.min(255, Math.max(0, b[i]))));
  assert.ok(worst <= 2, `max diff ${worst}`);
});

test('same-size resize is a copy; one-axis resizes only touch that axis', () => {
  const src = Uint8Array.from({ length: 4 * 3 }, (_, i) => i * 20);
  assert.deepEqual([...resizeBicubicPIL(src, 4, 3, 4, 3, 1)], [...src]);
  const wide = resizeBicubicPIL(src, 4, 3, 8, 3, 1);
  assert.equal(wide.length, 24);
});

test('bad dimensions are rejected', () => {
  assert.throws(() => resizeBicubicPIL(new Uint8Array(5), 2, 2, 1, 1, 1), RangeError);
  assert.throws(() => resizeBicubicPIL(new Uint8Array(4), 2, 2, 0, 1, 1), RangeError);
  assert.throws(() => centerCrop(new Uint8Array(100 * 100), 100, 100, 1, 224), RangeError);
});
