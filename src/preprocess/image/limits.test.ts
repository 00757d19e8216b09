/**
 * The image limits (core/limits.ts) are checked from the header, before inflating or allocating,
 * on every decode path: the PNG of issue 11 (16384x16384 RGBA16, which decoded to 2 GiB per
 * worker) is refused by maxImagePixels; an image under the pixel limit but over maxImageBytes
 * (RGBA16 counts 8 bytes a pixel) by the bytes limit; BMP headers too.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync } from 'fflate';
import { MediaError } from '../../core/errors.ts';
import { decodeRaw } from './decode.ts';
import { decodePng } from './png-decode.ts';
import { pngChunk } from './png-crc.ts';

/** A PNG whose IHDR declares `w`x`h` of `colorType`/`depth`, with a few bytes of real image data. */
function pngHeaderOnly(w: number, h: number, colorType: number, depth: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, w);
  v.setUint32(4, h);
  ihdr.set([depth, colorType, 0, 0, 0], 8);
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(new Uint8Array(1024))),
    pngChunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

const limitError = (code: string, name: string) => (e: unknown) =>
  e instanceof MediaError && e.code === code && e.message.includes(name) && e.message.includes('raise the limit');

test('the RGBA16 PNG bomb is refused by maxImagePixels on both PNG paths, before inflating', async () => {
  const bomb = pngHeaderOnly(16384, 16384, 6, 16);
  const rss = process.memoryUsage().rss;
  await assert.rejects(decodeRaw(bomb, 'bomb.png'), limitError('IMAGE_PIXELS_LIMIT', 'maxImagePixels'));
  assert.throws(() => decodePng(bomb, 'bomb.png'), limitError('IMAGE_PIXELS_LIMIT', 'IMAGEBIND_MAX_IMAGE_PIXELS'));
  assert.ok(process.memoryUsage().rss - rss < 100e6);
});

test('under the pixel limit but over maxImageBytes: RGBA16 counts 8 bytes a pixel', async () => {
  const big = pngHeaderOnly(10000, 10000, 6, 16); // 1e8 pixels (< 178,956,970), 800 MB decoded
  await assert.rejects(decodeRaw(big, 'big.png'), limitError('IMAGE_BYTES_LIMIT', 'maxImageBytes'));
  assert.throws(() => decodePng(big, 'big.png'), limitError('IMAGE_BYTES_LIMIT', 'IMAGEBIND_MAX_IMAGE_BYTES'));
  // The same header as 8-bit grey is 100 MB: allowed, and then the missing image data is the error.
  await assert.rejects(decodeRaw(pngHeaderOnly(10000, 10000, 0, 8), 'grey.png'), (e: unknown) => {
    return e instanceof MediaError && !e.code.endsWith('_LIMIT');
  });
  // Limits can be lowered (or raised) per call.
  assert.throws(
    () => decodePng(pngHeaderOnly(100, 100, 2, 8), 'small.png', { maxImagePixels: 9999 }),
    limitError('IMAGE_PIXELS_LIMIT', 'maxImagePixels = 9999'),
  );
});

test('a BMP header over the limits is refused before its pixels are read', async () => {
  const b = new Uint8Array(54 + 16);
  const v = new DataView(b.buffer);
  b.set([0x42, 0x4d]);
  v.setUint32(10, 54, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, 60000, true);
  v.setInt32(22, 60000, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, 24, true);
  await assert.rejects(decodeRaw(b, 'huge.bmp'), limitError('IMAGE_PIXELS_LIMIT', 'maxImagePixels'));
});
