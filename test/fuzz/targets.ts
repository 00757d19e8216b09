/**
 * The parsers under fuzzing: each has seed inputs (small valid files, made here or taken from
 * test/fixtures) and a `run` that feeds it one input. A run must return or throw an
 * ImageBindError; anything else, or a case over the time ceiling, is a finding (run.ts).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { encodeNpy, parseNpy } from '../../src/core/npy.ts';
import { float32 } from '../../src/core/tensor.ts';
import { openCheckpoint } from '../../src/checkpoint/open.ts';
import { unpickle } from '../../src/checkpoint/pickle.ts';
import { stateDictPickle, TENSORS, torchZip } from '../helpers/checkpoint-builders.ts';
import { decodeWav } from '../../src/preprocess/audio/wav.ts';
import { encodeWav } from '../../src/preprocess/audio/wav-encode.ts';
import { encodePfm, parsePfm } from '../../src/preprocess/depth/pfm.ts';
import { decodeRaw } from '../../src/preprocess/image/decode.ts';
import { decodePng } from '../../src/preprocess/image/png-decode.ts';
import { parseCsv, parseJson } from '../../src/preprocess/imu/parse.ts';

export interface FuzzTarget {
  readonly name: string;
  seeds(): Promise<Uint8Array[]>;
  run(input: Uint8Array): Promise<unknown>;
}

const fixtures = fileURLToPath(new URL('../fixtures/images/', import.meta.url));
const fixture = (...names: string[]): Uint8Array[] =>
  names.map((n) => Uint8Array.from(readFileSync(join(fixtures, n))));
const byExt = (...exts: string[]): Uint8Array[] =>
  fixture(...readdirSync(fixtures).filter((f) => exts.some((e) => f.endsWith(e))));

/** A small gradient image in the given sharp output format. */
async function picture(
  w: number,
  h: number,
  channels: 1 | 3 | 4,
  out: (s: sharp.Sharp) => sharp.Sharp,
): Promise<Uint8Array> {
  const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37) % 256);
  return Uint8Array.from(await out(sharp(px, { raw: { width: w, height: h, channels } })).toBuffer());
}

function bmp(w: number, h: number, bpp: 8 | 24): Uint8Array {
  const stride = Math.floor((bpp * w + 31) / 32) * 4;
  const pal = bpp === 8 ? 256 * 4 : 0;
  const off = 54 + pal;
  const b = new Uint8Array(off + stride * h);
  const v = new DataView(b.buffer);
  b.set([0x42, 0x4d]);
  v.setUint32(2, b.length, true);
  v.setUint32(10, off, true);
  v.setUint32(14, 40, true);
  v.setInt32(18, w, true);
  v.setInt32(22, h, true);
  v.setUint16(26, 1, true);
  v.setUint16(28, bpp, true);
  for (let i = 0; i < pal / 4; i++) b.set([i, 255 - i, (i * 7) % 256, 0], 54 + i * 4);
  for (let i = off; i < b.length; i++) b[i] = (i * 13) % 256;
  return b;
}

const sine = (n: number, k: number): Float32Array => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / k));
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const decodeText = (b: Uint8Array): string => new TextDecoder().decode(b);

