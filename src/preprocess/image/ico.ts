/**
 * Windows icons (.ico) as Pillow 9.4's IcoImagePlugin reads them: of all entries it takes the
 * largest (by width x height; among equal sizes the one with the most colours, and among full
 * ties the last in the file), and decodes it as a PNG when the entry starts with the PNG
 * signature, else as a BMP without its file header (a DIB whose height counts the XOR image and
 * the AND mask twice). Alpha (from the mask or the 32-bit entry's fourth byte) is dropped later by
 * convert("RGB"), so only the colour image is decoded. Pure: the PNG entry is handed back to the
 * caller's PNG decoder.
 */
import { mediaError } from './errors.ts';

export interface IcoEntry {
  width: number;
  height: number;
  /** The entry's bytes: a PNG, or a BMP with a synthesised file header and the true height. */
  bytes: Uint8Array;
  kind: 'png' | 'bmp';
}

export function isIco(b: Uint8Array): boolean {
  return b.length >= 6 && b[0] === 0 && b[1] === 0 && b[2] === 1 && b[3] === 0 && (b[4] | b[5]) !== 0;
}

/** Picks the entry Pillow would show and returns its bytes in a form the PNG or BMP decoder reads. */
export function icoEntry(b: Uint8Array, source: string): IcoEntry {
  const bad = (what: string): never => {
    throw mediaError('IMAGE_CORRUPT', source, `ICO is malformed: ${what}`, 'Re-export it, e.g. as PNG.');
  };
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const count = v.getUint16(4, true);
  if (6 + 16 * count > b.length) bad(`${count} directory entries do not fit in ${b.length} bytes`);
  const entries = Array.from({ length: count }, (_, i) => {
    const at = 6 + 16 * i;
    const width = b[at] || 256;
    const height = b[at + 1] || 256;
    const colours = b[at + 2];
    const bpp = v.getUint16(at + 6, true);
    const depth = bpp || (colours !== 0 ? Math.ceil(Math.log2(colours)) : 0) || 256;
    return {
      width,
      height,
      depth,
      square: width * height,
      size: v.getUint32(at + 8, true),
      offset: v.getUint32(at + 12, true),
    };
  });
  // Pillow: stable sort by colour depth, then by area, then reversed.
  const order = entries
    .map((e, i) => ({ e, i }))
    .sort((a, c) => a.e.depth - c.e.depth || a.i - c.i)
    .map((x, rank) => ({ ...x, rank }))
    .sort((a, c) => a.e.square - c.e.square || a.rank - c.rank)
    .reverse();
  const pick = order[0].e;
  if (pick.offset >= b.length) bad(`entry data at offset ${pick.offset} lies past the end of the file`);
  const data = b.subarray(pick.offset);
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a].every((x, i) => data[i] === x);
  if (png) return { width: pick.width, height: pick.height, bytes: data, kind: 'png' };
  if (data.length < 40) bad('the entry bitmap header is truncated');
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const hdr = dv.getUint32(0, true);
  if (hdr < 40) bad(`unknown bitmap header size ${hdr}`);
  const bits = dv.getUint16(14, true);
  const compression = dv.getUint32(16, true);
  const used = dv.getUint32(32, true);
  const paletteBytes = bits <= 8 ? (used || 1 << bits) * 4 : 0;
  const masks = compression === 3 && hdr === 40 ? 12 : 0;
  // A BMP file: 14-byte header pointing past the palette, then the DIB with its height halved.
  const bmp = new Uint8Array(14 + data.length);
  bmp.set(data, 14);
  const bv = new DataView(bmp.buffer);
  bmp[0] = 0x42;
  bmp[1] = 0x4d;
  bv.setUint32(2, bmp.length, true);
  bv.setUint32(10, 14 + hdr + masks + paletteBytes, true);
  const h = dv.getInt32(8, true);
  bv.setInt32(14 + 8, Math.trunc(h / 2), true);
  return { width: pick.width, height: pick.height, bytes: bmp, kind: 'bmp' };
}
