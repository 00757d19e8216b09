import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ref, refNpy } from '../../../test/helpers/shared.ts';
import { diff } from '../../../test/helpers/compare.ts';
import {
  centerCropOffsets,
  decodeImage,
  loadVisionFile,
  resizeBicubicPIL,
  resizedSize,
  roundHalfEven,
} from './index.ts';

interface VisionInfo {
  source: string;
  source_size_wh: [number, number];
  resized_size_wh: [number, number];
  crop_top: number;
  crop_left: number;
}
const info = JSON.parse(await readFile(ref('preprocess', 'preprocess_info.json'), 'utf8')) as {
  vision: Record<string, VisionInfo>;
};
const names = ['dog', 'car', 'bird', 'wide', 'rgba', 'gray', 'exif_orient6'];

test('reference fixtures cover the seven images', () => {
  assert.deepEqual(Object.keys(info.vision).sort(), [...names].sort());
});

for (const name of names) {
  const v = info.vision[name];
  test(`vision ${name}: decode, resize, crop and normalise match the official pipeline`, async () => {
    const path = ref('assets', v.source);
    const decodedRef = await refNpy('preprocess', `vision_${name}_decoded_rgb_u8.npy`);
    const [h, w] = decodedRef.shape;
    assert.deepEqual([w, h], v.source_size_wh);

    const decoded = await decodeImage(await readFile(path), path);
    assert.equal(decoded.width, w);
    assert.equal(decoded.height, h);
    const dDec = diff(decoded.data, decodedRef.data as Uint8Array);

    // Resize is tested on the reference decode, independently of our decoder.
    const resizedRef = await refNpy('preprocess', `vision_${name}_resized_u8.npy`);
    const size = resizedSize(w, h, 224);
    assert.deepEqual([size.width, size.height], v.resized_size_wh);
    const resized = resizeBicubicPIL(decodedRef.data as Uint8Array, w, h, size.width, size.height, 3);
    const dRes = diff(resized, resizedRef.data as Uint8Array);
    assert.deepEqual(centerCropOffsets(size.width, size.height, 224), { top: v.crop_top, left: v.crop_left });

    const tensor = await loadVisionFile(path);
    assert.deepEqual(tensor.shape, [3, 224, 224]);
    const expected = await refNpy('preprocess', `vision_${name}.npy`);
    const dT = diff(tensor.data, expected.data as Float32Array);
    console.log(
      `  ${name}: decode max ${dDec.maxAbs} (frac ${dDec.fractionAbove(0)}), resize max ${dRes.maxAbs}, tensor max ${dT.maxAbs.toExponential(2)}`,
    );
    assert.equal(dDec.maxAbs, 0, 'decoded RGB is bit-exact');
    assert.equal(dRes.maxAbs, 0, 'Pillow bicubic resize is bit-exact');
    assert.ok(dT.maxAbs <= 1e-5, `tensor max diff ${dT.maxAbs}`);
  });
}

test('crop offsets round half to even like Python', () => {
  assert.equal(roundHalfEven(88.5), 88);
  assert.equal(roundHalfEven(37.5), 38);
  assert.equal(roundHalfEven(36), 36);
  assert.equal(roundHalfEven(0.5), 0);
  assert.deepEqual(centerCropOffsets(401, 224), { top: 0, left: 88 });
});

test('resizedSize truncates the long side and keeps images whose short side is already 224', () => {
  assert.deepEqual(resizedSize(640, 855), { width: 224, height: 299 });
  assert.deepEqual(resizedSize(645, 360), { width: 401, height: 224 });
  assert.deepEqual(resizedSize(224, 1000), { width: 224, height: 1000 });
  assert.deepEqual(resizedSize(300, 300), { width: 224, height: 224 });
});

test('EXIF orientation is ignored by default and applied on request', async () => {
  const path = ref('assets', 'extra_exif_orient6_320x240.jpg');
  const buf = await readFile(path);
  const asStored = await decodeImage(buf, path);
  assert.deepEqual([asStored.width, asStored.height], [320, 240]);
  const rotated = await decodeImage(buf, path, { respectExifOrientation: true });
  assert.deepEqual([rotated.width, rotated.height], [240, 320]);
  // Orientation 6 = rotate 90° clockwise: stored pixel (x=0, y=239) lands at the top-left.
  const at = (img: typeof asStored, x: number, y: number): number[] => [
    ...img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3),
  ];
  assert.deepEqual(at(rotated, 0, 0), at(asStored, 0, 239));
});

test('RGBA: transparent pixels keep their colours (alpha dropped, not composited)', async () => {
  const path = ref('assets', 'extra_rgba_300x400.png');
  const sharp = (await import('sharp')).default;
  const { data } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const rgb = await decodeImage(await readFile(path), path);
  let transparentColoured = 0;
  for (let i = 0; i < 300 * 400; i++) {
    if (data[i * 4 + 3] !== 0) continue;
    for (let c = 0; c < 3; c++) assert.equal(rgb.data[i * 3 + c], data[i * 4 + c]);
    if (data[i * 4] + data[i * 4 + 1] + data[i * 4 + 2] > 0) transparentColoured++;
  }
  assert.ok(transparentColoured > 0, 'fixture has coloured transparent pixels');
});
