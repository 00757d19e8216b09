/**
 * Portable Float Map reader (the format of Middlebury / many stereo and depth datasets).
 * Header: "Pf" (1 channel) or "PF" (3 channels), "W H", scale (negative = little-endian);
 * rows are stored bottom-to-top.
 */
import { mediaError } from '../image/errors.ts';

export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

/** Parses a single-channel PFM; colour PFMs are refused (a depth map has one channel). */
export function parsePfm(b: Uint8Array, source: string): FloatImage {
  const bad = (what: string): never => {
    throw mediaError(
      'DEPTH_INVALID',
      source,
      `not a readable PFM file: ${what}`,
      'Write it as a single-channel "Pf" PFM, or use .npy / 16-bit PNG.',
    );
  };
  // Three whitespace-separated header tokens after the magic, then exactly one whitespace byte.
  const tokens: string[] = [];
  let pos = 0;
  while (tokens.length < 4 && pos < Math.min(b.length, 256)) {
    while (pos < b.length && /\s/.test(String.fromCharCode(b[pos]))) pos++;
    let t = '';
    while (pos < b.length && !/\s/.test(String.fromCharCode(b[pos]))) t += String.fromCharCode(b[pos++]);
    if (t) tokens.push(t);
  }
  pos++;
  if (tokens.length < 4) bad('header is incomplete');
  const [magic, ws, hs, ss] = tokens;
  if (magic === 'PF') bad('it has 3 channels (PF)');
  if (magic !== 'Pf') bad(`magic is '${magic}', expected 'Pf'`);
  const width = Number(ws),
    height = Number(hs),
    scale = Number(ss);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) bad(`bad size ${ws}x${hs}`);
  if (!Number.isFinite(scale) || scale === 0) bad(`bad scale '${ss}'`);
  const need = width * height * 4;
  if (b.length - pos < need) {
    throw mediaError(
      'IMAGE_TRUNCATED',
      source,
      `PFM is truncated: ${width}x${height} needs ${need} data bytes, file has ${b.length - pos}`,
      'The file was cut off; re-export it.',
    );
  }
  const view = new DataView(b.buffer, b.byteOffset + pos, need);
  const little = scale < 0;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const srcRow = (height - 1 - y) * width; // bottom-to-top on disk
    for (let x = 0; x < width; x++) data[y * width + x] = view.getFloat32((srcRow + x) * 4, little);
  }
  return { width, height, data };
}

/** Writes a little-endian single-channel PFM (used by tests and tools). */
export function encodePfm(img: FloatImage): Uint8Array {
  const header = new TextEncoder().encode(`Pf\n${img.width} ${img.height}\n-1.0\n`);
  const out = new Uint8Array(header.length + img.data.length * 4);
  out.set(header);
  const view = new DataView(out.buffer, header.length);
  for (let y = 0; y < img.height; y++) {
    const dstRow = (img.height - 1 - y) * img.width;
    for (let x = 0; x < img.width; x++) view.setFloat32((dstRow + x) * 4, img.data[y * img.width + x], true);
  }
  return out;
}
