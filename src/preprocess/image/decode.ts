/**
 * Image decoding with PIL's semantics (`Image.open(f).convert("RGB")`, Pillow 9.4), on top of
 * sharp/libvips (libjpeg-turbo-compatible mozjpeg, libspng, libwebp, libtiff, libnsgif) plus our
 * own BMP, netpbm (pnm.ts), TGA (tga.ts) and ICO (ico.ts) readers. What makes it PIL-like rather
 * than sharp-like (each checked pixel for pixel against Pillow 9.4, test/fixtures/images):
 *  - no colour management (`ignoreIcc`), no auto-rotation unless asked (PIL ignores EXIF orientation);
 *  - alpha is dropped, never composited;
 *  - 16-bit samples are reduced the way Pillow 9.4 does (see `reduce16`);
 *  - CMYK samples are taken as decoded (no ICC transform, even to an embedded profile) and use
 *    Pillow's arithmetic conversion;
 *  - a GIF's transparent pixels, and the screen outside its first frame, get the palette colour
 *    Pillow shows there (gif-first-frame.ts);
 *  - the image limits (budget.ts) are checked from the header before anything is decoded.
 */
import sharp from 'sharp';
import { MediaError } from '../../core/errors.ts';
import { decodeBmp, type RgbImage } from './bmp.ts';
import { icoEntry } from './ico.ts';
import { firstFrame } from './gif-first-frame.ts';
import { decodePnm } from './pnm.ts';
import { decodeTga } from './tga.ts';
import { type RawImage, rawToRgb } from './raw-rgb.ts';
import { mediaError } from './errors.ts';
import { type ImageFormat, sniffImageFormat } from './formats.ts';
import { verifyPngChunks } from './png-crc.ts';
import { checkImageBudget, type ImageLimits } from './budget.ts';
import { limitValue } from '../../core/limits.ts';

export type { RgbImage } from './bmp.ts';

export interface DecodeOptions {
  /** Apply the EXIF Orientation tag. Default false: the official pipeline uses pixels as stored. */
  respectExifOrientation?: boolean;
  /**
   * 16-bit single-channel images. 'pil' (default): Pillow 9.4 opens them as mode I / I;16 and
   * `convert("RGB")` clamps each value to 255, so anything above 255 turns white.
   * 'scale': map 0..65535 linearly onto 0..255 (round(v / 257)), which is usually what a human wants.
   */
  gray16?: 'pil' | 'scale';
  /** Overrides of maxImagePixels and maxImageBytes (core/limits.ts). */
  limits?: ImageLimits;
}

/** Native decoded samples: channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA), 8 or 16 bits. */
export type { RawImage } from './raw-rgb.ts';
export { rawToRgb } from './raw-rgb.ts';

function classifySharpError(e: unknown, source: string, format: ImageFormat): never {
  const msg = (e as Error).message ?? String(e);
  if (/premature end|end of stream|truncated|unexpected end|short read|EOF/i.test(msg)) {
    throw mediaError(
      'IMAGE_TRUNCATED',
      source,
      `${format.toUpperCase()} is truncated (${firstLine(msg)})`,
      'The file was cut off; re-download or re-export it.',
      e,
    );
  }
  if (/unsupported|not a known|no loader/i.test(msg)) {
    throw mediaError(
      'IMAGE_UNSUPPORTED_FORMAT',
      source,
      `this ${format.toUpperCase()} variant cannot be decoded (${firstLine(msg)})`,
      'Convert it to a baseline JPEG or an 8-bit PNG.',
      e,
    );
  }
  throw mediaError(
    'IMAGE_CORRUPT',
    source,
    `${format.toUpperCase()} cannot be decoded (${firstLine(msg)})`,
    'The file is damaged or not really an image; re-export it.',
    e,
  );
}
const firstLine = (s: string): string => s.split('\n')[0].trim();