export const TARGETS: readonly FuzzTarget[] = [
  {
    name: 'wav',
    seeds: async () => [
      encodeWav([sine(400, 5), sine(400, 7)], 16000),
      encodeWav([sine(300, 3)], 44100, { format: 'float', bits: 32, extensible: true }),
      encodeWav([sine(200, 3)], 8000, {
        bits: 24,
        bigEndian: true,
        extraChunks: [{ id: 'LIST', body: text('INFOabc') }],
      }),
      encodeWav([sine(100, 2)], 22050, { bits: 8 }),
    ],
    run: async (b) => decodeWav(b, 'fuzz.wav'),
  },
  {
    name: 'png',
    seeds: async () => [
      await picture(9, 7, 3, (s) => s.png()),
      await picture(8, 5, 4, (s) => s.png({ palette: true, colours: 16 })),
      await picture(6, 6, 1, (s) => s.toColourspace('grey16').png()),
      await picture(7, 4, 4, (s) => s.png({ progressive: true })),
    ],
    // Both PNG paths: the TypeScript decoder (browsers) and sharp/libspng.
    run: async (b) => {
      let first: unknown;
      try {
        decodePng(b, 'fuzz.png');
      } catch (e) {
        first = e;
      }
      await decodeRaw(b, 'fuzz.png');
      if (first) throw first;
    },
  },
  {
    name: 'jpeg',
    seeds: async () => [
      await picture(16, 9, 3, (s) => s.jpeg({ quality: 80 })),
      await picture(9, 16, 1, (s) => s.jpeg({ progressive: true })),
      ...fixture('cmyk-adobe.jpg'),
    ],
    run: async (b) => decodeRaw(b, 'fuzz.jpg'),
  },
  {
    name: 'bmp',
    seeds: async () => [bmp(7, 5, 24), bmp(5, 3, 8)],
    run: async (b) => decodeRaw(b, 'fuzz.bmp'),
  },
  {
    name: 'gif-webp-tiff',
    seeds: async () => [
      ...fixture('q_transp.gif', 'sub_notransp.gif', 'cmyk.tif', 'i16.tif'),
      await picture(8, 8, 4, (s) => s.webp({ lossless: true })),
    ],
    run: async (b) => decodeRaw(b, 'fuzz.img'),
  },
  {
    name: 'pnm',
    seeds: async () => [...byExt('.pbm', '.pgm', '.ppm')],
    run: async (b) => decodeRaw(b, 'fuzz.pnm'),
  },
  {
    name: 'tga',
    seeds: async () => [...byExt('.tga')],
    run: async (b) => decodeRaw(b, 'fuzz.tga'),
  },
  {
    name: 'ico',
    seeds: async () => [...byExt('.ico')],
    run: async (b) => decodeRaw(b, 'fuzz.ico'),
  },
  {
    name: 'npy',
    seeds: async () => [
      encodeNpy(
        float32(
          [3, 4],
          Float32Array.from({ length: 12 }, (_, i) => i),
        ),
      ),
      encodeNpy(float32([2, 1, 2], Float32Array.from([1, 2, 3, 4]))),
    ],
    run: async (b) => parseNpy(b, 'fuzz.npy'),
  },
  {
    name: 'pfm',
    seeds: async () => [encodePfm({ width: 3, height: 2, data: Float32Array.from([1, 2, 3, 4, 5, 6]) })],
    run: async (b) => parsePfm(b, 'fuzz.pfm'),
  },
  {
    name: 'csv',
    seeds: async () => [
      text('t,ax,ay,az,gx,gy,gz\n0,1,2,3,4,5,6\n0.01,1.5,2,3,4,5,6\n0.02,1,2,3,4,5,6\n'),
      text('{"acc_x":[1,2],"acc_y":[1,2],"acc_z":[1,2],"gyro_x":[0,1],"gyro_y":[0,1],"gyro_z":[0,1]}'),
    ],
    run: async (b) => {
      const s = decodeText(b);
      return s.trimStart().startsWith('{') || s.trimStart().startsWith('[')
        ? parseJson(s, 'fuzz.json')
        : parseCsv(s, 'fuzz.csv');
    },
  },
  {
    name: 'pickle',
    seeds: async () => [stateDictPickle(TENSORS), stateDictPickle(TENSORS.slice(0, 3), 'state_dict')],
    run: async (b) => unpickle(b, 'fuzz.pth'),
  },
  {
    name: 'zip',
    seeds: async () => [
      torchZip('archive', stateDictPickle(TENSORS)),
      torchZip('model', stateDictPickle(TENSORS.slice(0, 4)), { deflatePickle: true }),
    ],
    // The whole .pth path: zip directory, data.pkl, every tensor read.
    run: async (b) => {
      const dir = mkdtempSync(join(tmpdir(), 'ib-fuzz-zip-'));
      try {
        const path = join(dir, 'f.pth');
        writeFileSync(path, b);
        const r = await openCheckpoint(path);
        try {
          for (const t of r.list()) await r.readRaw(t.name);
        } finally {
          await r.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
];
