/**
 * A small BMP decoder (sharp's bundled libvips has no BMP loader). Covers what Pillow 9.4's
 * BmpImagePlugin reads for uncompressed files: 1/4/8-bit palette, 16-bit (5-5-5 or bitfields),
 * 24-bit, 32-bit (BI_RGB = BGRX, or bitfields), bottom-up or top-down. Output is RGB with alpha
 * dropped, as `convert("RGB")` does. RLE-compressed BMPs are refused with a clear error.
 *
 * Why no library: fast-bmp 4 decodes 1/8/24/32-bit only (no 4- or 16-bit), and bmp-ts 1.0 scales
 * 5-5-5 and bitfield samples by its own rule rather than Pillow's v*255/max truncation that
 * bmp.test.ts checks, and needs Node's Buffer (this file also runs in the browser).
 */
import { mediaError } from './errors.ts';
import { checkImageBudget, type ImageLimits } from './budget.ts';

export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const BI_RGB = 0;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;

/** Field extraction scaled to 0..255 the way Pillow's BGR;15/BGR;16 unpackers do: v*255/max, truncated. */
function field(mask: number): (pix: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  const max = mask >>> shift;
  return (pix) => Math.trunc((((pix & mask) >>> shift) * 255) / max);
}

export function decodeBmp(b: Uint8Array, source: string, limits: ImageLimits = {}): RgbImage {
  const bad = (what: string): never => {
    throw mediaError(
      'IMAGE_CORRUPT',
      source,
      `BMP is malformed: ${what}`,
      'Re-export it as PNG or an uncompressed BMP.',
    );
  };
  if (b.length < 26) bad('the header is truncated');
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dataOffset = v.getUint32(10, true);
  const hdr = v.getUint32(14, true);
  let width: number,
    height: number,
    bpp: number,
    compression = BI_RGB,
    colorsUsed = 0,
    palEntry = 4;
  if (hdr === 12) {
    width = v.getUint16(18, true);
    height = v.getInt16(20, true);
    bpp = v.getUint16(24, true);
    palEntry = 3;
  } else if (hdr >= 40 && b.length >= 14 + 40) {
    width = v.getInt32(18, true);
    height = v.getInt32(22, true);
    bpp = v.getUint16(28, true);
    compression = v.getUint32(30, true);
    colorsUsed = v.getUint32(46, true);
  } else return bad(`unknown header size ${hdr}`);
  const topDown = height < 0;
  height = Math.abs(height);
  if (width <= 0 || height === 0 || width > 1 << 16 || height > 1 << 16) bad(`implausible size ${width}x${height}`);
  checkImageBudget(width, height, 3, 1, source, 'bmp', limits);
  if (compression !== BI_RGB && compression !== BI_BITFIELDS && compression !== BI_ALPHABITFIELDS) {
    throw mediaError(
      'IMAGE_UNSUPPORTED_FORMAT',
      source,
      `BMP compression type ${compression} (RLE/JPEG/PNG-in-BMP) is not supported`,
      'Convert it to PNG or an uncompressed BMP.',
    );
  }
  let masks: [number, number, number] | undefined;
  if (compression !== BI_RGB) {
    // Masks follow a 40-byte header directly; in V4/V5 headers they sit at the same offset.
    if (b.length < 14 + 40 + 12) bad('bitfield masks are missing');
    masks = [v.getUint32(54, true), v.getUint32(58, true), v.getUint32(62, true)];
  } else if (bpp === 16) masks = [0x7c00, 0x03e0, 0x001f];
  else if (bpp === 32) masks = [0xff0000, 0x00ff00, 0x0000ff];
  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    if (![1, 4, 8].includes(bpp)) bad(`unsupported bit depth ${bpp}`);
    const n = colorsUsed || 1 << bpp;
    const start = 14 + hdr + (compression === BI_BITFIELDS && hdr === 40 ? 12 : 0);
    if (start + n * palEntry > b.length) bad('the palette is truncated');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(n, 256); i++) {
      const p = start + i * palEntry;
      palette[i * 3] = b[p + 2];
      palette[i * 3 + 1] = b[p + 1];
      palette[i * 3 + 2] = b[p];
    }
  } else if (![16, 24, 32].includes(bpp)) bad(`unsupported bit depth ${bpp}`);
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + stride * height > b.length) {
    throw mediaError(
      'IMAGE_TRUNCATED',
      source,
      `BMP is truncated: pixel data needs ${stride * height} bytes from offset ${dataOffset}, file has ${b.length}`,
      'The file was cut off; re-download or re-export it.',
    );
  }
  const out = new Uint8Array(width * height * 3);
  const [fr, fg, fb] = masks ? masks.map(field) : [field(0), field(0), field(0)];
  for (let y = 0; y < height; y++) {
    const row = dataOffset + (topDown ? y : height - 1 - y) * stride;
    let o = y * width * 3;
    for (let x = 0; x < width; x++, o += 3) {
      if (palette) {
        const bit = x * bpp;
        const idx = (b[row + (bit >> 3)] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
        out[o] = palette[idx * 3];
        out[o + 1] = palette[idx * 3 + 1];
        out[o + 2] = palette[idx * 3 + 2];
      } else if (bpp === 24) {
        const p = row + x * 3;
        out[o] = b[p + 2];
        out[o + 1] = b[p + 1];
        out[o + 2] = b[p];
      } else {
        const pix = bpp === 16 ? v.getUint16(row + x * 2, true) : v.getUint32(row + x * 4, true);
        out[o] = fr(pix);
        out[o + 1] = fg(pix);
        out[o + 2] = fb(pix);
      }
    }
  }
  return { width, height, data: out };
}
