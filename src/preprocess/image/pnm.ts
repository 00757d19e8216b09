/**
 * Netpbm images (P1–P6: PBM, PGM, PPM, plain and raw) as Pillow 9.4's PpmImagePlugin reads them,
 * so `rawToRgb` then gives `convert("RGB")`:
 *  - P1/P4 are mode "1" (1 = black), P3/P6 are RGB, P2/P5 are L, or mode I when maxval > 255;
 *  - raw files with maxval 255 (or a P5 with maxval 65535, read as I;16B) are taken as stored;
 *    any other maxval is rescaled per sample with Python's round(v / maxval * out_max), where
 *    out_max is 65535 for mode I and 255 otherwise (so 16-bit RGB becomes 8-bit, and 16-bit grey
 *    stays 16-bit, which convert("RGB") then clamps at 255);
 *  - plain (ASCII) files always go through that rescaling, with the same token rules (comments,
 *    a sample over maxval or a token over 10 characters is an error).
 * Header tokens follow PpmImageFile._read_token: whitespace separated, '#' comments to end of
 * line, at most 10 characters; the pixel data starts after the one whitespace byte that ends the
 * last token. Pure (no Node imports).
 */
import type { RawImage } from './raw-rgb.ts';
import { mediaError } from './errors.ts';
import { checkImageBudget, type ImageLimits } from './budget.ts';

const WS = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/** True for the magic numbers Pillow 9.4 reads as netpbm stills (P1–P6 followed by whitespace). */
export function isPnm(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0x50 && b[1] >= 0x31 && b[1] <= 0x36 && WS.has(b[2]);
}

/** Python's round(): ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function decodePnm(b: Uint8Array, source: string, limits: ImageLimits = {}): RawImage {
  const corrupt = (what: string): never => {
    throw mediaError('IMAGE_CORRUPT', source, `PNM is malformed: ${what}`, 'Re-export it, e.g. as PNG.');
  };
  const truncated = (): never => {
    throw mediaError(
      'IMAGE_TRUNCATED',
      source,
      'PNM is truncated (not enough image data)',
      'The file was cut off; re-export it.',
    );
  };
  const kind = b[1] - 0x30; // 1..6
  let pos = 3;
  const token = (): number => {
    let t = '';
    while (t.length <= 10) {
      if (pos >= b.length) break;
      const c = b[pos++];
      if (WS.has(c)) {
        if (!t) continue;
        break;
      }
      if (c === 0x23) {
        while (pos < b.length && b[pos] !== 0x0a && b[pos] !== 0x0d) pos++;
        pos++;
        continue;
      }
      t += String.fromCharCode(c);
    }
    if (!t) corrupt('reached the end of the file while reading the header');
    if (t.length > 10) corrupt(`header token '${t}' is too long`);
    if (!/^[0-9]+$/.test(t)) corrupt(`header token '${t}' is not a number`);
    return Number(t);
  };
  const width = token();
  const height = token();
  if (width <= 0 || height <= 0) corrupt(`size ${width}x${height}`);
  const bitmap = kind === 1 || kind === 4;
  const bands = kind === 3 || kind === 6 ? 3 : 1;
  const maxval = bitmap ? 1 : token();
  if (!bitmap && !(maxval > 0 && maxval < 65536)) corrupt(`maxval ${maxval} (must be 1..65535)`);
  const modeI = !bitmap && bands === 1 && maxval > 255;
  checkImageBudget(width, height, bands, modeI ? 2 : 1, source, 'pnm', limits);
  const n = width * height * bands;
  // Before allocating: raw data must be all there, and a plain sample takes at least one byte (P1)
  // or a digit and a separator (P2/P3), so a header cannot make us allocate for data that is missing.
  const rest = b.length - pos;
  const minBytes =
    kind === 4 ? Math.ceil(width / 8) * height : kind >= 5 ? n * (maxval > 255 ? 2 : 1) : kind === 1 ? n : 2 * n - 1;
  if (rest < minBytes) truncated();
  const out = modeI ? new Uint16Array(n) : new Uint8Array(n);
  const outMax = modeI ? 65535 : 255;
  const scale = (v: number): number => Math.min(outMax, roundHalfEven((v / maxval) * outMax));
  if (kind === 4) {
    const stride = Math.ceil(width / 8);
    if (pos + stride * height > b.length) truncated();
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        out[y * width + x] = (b[pos + y * stride + (x >> 3)] >> (7 - (x & 7))) & 1 ? 0 : 255;
  } else if (kind === 5 || kind === 6) {
    const wide = maxval > 255;
    if (pos + n * (wide ? 2 : 1) > b.length) truncated();
    const asStored = maxval === 255 || (maxval === 65535 && modeI);
    for (let i = 0; i < n; i++) {
      const v = wide ? (b[pos + 2 * i] << 8) | b[pos + 2 * i + 1] : b[pos + i];
      out[i] = asStored ? v : scale(v);
    }
  } else if (plainSamples(b, pos, kind === 1, maxval, out, scale, corrupt) < n) truncated();
  return { width, height, channels: bands as 1 | 3, bitDepth: modeI ? 16 : 8, data: out, format: 'pnm' };
}

/** P1/P2/P3 data: comments skipped; P1 digits need no separators. Returns the samples read. */
function plainSamples(
  b: Uint8Array,
  pos: number,
  bitonal: boolean,
  maxval: number,
  out: Uint8Array | Uint16Array,
  scale: (v: number) => number,
  corrupt: (what: string) => never,
): number {
  let k = 0;
  let t = '';
  const flush = (): void => {
    if (!t) return;
    if (t.length > 10) corrupt(`data token '${t.slice(0, 11)}' is too long`);
    if (!/^[0-9]+$/.test(t)) corrupt(`data token '${t.slice(0, 11)}' is not a number`);
    const v = Number(t);
    if (v > maxval) corrupt(`sample value ${v} is larger than maxval ${maxval}`);
    out[k++] = scale(v);
    t = '';
  };
  for (let i = pos; i < b.length && k < out.length; i++) {
    const c = b[i];
    if (c === 0x23) {
      flush();
      while (i < b.length && b[i] !== 0x0a && b[i] !== 0x0d) i++;
      continue;
    }
    if (WS.has(c)) {
      flush();
      continue;
    }
    if (bitonal) {
      if (c !== 0x30 && c !== 0x31) corrupt(`invalid token '${String.fromCharCode(c)}' in a plain PBM`);
      out[k++] = c === 0x31 ? 0 : 255;
      continue;
    }
    t += String.fromCharCode(c);
  }
  if (k < out.length) flush();
  return k;
}
