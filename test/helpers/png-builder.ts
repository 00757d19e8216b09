/**
 * A small PNG encoder for tests: every colour type × bit depth × filter × interlace, tRNS, palettes
 * and split IDAT chunks, so the TypeScript PNG decoder can be compared with sharp on inputs that no
 * image tool writes on request. Test support only (never shipped).
 */
import { zlibSync } from 'fflate';
import { crc32, pngChunk as chunk } from '../../src/preprocess/image/png-crc.ts';

export type ColorType = 0 | 2 | 3 | 4 | 6;
export interface Spec {
  width: number;
  height: number;
  colorType: ColorType;
  bitDepth: 1 | 2 | 4 | 8 | 16;
  samples: number[];
  palette?: number[];
  trns?: number[];
  interlace?: boolean;
  filter?: number | 'cycle';
  idatSplit?: number;
}
export const CHANNELS = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as const;
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
function packRow(s: Spec, xs: number[], y: number): Uint8Array {
  const ch = CHANNELS[s.colorType];
  const out = new Uint8Array(Math.ceil((xs.length * ch * s.bitDepth) / 8));
  let bit = 0;
  for (const x of xs) {
    for (let c = 0; c < ch; c++, bit += s.bitDepth) {
      const v = s.samples[(y * s.width + x) * ch + c];
      if (s.bitDepth === 16) {
        out[bit >> 3] = v >> 8;
        out[(bit >> 3) + 1] = v & 255;
      } else out[bit >> 3] |= v << (8 - s.bitDepth - (bit & 7));
    }
  }
  return out;
}
function paeth(a: number, b: number, c: number): number {
  const p = a + b - c,
    pa = Math.abs(p - a),
    pb = Math.abs(p - b),
    pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}
function filterRows(rows: Uint8Array[], bpp: number, filter: Spec['filter'], salt: number): Uint8Array[] {
  let prev: Uint8Array = new Uint8Array(rows[0].length);
  return rows.map((r, i) => {
    const f = filter === 'cycle' ? (i + salt) % 5 : (filter ?? 0);
    const o = new Uint8Array(r.length + 1);
    o[0] = f;
    for (let x = 0; x < r.length; x++) {
      const a = x >= bpp ? r[x - bpp] : 0,
        b = prev[x],
        c = x >= bpp ? prev[x - bpp] : 0;
      o[x + 1] = r[x] - [0, a, b, (a + b) >> 1, paeth(a, b, c)][f];
    }
    prev = r;
    return o;
  });
}
export function buildPng(s: Spec): Uint8Array {
  const bpp = Math.max(1, (CHANNELS[s.colorType] * s.bitDepth) >> 3);
  const lines: Uint8Array[] = [];
  (s.interlace ? ADAM7 : [[0, 0, 1, 1]]).forEach(([x0, y0, dx, dy], pass) => {
    const xs: number[] = [];
    for (let x = x0; x < s.width; x += dx) xs.push(x);
    const rows: Uint8Array[] = [];
    for (let y = y0; y < s.height && xs.length > 0; y += dy) rows.push(packRow(s, xs, y));
    if (rows.length > 0) lines.push(...filterRows(rows, bpp, s.filter, pass));
  });
  const z = zlibSync(concat(lines));
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, s.width);
  new DataView(ihdr.buffer).setUint32(4, s.height);
  ihdr.set([s.bitDepth, s.colorType, 0, 0, s.interlace ? 1 : 0], 8);
  const parts = [Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10), chunk('IHDR', ihdr)];
  if (s.palette) parts.push(chunk('PLTE', Uint8Array.from(s.palette)));
  if (s.trns)
    parts.push(
      chunk(
        'tRNS',
        s.colorType === 3 ? Uint8Array.from(s.trns) : Uint8Array.from(s.trns.flatMap((v) => [v >> 8, v & 255])),
      ),
    );
  const split = s.idatSplit ?? z.length;
  for (let i = 0; i < z.length; i += split) parts.push(chunk('IDAT', z.subarray(i, i + split)));
  parts.push(chunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

export function rng(seed: number): (n: number) => number {
  // mulberry32
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}
export const PALETTE_SIZE = { 1: 2, 2: 4, 4: 11, 8: 200 } as Record<number, number>;
export function randomSpec(
  colorType: ColorType,
  bitDepth: Spec['bitDepth'],
  seed: number,
  extra: Partial<Spec> = {},
): Spec {
  const rand = rng(seed);
  const width = extra.width ?? 13,
    height = extra.height ?? 11;
  const entries = PALETTE_SIZE[bitDepth];
  const palette = colorType === 3 ? Array.from({ length: entries * 3 }, () => rand(256)) : undefined;
  const max = colorType === 3 ? entries : 2 ** bitDepth;
  const samples = Array.from({ length: width * height * CHANNELS[colorType] }, () => rand(max));
  return { width, height, colorType, bitDepth, samples, palette, ...extra };
}

/** decodePng must give exactly what the sharp path gives, and so the same RGB. */
