/**
 * Truevision TGA as Pillow 9.4's TgaImagePlugin reads it: image types 1/9 (colour-mapped), 2/10
 * (true colour 16/24/32 bits, 16-bit as BGR 5-5-5 scaled v*255/31 truncated) and 3/11 (grey,
 * 8-bit L or 16-bit LA, 1-bit), uncompressed or RLE (runs may cross rows); rows bottom-up unless
 * the top-left origin bit is set, mirrored when the right-origin bit is set. Colour maps start at
 * their first-entry index; indices outside the map read Pillow's default grey ramp (i, i, i).
 * TGA has no magic number: like Pillow, a file is taken as TGA when its 18-byte header is
 * consistent (isTga). Pure (no Node imports).
 */
import type { RawImage } from './raw-rgb.ts';
import { mediaError } from './errors.ts';
import { checkImageBudget, type ImageLimits } from './budget.ts';

/** Pillow's header validation, plus a known image type and orientation. */
export function isTga(b: Uint8Array): boolean {
  if (b.length < 18) return false;
  const w = b[12] | (b[13] << 8);
  const h = b[14] | (b[15] << 8);
  const type = b[2];
  const depth = b[16];
  const ok =
    (b[1] === 0 || b[1] === 1) &&
    w > 0 &&
    h > 0 &&
    [1, 8, 16, 24, 32].includes(depth) &&
    [1, 2, 3, 9, 10, 11].includes(type) &&
    (b[17] & 0xc0) === 0;
  return ok;
}

export function decodeTga(b: Uint8Array, source: string, limits: ImageLimits = {}): RawImage {
  const bad = (what: string): never => {
    throw mediaError('IMAGE_CORRUPT', source, `TGA is malformed: ${what}`, 'Re-export it, e.g. as PNG.');
  };
  const truncated = (): never => {
    throw mediaError('IMAGE_TRUNCATED', source, 'TGA is truncated', 'The file was cut off; re-export it.');
  };
  if (!isTga(b)) bad('the header is not a valid TGA header');
  const idLen = b[0];
  const type = b[2];
  const width = b[12] | (b[13] << 8);
  const height = b[14] | (b[15] << 8);
  const depth = b[16];
  const flags = b[17];
  const base = type & 7;
  // Pillow's MODES table: which (type, depth) pairs it decodes.
  const MODES: Record<string, string> = {
    '1,8': 'P',
    '3,1': '1',
    '3,8': 'L',
    '3,16': 'LA',
    '2,16': 'BGR;5',
    '2,24': 'BGR',
    '2,32': 'BGRA',
  };
  const rawmode = MODES[`${base},${depth}`];
  if (!rawmode) {
    throw mediaError(
      'IMAGE_UNSUPPORTED_FORMAT',
      source,
      `TGA image type ${type} with ${depth}-bit pixels is not supported (nor by Pillow)`,
      'Convert it to PNG.',
    );
  }
  const channels = rawmode === 'L' || rawmode === '1' ? 1 : rawmode === 'LA' ? 2 : rawmode === 'BGRA' ? 4 : 3;
  checkImageBudget(width, height, channels, 1, source, 'tga', limits);
  let pos = 18 + idLen;
  let palette: Uint8Array | undefined;
  if (b[1] === 1) {
    const start = b[3] | (b[4] << 8);
    const size = b[5] | (b[6] << 8);
    const mapDepth = b[7];
    const entry = mapDepth === 16 ? 2 : mapDepth === 24 ? 3 : mapDepth === 32 ? 4 : 0;
    if (entry === 0 && base === 1) bad(`colour map of ${mapDepth}-bit entries`);
    if (pos + size * entry > b.length) truncated();
    // Pillow's palette: a grey ramp, overwritten from entry 0 by `start` zero entries and the map.
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) palette.fill(i, i * 3, i * 3 + 3);
    for (let i = 0; i < start + size && i < 256; i++) {
      const rgb = i < start ? [0, 0, 0] : bgr(b, pos + (i - start) * entry, entry);
      palette.set(rgb, i * 3);
    }
    pos += size * entry;
  }
  const bpp = Math.max(1, depth >> 3);
  const rowBytes = depth === 1 ? Math.ceil(width / 8) : width * bpp;
  // Before allocating: uncompressed data must be all there; an RLE packet of 1 + bpp bytes yields at most 128 pixels.
  const rest = b.length - pos;
  if (type & 8 ? (rest / (1 + bpp)) * 128 * bpp < rowBytes * height : rest < rowBytes * height) truncated();
  const pixels = type & 8 ? unRle(b, pos, rowBytes * height, bpp, truncated) : b.subarray(pos, pos + rowBytes * height);
  if (pixels.length < rowBytes * height) truncated();
  const topDown = (flags & 0x20) !== 0;
  const mirror = (flags & 0x10) !== 0;
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const row = (topDown ? y : height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const o = (y * width + (mirror ? width - 1 - x : x)) * channels;
      const p = row + x * bpp;
      if (rawmode === 'P') out.set(palette ? palette.subarray(pixels[p] * 3, pixels[p] * 3 + 3) : [0, 0, 0], o);
      else if (rawmode === '1') out[o] = (pixels[row + (x >> 3)] >> (7 - (x & 7))) & 1 ? 255 : 0;
      else if (rawmode === 'L') out[o] = pixels[p];
      else if (rawmode === 'LA') out.set([pixels[p], pixels[p + 1]], o);
      else if (rawmode === 'BGR;5') out.set(bgr(pixels, p, 2), o);
      else if (rawmode === 'BGR') out.set([pixels[p + 2], pixels[p + 1], pixels[p]], o);
      else out.set([pixels[p + 2], pixels[p + 1], pixels[p], pixels[p + 3]], o);
    }
  }
  return { width, height, channels: channels as 1 | 2 | 3 | 4, bitDepth: 8, data: out, format: 'tga' };
}

/** One BGR colour of `size` bytes (2: 5-5-5 little-endian, scaled like Pillow's unpackers) as RGB. */
function bgr(b: Uint8Array, at: number, size: number): number[] {
  if (size === 2) {
    const v = b[at] | (b[at + 1] << 8);
    return [((((v >> 10) & 31) * 255) / 31) | 0, ((((v >> 5) & 31) * 255) / 31) | 0, (((v & 31) * 255) / 31) | 0];
  }
  return [b[at + 2], b[at + 1], b[at]];
}

/** TGA run-length packets: a header byte, then one pixel repeated (bit 7 set) or n+1 literal pixels. */
function unRle(b: Uint8Array, pos: number, total: number, bpp: number, truncated: () => never): Uint8Array {
  const out = new Uint8Array(total);
  let o = 0;
  while (o < total) {
    if (pos >= b.length) truncated();
    const h = b[pos++];
    const count = ((h & 0x7f) + 1) * bpp;
    const n = Math.min(count, total - o);
    if (h & 0x80) {
      if (pos + bpp > b.length) truncated();
      for (let i = 0; i < n; i++) out[o + i] = b[pos + (i % bpp)];
      pos += bpp;
    } else {
      if (pos + count > b.length) truncated();
      out.set(b.subarray(pos, pos + n), o);
      pos += count;
    }
    o += n;
  }
  return out;
}
