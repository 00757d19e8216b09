/**
 * PNG decoding in plain TypeScript, for the browser. A canvas premultiplies alpha, so a fully
 * transparent pixel comes back black; Pillow's `convert("RGB")` keeps its stored RGB. This decoder
 * returns the same `RawImage` as the sharp/libspng path in decode.ts (`decodeRaw`), byte for byte,
 * including libvips's quirks, so `rawToRgb` gives identical pixels on both sides:
 *  - grey of 1/2/4 bits is scaled to 0..255; 8-bit grey loses any alpha (sharp's raw output keeps
 *    only the first band of a b-w image), while 16-bit grey keeps it;
 *  - a tRNS key on grey16/RGB adds an alpha channel (0 or full), compared on the low byte for 8 bits;
 *  - palette images expand to RGB, or RGBA when a usable tRNS exists; an index past the palette
 *    reads as black.
 * Colour chunks (gAMA, iCCP, sRGB) are ignored, as decode.ts ignores ICC and Pillow ignores gamma.
 * Chunk CRCs are checked first (png-crc.ts), as decode.ts does before sharp.
 * Only type imports from Node-side modules, so nothing of sharp or node: reaches a bundle.
 *
 * Why not fast-png (8.0): it collects every inflated IDAT chunk with no cap (png_decoder.js keeps
 * pushing fflate's output), so a small file whose data inflates far past what its header promises
 * would allocate all of it; inflate() here stops at the size the header implies. The libvips
 * conversions above (the part that must match decode.ts byte for byte) would stay ours anyway.
 */
import { Unzlib } from 'fflate';
import { MediaError } from '../../core/errors.ts';
import type { RawImage } from './raw-rgb.ts';
import { type MediaErrorCode, mediaError } from './errors.ts';
import { verifyPngChunks } from './png-crc.ts';
import { checkImageBudget, type ImageLimits } from './budget.ts';

interface Header {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}
interface Png {
  header: Header;
  idat: Uint8Array[];
  palette?: Uint8Array;
  trns?: Uint8Array;
}
interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  w: number;
  h: number;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel and the bit depths the spec allows, by colour type. */
const LAYOUT: Record<number, { channels: number; depths: number[] }> = {
  0: { channels: 1, depths: [1, 2, 4, 8, 16] },
  2: { channels: 3, depths: [8, 16] },
  3: { channels: 1, depths: [1, 2, 4, 8] },
  4: { channels: 2, depths: [8, 16] },
  6: { channels: 4, depths: [8, 16] },
};
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

function fail(
  code: MediaErrorCode,
  source: string,
  problem: string,
  fix = 'The file is damaged; re-download or re-export it.',
): MediaError {
  return mediaError(code, source, problem, fix);
}
const truncated = (source: string, what: string): MediaError =>
  fail('IMAGE_TRUNCATED', source, `PNG is truncated (${what})`, 'The file was cut off; re-download or re-export it.');

/** Decodes PNG bytes to native samples, exactly as `decodeRaw` does; `source` names the input in errors. */
export function decodePng(bytes: Uint8Array, source: string, limits: ImageLimits = {}): RawImage {
  const png = readChunks(bytes, source);
  const { width, height, bitDepth, colorType } = png.header;
  // Before inflating: what the header promises, in the layout decode.ts returns (palette → RGB(A)).
  const outChannels = colorType === 3 ? 4 : LAYOUT[colorType].channels + (png.trns ? 1 : 0);
  checkImageBudget(width, height, outChannels, bitDepth === 16 ? 2 : 1, source, 'png', limits);
  const passes = passLayout(png.header);
  const channels = LAYOUT[png.header.colorType].channels;
  const rowBytes = (p: Pass): number => Math.ceil((p.w * channels * bitDepth) / 8);
  const scanlines = inflate(
    png.idat,
    passes.reduce((n, p) => n + p.h * (rowBytes(p) + 1), 0),
    source,
  );
  const stored = allocate(width * height * channels, source, bitDepth === 16);
  let at = 0;
  for (const p of passes) {
    unfilter(scanlines, at, rowBytes(p), p.h, Math.max(1, (channels * bitDepth) >> 3), source);
    scatter(scanlines, at, rowBytes(p), p, png.header, channels, stored);
    at += p.h * (rowBytes(p) + 1);
  }
  return { width, height, bitDepth: bitDepth === 16 ? 16 : 8, format: 'png', ...toSharpLayout(png, stored, source) };
}

