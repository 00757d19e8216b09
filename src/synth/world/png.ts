/**
 * Minimal PNG writer (8-bit grey/RGB, 16-bit grey): the world needs 16-bit millimetre depth PNGs
 * bit-exactly, and a dozen lines of zlib + CRC are simpler to trust than an image library's
 * colour-space and bit-depth conversions.
 */
import { deflateSync } from 'node:zlib';
import { pngChunk as chunk } from '../../preprocess/image/png-crc.ts';

export type PngPixels =
  { kind: 'grey8'; data: Uint8Array } | { kind: 'rgb8'; data: Uint8Array } | { kind: 'grey16'; data: Uint16Array };

export function encodePng(width: number, height: number, px: PngPixels): Uint8Array {
  const channels = px.kind === 'rgb8' ? 3 : 1,
    bytesPer = px.kind === 'grey16' ? 2 : 1;
  if (px.data.length !== width * height * channels)
    throw new RangeError(`encodePng: ${px.data.length} samples for ${width}x${height}x${channels}`);
  const stride = width * channels * bytesPer;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (stride + 1) + 1; // filter byte 0 (None) precedes each row
    if (px.kind === 'grey16') {
      for (let x = 0; x < width; x++) {
        const v = px.data[y * width + x];
        raw[row + 2 * x] = v >> 8;
        raw[row + 2 * x + 1] = v & 255;
      }
    } else raw.set(px.data.subarray(y * stride, (y + 1) * stride), row);
  }
  const ihdr = new Uint8Array(13);
  const v = new DataView(ihdr.buffer);
  v.setUint32(0, width);
  v.setUint32(4, height);
  ihdr[8] = bytesPer * 8;
  ihdr[9] = channels === 3 ? 2 : 0;
  const parts = [
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 6 })),
    chunk('IEND', new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
