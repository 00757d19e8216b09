import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaError } from '../../core/errors.ts';
import { decodeImage } from './index.ts';

/** Minimal BMP writer for tests: BITMAPINFOHEADER, optional palette / bitfield masks. */
function bmp(opts: {
  w: number;
  h: number;
  bpp: number;
  rows: number[][];
  palette?: number[][];
  masks?: number[];
  topDown?: boolean;
}): Uint8Array {
  const { w, h, bpp, rows } = opts;
  const stride = Math.floor((bpp * w + 31) / 32) * 4;
  const extra = (opts.masks ? 12 : 0) + (opts.palette ? opts.palette.length * 4 : 0);
  const off = 14 + 40 + extra;
  const b = new Uint8Array(off + stride * h);
  const v = new DataView(b.buffer);
  b[0] = 0x42;
  b[1] = 0x4d;
  v.setUint32(2, b.length, true);
  v.setUint32(10, off, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, w, true);
  v.setInt32(22, opts.topDown ? -h : h, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  v.setUint32(30, opts.masks ? 3 : 0, true);
  v.setUint32(46, opts.palette?.length ?? 0, true);
  let p = 54;
  for (const m of opts.masks ?? []) {
    v.setUint32(p, m, true);
    p += 4;
  }
  for (const [r, g, bl] of opts.palette ?? []) {
    b.set([bl, g, r, 0], p);
    p += 4;
  }
  for (let y = 0; y < h; y++) {
    const row = off + (opts.topDown ? y : h - 1 - y) * stride;
    rows[y].forEach((val, i) => {
      if (bpp === 24) b.set([val & 255, (val >> 8) & 255, (val >> 16) & 255], row + i * 3);
      else if (bpp === 32) v.setUint32(row + i * 4, val >>> 0, true);
      else if (bpp === 16) v.setUint16(row + i * 2, val, true);
      else {
        const bit = i * bpp;
        b[row + (bit >> 3)] |= val << (8 - bpp - (bit & 7));
      }
    });
  }
  return b;
}
const px = (img: { data: Uint8Array }): number[][] =>
  Array.from({ length: img.data.length / 3 }, (_, i) => [...img.data.subarray(i * 3, i * 3 + 3)]);

test('BMP 24-bit, bottom-up and top-down', async () => {
  for (const topDown of [false, true]) {
    const img = await decodeImage(
      bmp({
        w: 3,
        h: 2,
        bpp: 24,
        topDown,
        rows: [
          [0xff0000, 0x00ff00, 0x0000ff],
          [0x123456, 0, 0xffffff],
        ],
      }),
      'a.bmp',
    );
    assert.deepEqual([img.width, img.height], [3, 2]);
    assert.deepEqual(px(img), [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [0x12, 0x34, 0x56],
      [0, 0, 0],
      [255, 255, 255],
    ]);
  }
});

test('BMP 32-bit BI_RGB ignores the 4th byte; bitfields with alpha drop it', async () => {
  const a = await decodeImage(bmp({ w: 2, h: 1, bpp: 32, rows: [[0x7f102030, 0x00405060]] }), 'b.bmp');
  assert.deepEqual(px(a), [
    [0x10, 0x20, 0x30],
    [0x40, 0x50, 0x60],
  ]);
  const b = await decodeImage(
    bmp({ w: 1, h: 1, bpp: 32, masks: [0xff0000, 0xff00, 0xff], rows: [[0x00abcdef]] }),
    'c.bmp',
  );
  assert.deepEqual(px(b), [[0xab, 0xcd, 0xef]]);
});

test('BMP 16-bit 5-5-5 and 5-6-5 scale like Pillow (v*255/max, truncated)', async () => {
  const a = await decodeImage(bmp({ w: 2, h: 1, bpp: 16, rows: [[0x7fff, (16 << 10) | (1 << 5) | 30]] }), 'd.bmp');
  assert.deepEqual(px(a), [
    [255, 255, 255],
    [Math.trunc((16 * 255) / 31), Math.trunc(255 / 31), Math.trunc((30 * 255) / 31)],
  ]);
  const b = await decodeImage(
    bmp({ w: 1, h: 1, bpp: 16, masks: [0xf800, 0x07e0, 0x001f], rows: [[(31 << 11) | (32 << 5) | 0]] }),
    'e.bmp',
  );
  assert.deepEqual(px(b), [[255, Math.trunc((32 * 255) / 63), 0]]);
});

test('BMP 8-, 4- and 1-bit palettes', async () => {
  const pal = [
    [0, 0, 0],
    [255, 255, 255],
    [200, 10, 20],
    [1, 2, 3],
  ];
  for (const bpp of [1, 4, 8]) {
    const rows = [[1, 0, 1, 1, 0, 0, 1, 0, 1]].map((r) => (bpp === 1 ? r : r.map((x, i) => (i % 3 === 2 ? 2 + x : x))));
    const img = await decodeImage(
      bmp({ w: 9, h: 1, bpp, palette: bpp === 1 ? pal.slice(0, 2) : pal, rows }),
      `p${bpp}.bmp`,
    );
    assert.deepEqual(
      px(img),
      rows[0].map((i) => pal[i]),
      `bpp ${bpp}`,
    );
  }
});

test('BMP errors: RLE is unsupported, a short file is truncated', async () => {
  const rle = bmp({ w: 1, h: 1, bpp: 8, palette: [[0, 0, 0]], rows: [[0]] });
  new DataView(rle.buffer).setUint32(30, 1, true);
  await assert.rejects(
    decodeImage(rle, 'rle.bmp'),
    (e: unknown) => e instanceof MediaError && e.code === 'IMAGE_UNSUPPORTED_FORMAT' && e.message.includes('rle.bmp'),
  );
  const full = bmp({ w: 8, h: 8, bpp: 24, rows: Array.from({ length: 8 }, () => new Array(8).fill(0)) });
  await assert.rejects(
    decodeImage(full.subarray(0, 100), 'short.bmp'),
    (e: unknown) => e instanceof MediaError && e.code === 'IMAGE_TRUNCATED',
  );
});