/** Decodes to native channels/bit depth, without any colour conversion beyond CMYK → RGB. */
export async function decodeRaw(buf: Uint8Array, source: string, opts: DecodeOptions = {}): Promise<RawImage> {
  const format = sniffImageFormat(buf, source);
  if (format === 'bmp') {
    const img = decodeBmp(buf, source, opts.limits);
    return { ...img, channels: 3, bitDepth: 8, format };
  }
  if (format === 'pnm') return decodePnm(buf, source, opts.limits);
  if (format === 'tga') return decodeTga(buf, source, opts.limits);
  if (format === 'ico') {
    const entry = icoEntry(buf, source);
    if (entry.kind === 'png') return { ...(await decodeRaw(entry.bytes, source, opts)), format };
    return { ...decodeBmp(entry.bytes, source, opts.limits), channels: 3, bitDepth: 8, format };
  }
  if (format === 'png') verifyPngChunks(buf, source);
  try {
    // failOn 'error' turns libjpeg's "premature end" and libspng's CRC complaints into errors,
    // as PIL does, while tolerating harmless warnings (extraneous bytes) that PIL also accepts.
    const maxPixels = limitValue('maxImagePixels', opts.limits?.maxImagePixels);
    const base = (limit: number | false = maxPixels): sharp.Sharp => {
      const s = sharp(buf, { failOn: 'error', ignoreIcc: true, pages: 1, page: 0, limitInputPixels: limit });
      return opts.respectExifOrientation ? s.rotate() : s;
    };
    const meta = await base(false).metadata();
    const sixteen = meta.depth === 'ushort' || meta.depth === 'short';
    // From the header alone, before libvips decodes a pixel (sharp's own pixel limit stays as a
    // second guard, with a generic message).
    checkImageBudget(
      meta.width ?? 0,
      meta.pageHeight ?? meta.height ?? 0,
      meta.channels ?? 4,
      sixteen ? 2 : 1,
      source,
      format,
      opts.limits,
    );
    if (meta.depth !== undefined && meta.depth !== 'uchar' && meta.depth !== 'char' && !sixteen) {
      throw mediaError(
        'IMAGE_UNSUPPORTED_FORMAT',
        source,
        `${meta.depth} samples are not supported`,
        'Convert it to an 8- or 16-bit image.',
      );
    }
    const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;
    if (meta.space === 'cmyk') {
      // pipelineColourspace keeps libvips from converting CMYK to sRGB through an ICC profile
      // (its fallback one when ignoreIcc is set), which is what Pillow does not do: this gives
      // the decoded CMYK samples exactly as Pillow's JPEG/TIFF plugins return them.
      const { data, info } = await base()
        .pipelineColourspace('cmyk')
        .toColourspace('cmyk')
        .raw()
        .toBuffer({ resolveWithObject: true });
      // Pillow reads every CMYK JPEG as Adobe-inverted ("CMYK;I"), and so does libvips, with or
      // without the Adobe APP14 marker (test/fixtures/images/cmyk-no-adobe.jpg).
      return {
        width: info.width,
        height: info.height,
        channels: 3,
        bitDepth: 8,
        format,
        data: cmykToRgb(data, info.channels),
      };
    }
    let s = base();
    if (sixteen) s = s.toColourspace(grey ? 'grey16' : 'rgb16').raw({ depth: 'ushort' });
    else s = (grey ? s.toColourspace('b-w') : s).raw();
    const { data, info } = await s.toBuffer({ resolveWithObject: true });
    const channels = info.channels as 1 | 2 | 3 | 4;
    if (format === 'gif' && !sixteen) fillGifLikePillow(buf, data, info.width, info.height, channels);
    const samples = sixteen
      ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength))
      : new Uint8Array(data);
    return { width: info.width, height: info.height, channels, bitDepth: sixteen ? 16 : 8, data: samples, format };
  } catch (e) {
    if (e instanceof MediaError) throw e;
    return classifySharpError(e, source, format);
  }
}

/** Gives transparent pixels, and the screen outside the first frame, the colour Pillow shows there (gif-first-frame.ts). */
function fillGifLikePillow(gif: Uint8Array, px: Uint8Array, width: number, height: number, channels: number): void {
  const frame = firstFrame(gif);
  if (!frame || channels < 3) return;
  for (let y = 0; y < height; y++) {
    const inRows = y >= frame.top && y < frame.top + frame.height;
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const outside = !inRows || x < frame.left || x >= frame.left + frame.width;
      if (outside || (channels === 4 && px[i + 3] === 0)) px.set(frame.fill, i);
    }
  }
}

/** Pillow's cmyk2rgb (Convert.c): R = (255-K) - C*(255-K)/255 with its MULDIV255 rounding. */
function cmykToRgb(cmyk: Uint8Array, channels: number): Uint8Array {
  const n = cmyk.length / channels;
  const out = new Uint8Array(n * 3);
  const muldiv255 = (a: number, b: number): number => {
    const t = a * b + 128;
    return ((t >> 8) + t) >> 8;
  };
  for (let i = 0; i < n; i++) {
    const nk = 255 - cmyk[i * channels + 3];
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.max(0, Math.min(255, nk - muldiv255(cmyk[i * channels + c], nk)));
  }
  return out;
}

/** `Image.open(buffer).convert("RGB")`: interleaved RGB uint8. `source` names the input in errors. */
export async function decodeImage(buf: Uint8Array, source: string, opts: DecodeOptions = {}): Promise<RgbImage> {
  return rawToRgb(await decodeRaw(buf, source, opts), opts.gray16 ?? 'pil');
}
