import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { ref } from '../../../test/helpers/shared.ts';
import { stripJpegExif } from './exif-strip.ts';

test('stripJpegExif drops the Exif segment and keeps the pixels exactly', async () => {
  const original = readFileSync(ref('assets', 'extra_exif_orient6_320x240.jpg'));
  assert.equal((await sharp(original).metadata()).orientation, 6);
  const stripped = stripJpegExif(original);
  assert.ok(stripped.length < original.length);
  const meta = await sharp(stripped).metadata();
  assert.equal(meta.orientation, undefined);
  const [a, b] = await Promise.all([sharp(original).raw().toBuffer(), sharp(stripped).raw().toBuffer()]);
  assert.ok(a.equals(b), 'decoded pixels are unchanged');
});

test('stripJpegExif returns other input unchanged', () => {
  const plain = readFileSync(ref('assets', 'dog_image.jpg'));
  const hasExif = plain.includes(Buffer.from('Exif\0\0'));
  if (!hasExif) assert.equal(stripJpegExif(plain), plain);
  const png = readFileSync(ref('assets', 'extra_gray_100x150.png'));
  assert.equal(stripJpegExif(png), png);
  const truncated = Uint8Array.of(0xff, 0xd8, 0xff, 0xe1, 0x00);
  assert.equal(stripJpegExif(truncated), truncated);
  assert.equal(stripJpegExif(new Uint8Array(0)).length, 0);
});
