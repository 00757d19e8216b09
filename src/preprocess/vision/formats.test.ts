import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeImage, decodeRaw } from './index.ts';

// A small image with few distinct colours, so palette formats (GIF) are lossless too.
const W = 13,
  H = 7;
const rgb = new Uint8Array(W * H * 3);
for (let i = 0; i < W * H; i++) {
  const k = (i * 7) % 5;
  rgb.set(
    [
      [255, 0, 0],
      [0, 128, 255],
      [12, 34, 56],
      [250, 250, 250],
      [0, 0, 0],
    ][k],
    i * 3,
  );
}
const raw = () => sharp(rgb, { raw: { width: W, height: H, channels: 3 } });

for (const [name, encode] of [
  ['png', () => raw().png().toBuffer()],
  ['webp (lossless)', () => raw().webp({ lossless: true }).toBuffer()],
  ['tiff', () => raw().tiff({ compression: 'lzw' }).toBuffer()],
  ['gif (first frame)', () => raw().gif().toBuffer()],
] as const) {
  test(`decodes ${name} losslessly to RGB`, async () => {
    const img = await decodeImage(await encode(), `test.${name}`);
    assert.deepEqual([img.width, img.height], [W, H]);
    assert.deepEqual([...img.data], [...rgb]);
  });
}

test('8-bit grey PNG is replicated to 3 channels; decodeRaw keeps one', async () => {
  const grey = new Uint8Array([0, 10, 200, 255, 77, 128]);
  const png = await sharp(grey, { raw: { width: 3, height: 2, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  const r = await decodeRaw(png, 'g.png');
  assert.equal(r.channels, 1);
  assert.deepEqual([...r.data], [...grey]);
  const img = await decodeImage(png, 'g.png');
  assert.deepEqual(
    [...img.data],
    [...grey].flatMap((g) => [g, g, g]),
  );
});

test('16-bit grey PNG: Pillow 9.4 clamps at 255 (mode I); gray16 "scale" maps linearly', async () => {
  const v = new Uint16Array([0, 255, 256, 65535, 1000, 40]);
  const png = await sharp(v, { raw: { width: 3, height: 2, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toBuffer();
  const r = await decodeRaw(png, 'd.png');
  assert.equal(r.bitDepth, 16);
  assert.deepEqual([...r.data], [...v]);
  const pil = await decodeImage(png, 'd.png');
  assert.deepEqual(
    [...pil.data].filter((_, i) => i % 3 === 0),
    [0, 255, 255, 255, 255, 40],
  );
  const scaled = await decodeImage(png, 'd.png', { gray16: 'scale' });
  assert.deepEqual(
    [...scaled.data].filter((_, i) => i % 3 === 0),
    [...v].map((x) => Math.round(x / 257)),
  );
});

test('16-bit RGB PNG keeps the high byte of each sample (Pillow RGB;16B unpacking)', async () => {
  const v = new Uint16Array([0, 1000, 65535, 300, 40000, 2]);
  const png = await sharp(v, { raw: { width: 2, height: 1, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  const img = await decodeImage(png, 'c.png');
  assert.deepEqual(
    [...img.data],
    [...v].map((x) => x >> 8),
  );
});

test('CMYK JPEG decodes to 3-channel RGB', async () => {
  const jpg = await raw().toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
  assert.equal((await sharp(jpg).metadata()).space, 'cmyk');
  const img = await decodeImage(jpg, 'cmyk.jpg');
  assert.equal(img.data.length, W * H * 3);
  // Naive CMYK arithmetic is not colour-managed; only require the colours to be recognisable.
  let worst = 0;
  for (let i = 0; i < rgb.length; i++) worst = Math.max(worst, Math.abs(img.data[i] - rgb[i]));
  console.log(`  CMYK round trip max diff ${worst}`);
  assert.ok(worst < 96, `max diff ${worst}`);
});
