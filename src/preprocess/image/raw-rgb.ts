/** Decoded samples of any layout, and Pillow's `convert("RGB")` rules that turn them into RGB. Pure. */
import type { RgbImage } from './bmp.ts';
import type { ImageFormat } from './formats.ts';

export interface RawImage {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
  format: ImageFormat;
}

/**
 * Pillow 9.4's 16-bit → 8-bit behaviour under `convert("RGB")`: single-channel 16-bit images are
 * mode I (PNG) or I;16 (TIFF) and are clamped at 255; every other 16-bit layout (LA, RGB, RGBA)
 * is unpacked by keeping the high byte.
 */
function reduce16(raw: RawImage, gray16: 'pil' | 'scale'): Uint8Array {
  const src = raw.data as Uint16Array;
  const out = new Uint8Array(src.length);
  if (raw.channels === 1 && gray16 === 'pil') for (let i = 0; i < src.length; i++) out[i] = Math.min(src[i], 255);
  else if (raw.channels === 1) for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i] / 257);
  else for (let i = 0; i < src.length; i++) out[i] = src[i] >> 8;
  return out;
}

/** Any raw image → interleaved RGB uint8, with PIL `convert("RGB")` rules (alpha dropped, grey replicated). */
export function rawToRgb(raw: RawImage, gray16: 'pil' | 'scale' = 'pil'): RgbImage {
  const src = raw.bitDepth === 16 ? reduce16(raw, gray16) : (raw.data as Uint8Array);
  const n = raw.width * raw.height;
  const ch = raw.channels;
  if (ch === 3) return { width: raw.width, height: raw.height, data: src };
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    if (ch <= 2) {
      const g = src[i * ch];
      out[i * 3] = g;
      out[i * 3 + 1] = g;
      out[i * 3 + 2] = g;
    } else {
      out[i * 3] = src[i * 4];
      out[i * 3 + 1] = src[i * 4 + 1];
      out[i * 3 + 2] = src[i * 4 + 2];
    }
  }
  return { width: raw.width, height: raw.height, data: out };
}