/** Walks the chunks, keeping IHDR, PLTE, tRNS and the IDAT pieces; everything else is ignored. */
function readChunks(b: Uint8Array, source: string): Png {
  if (b.length < 8 || SIGNATURE.some((v, i) => b[i] !== v))
    throw fail('IMAGE_CORRUPT', source, 'not a PNG file (bad signature)');
  // As decode.ts does before sharp, so a damaged file fails the same way in a browser as in Node.
  verifyPngChunks(b, source);
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const png: Partial<Png> & { idat: Uint8Array[] } = { idat: [] };
  for (let pos = 8; ;) {
    if (pos + 8 > b.length) throw truncated(source, 'no IEND chunk');
    const len = view.getUint32(pos);
    const type = String.fromCharCode(b[pos + 4], b[pos + 5], b[pos + 6], b[pos + 7]);
    if (pos + 12 + len > b.length) throw truncated(source, `chunk '${type}' at byte ${pos} needs ${len} bytes`);
    const data = b.subarray(pos + 8, pos + 8 + len);
    if (!png.header && type !== 'IHDR')
      throw fail('IMAGE_CORRUPT', source, `PNG is corrupt: first chunk is '${type}', not IHDR`);
    if (type === 'IHDR') png.header ??= parseHeader(data, source);
    else if (type === 'PLTE') png.palette = data;
    else if (type === 'tRNS') png.trns = data;
    else if (type === 'IDAT') png.idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const { colorType, bitDepth } = png.header!,
    entries = png.palette ? png.palette.length / 3 : 0;
  if (
    png.palette &&
    (entries % 1 !== 0 || entries < 1 || entries > 256 || (colorType === 3 && entries > 2 ** bitDepth))
  ) {
    throw fail('IMAGE_CORRUPT', source, `PNG is corrupt: PLTE chunk has ${png.palette.length} bytes`);
  }
  if (colorType === 3 && !png.palette)
    throw fail('IMAGE_CORRUPT', source, 'PNG is corrupt: palette image without a PLTE chunk');
  if (png.idat.length === 0) throw fail('IMAGE_CORRUPT', source, 'PNG is corrupt: no IDAT (image data) chunk');
  return png as Png;
}

function parseHeader(d: Uint8Array, source: string): Header {
  const bad = (what: string): MediaError => fail('IMAGE_CORRUPT', source, `PNG is corrupt: ${what} in IHDR`);
  if (d.length !== 13) throw bad(`${d.length}-byte header`);
  const u32 = (i: number): number => ((d[i] << 24) | (d[i + 1] << 16) | (d[i + 2] << 8) | d[i + 3]) >>> 0;
  const header = { width: u32(0), height: u32(4), bitDepth: d[8], colorType: d[9], interlaced: d[12] === 1 };
  const layout = LAYOUT[header.colorType];
  if (!layout) throw bad(`colour type ${header.colorType}`);
  if (!layout.depths.includes(header.bitDepth))
    throw bad(`bit depth ${header.bitDepth} for colour type ${header.colorType}`);
  if (d[10] !== 0 || d[11] !== 0 || d[12] > 1) throw bad('unknown compression, filter or interlace method');
  if (header.width === 0 || header.height === 0 || header.width > 2 ** 31 - 1 || header.height > 2 ** 31 - 1) {
    throw bad(`size ${header.width}x${header.height}`);
  }
  return header;
}

/** The seven Adam7 sub-images (empty ones dropped), or the whole image when not interlaced. */
function passLayout(h: Header): Pass[] {
  const grid = h.interlaced ? ADAM7 : [[0, 0, 1, 1]];
  return grid
    .map(([x0, y0, dx, dy]) => ({
      x0,
      y0,
      dx,
      dy,
      w: Math.ceil(Math.max(0, h.width - x0) / dx),
      h: Math.ceil(Math.max(0, h.height - y0) / dy),
    }))
    .filter((p) => p.w > 0 && p.h > 0);
}

/**
 * Inflates into a buffer of exactly the expected size. Streaming in small pieces bounds memory
 * against zlib bombs; data past the image is ignored, as libspng does; too little is an error.
 */
function inflate(idat: Uint8Array[], expected: number, source: string): Uint8Array {
  // Deflate expands at most ~1032:1, so a header promising more than that is refused before allocating.
  const compressed = idat.reduce((n, c) => n + c.length, 0);
  if (expected > compressed * 1032 + 1024)
    throw truncated(source, `${compressed} bytes of image data cannot hold ${expected}`);
  const out = allocate(expected, source);
  let got = 0;
  const z = new Unzlib((chunk) => {
    const n = Math.min(chunk.length, expected - got);
    out.set(chunk.subarray(0, n), got);
    got += n;
  });
  const STEP = 1 << 16;
  try {
    for (let c = 0; c < idat.length && got < expected; c++) {
      for (let i = 0; (i < idat[c].length || i === 0) && got < expected; i += STEP) {
        z.push(idat[c].subarray(i, i + STEP), c === idat.length - 1 && i + STEP >= idat[c].length);
      }
    }
  } catch (e) {
    if ((e as { code?: number }).code === 0) throw truncated(source, 'image data ends early');
    throw fail('IMAGE_CORRUPT', source, `PNG is corrupt: image data cannot be inflated (${(e as Error).message})`);
  }
  if (got < expected) throw truncated(source, `image data has ${got} of ${expected} bytes`);
  return out;
}

/** Undoes the per-scanline filters in place; `bpp` is the byte distance to the pixel on the left. */
function unfilter(buf: Uint8Array, start: number, rowBytes: number, rows: number, bpp: number, source: string): void {
  const zeros = allocate(rowBytes, source); // the row above the first one
  for (let r = 0; r < rows; r++) {
    const line = start + r * (rowBytes + 1) + 1;
    const [above, up] = r > 0 ? [buf, line - rowBytes - 1] : [zeros, 0];
    const filter = buf[line - 1];
    if (filter > 4) throw fail('IMAGE_CORRUPT', source, `PNG is corrupt: unknown scanline filter ${filter}`);
    if (filter === 0) continue;
    for (let i = 0; i < rowBytes; i++) {
      const a = i >= bpp ? buf[line + i - bpp] : 0,
        b = above[up + i];
      const pred =
        filter === 1
          ? a
          : filter === 2
            ? b
            : filter === 3
              ? (a + b) >> 1
              : paeth(a, b, i >= bpp ? above[up + i - bpp] : 0);
      buf[line + i] = (buf[line + i] + pred) & 0xff;
    }
  }
}

function paeth(a: number, b: number, c: number): number {
  const pa = Math.abs(b - c),
    pb = Math.abs(a - c),
    pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Unpacks a pass's samples (1..16 bits, big-endian) to their places in the full image. */
function scatter(
  buf: Uint8Array,
  start: number,
  rowBytes: number,
  p: Pass,
  h: Header,
  ch: number,
  out: Uint8Array | Uint16Array,
): void {
  const depth = h.bitDepth,
    mask = (1 << depth) - 1;
  for (let r = 0; r < p.h; r++) {
    const line = start + r * (rowBytes + 1) + 1;
    const y = p.y0 + r * p.dy;
    if (depth === 8 && p.dx === 1) {
      out.set(buf.subarray(line, line + rowBytes), y * h.width * ch);
      continue;
    } // whole rows
    for (let k = 0, x = 0; x < p.w; x++) {
      const dst = (y * h.width + p.x0 + x * p.dx) * ch;
      for (let c = 0; c < ch; c++, k++) {
        if (depth === 8) out[dst + c] = buf[line + k];
        else if (depth === 16) out[dst + c] = (buf[line + 2 * k] << 8) | buf[line + 2 * k + 1];
        else out[dst + c] = (buf[line + ((k * depth) >> 3)] >> (8 - depth - ((k * depth) & 7))) & mask;
      }
    }
  }
}

/** Stored samples → the channels and values sharp's raw output has for the same file. */
function toSharpLayout(png: Png, s: Uint8Array | Uint16Array, source: string): Pick<RawImage, 'channels' | 'data'> {
  const { colorType, bitDepth } = png.header;
  const n = png.header.width * png.header.height;
  const trns = png.trns;
  if (colorType === 3) {
    const plte = png.palette!;
    const alpha = trns && trns.length > 0 && trns.length <= plte.length / 3 ? trns : undefined; // libspng ignores others
    const ch = alpha ? 4 : 3;
    const out = allocate(n * ch, source);
    for (let i = 0; i < n; i++) {
      const idx = s[i];
      if (idx * 3 < plte.length) out.set(plte.subarray(idx * 3, idx * 3 + 3), i * ch);
      if (alpha) out[i * 4 + 3] = idx < alpha.length ? alpha[idx] : 255;
    }
    return { channels: ch, data: out };
  }
  if ((colorType === 0 || colorType === 4) && bitDepth <= 8) {
    const stride = colorType === 4 ? 2 : 1,
      scale = 255 / ((1 << bitDepth) - 1);
    const out = allocate(n, source);
    for (let i = 0; i < n; i++) out[i] = s[i * stride] * scale;
    return { channels: 1, data: out };
  }
  const key = colorType === 0 && bitDepth === 16 ? 1 : colorType === 2 ? 3 : 0;
  if (key === 0 || !trns || trns.length !== key * 2)
    return { channels: LAYOUT[colorType].channels as 1 | 2 | 3 | 4, data: s };
  // A tRNS colour key becomes an alpha channel: transparent where all samples equal the key.
  const keyMask = bitDepth === 16 ? 0xffff : 0xff,
    full = keyMask;
  const want = Array.from({ length: key }, (_, c) => ((trns[2 * c] << 8) | trns[2 * c + 1]) & keyMask);
  const out = allocate(n * (key + 1), source, bitDepth === 16);
  for (let i = 0; i < n; i++) {
    let match = true;
    for (let c = 0; c < key; c++) {
      out[i * (key + 1) + c] = s[i * key + c];
      match &&= s[i * key + c] === want[c];
    }
    out[i * (key + 1) + key] = match ? 0 : full;
  }
  return { channels: (key + 1) as 2 | 4, data: out };
}

/** Typed-array allocation whose failure (a RangeError) is reported as an image too large for memory. */
function allocate(n: number, source: string): Uint8Array;
function allocate(n: number, source: string, sixteen: boolean): Uint8Array | Uint16Array;
function allocate(n: number, source: string, sixteen = false): Uint8Array | Uint16Array {
  try {
    return sixteen ? new Uint16Array(n) : new Uint8Array(n);
  } catch (e) {
    throw fail(
      'IMAGE_DECODE_FAILED',
      source,
      `PNG needs ${n} samples, more than this browser can allocate (${(e as Error).message})`,
      'Downscale the image before embedding it.',
    );
  }
}
