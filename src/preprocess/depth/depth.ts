/**
 * Depth loader: a depth or disparity file → 1x224x224 float32 disparity, the input ImageBind's
 * depth encoder expects. ImageBind ships no depth transform (data.py has none), so every step
 * here is documented in README.md with its source.
 */
import { extname } from 'node:path';
import { MediaError } from '../../core/errors.ts';
import { parseNpy } from '../../core/npy.ts';
import { type Float32Tensor, float32 } from '../../core/tensor.ts';
import { decodeRaw } from '../image/decode.ts';
import { mediaError } from '../image/errors.ts';
import { readInputFile } from '../image/read-file.ts';
import { centerCrop, resizedSize } from '../image/geometry.ts';
import { resizeBicubicPILFloat } from '../image/pil-resample.ts';
import { type DisparityOptions, depthToDisparity } from './disparity.ts';
import { type FloatImage, parsePfm } from './pfm.ts';

/**
 * What the file's numbers mean. 'depth-mm': millimetres (Kinect/NYU 16-bit PNG);
 * 'depth-mm-sunrgbd': SUN RGB-D's PNGs, millimetres rotated left by 3 bits (toolbox read3dPoints.m);
 * 'depth-m': metres; 'disparity': already disparity, used as is.
 */
export type DepthKind = 'depth-mm' | 'depth-mm-sunrgbd' | 'depth-m' | 'disparity';

export interface DepthOptions extends DisparityOptions {
  /** Default: 16-bit image → 'depth-mm', .npy/.pfm → 'depth-m'; 8-bit images must say. */
  kind?: DepthKind;
  /** Optional standardisation after cropping: (x - mean) / std. None by default (see README). */
  mean?: number;
  std?: number;
}

export const DEPTH_SIZE = 224;

/** Reads a depth-like file into float values in the file's own unit, plus the kind it implies. */
export async function readDepthMap(path: string, kind?: DepthKind): Promise<{ map: FloatImage; kind: DepthKind }> {
  return depthMapFromBytes(await readInputFile(path), path, kind);
}

/** The same from a file's bytes; `path` names it in messages, and its extension (if any) picks the format. */
export async function depthMapFromBytes(
  bytes: Uint8Array,
  path: string,
  kind?: DepthKind,
): Promise<{ map: FloatImage; kind: DepthKind }> {
  const ext = extname(path).toLowerCase();
  if (ext === '.npy' || bytes[0] === 0x93) return { map: npyToMap(bytes, path), kind: kind ?? 'depth-m' };
  if (ext === '.pfm' || (bytes[0] === 0x50 && (bytes[1] === 0x66 || bytes[1] === 0x46)))
    return { map: parsePfm(bytes, path), kind: kind ?? 'depth-m' };
  const raw = await decodeRaw(bytes, path);
  if (raw.channels > 2) {
    throw mediaError(
      'DEPTH_INVALID',
      path,
      `depth image has ${raw.channels} colour channels`,
      'Depth must be single-channel (16-bit PNG in millimetres, or .npy/.pfm in metres); colourised depth visualisations cannot be inverted.',
    );
  }
  if (raw.bitDepth === 8 && kind === undefined) {
    throw mediaError(
      'DEPTH_INVALID',
      path,
      '8-bit depth image: its unit is ambiguous',
      "Pass kind ('disparity' if brighter = nearer, or 'depth-mm'/'depth-m'), or provide 16-bit millimetres.",
    );
  }
  const n = raw.width * raw.height;
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = raw.data[i * raw.channels];
  return { map: { width: raw.width, height: raw.height, data }, kind: kind ?? 'depth-mm' };
}

function npyToMap(bytes: Uint8Array, path: string): FloatImage {
  const t = parseNpy(bytes, path);
  const shape = t.shape.filter((d, i) => !(d === 1 && t.shape.length === 3 && (i === 0 || i === 2)));
  if (shape.length !== 2 || t.dtype === 'int64' || t.dtype === 'float16') {
    throw mediaError(
      'DEPTH_INVALID',
      path,
      `.npy depth must be a HxW (or 1xHxW / HxWx1) float or integer array, got ${t.dtype} [${t.shape.join(', ')}]`,
      'Save it with numpy.save(path, depth.astype(np.float32)).',
    );
  }
  return { width: shape[1], height: shape[0], data: Float32Array.from(t.data as ArrayLike<number>) };
}

/** Converts values of `kind` to disparity (float32, same size). */
export function toDisparity(map: FloatImage, kind: DepthKind, opts: DisparityOptions = {}): FloatImage {
  if (kind === 'disparity') return map;
  const metres = new Float32Array(map.data.length);
  for (let i = 0; i < metres.length; i++) {
    let v = map.data[i];
    // SUN RGB-D stores depth rotated left by 3 bits within 16 bits; undo it (toolbox: bitor(bitshift(d,-3), bitshift(d,13))).
    if (kind === 'depth-mm-sunrgbd') v = ((v >> 3) | (v << 13)) & 0xffff;
    metres[i] = kind === 'depth-m' ? v : Math.fround(v / 1000);
  }
  return { width: map.width, height: map.height, data: depthToDisparity(metres, opts) };
}

/**
 * Disparity map → 1x224x224: short side to 224 with Pillow's bicubic on a float ("F") image,
 * as `transforms.Resize(224, BICUBIC)` does on `Image.fromarray(float32)`, then centre crop.
 */
export function preprocessDisparity(disp: FloatImage, opts: { mean?: number; std?: number } = {}): Float32Tensor {
  const { width, height } = resizedSize(disp.width, disp.height, DEPTH_SIZE);
  const resized = resizeBicubicPILFloat(disp.data, disp.width, disp.height, width, height);
  const crop = centerCrop(resized, width, height, 1, DEPTH_SIZE);
  if (opts.mean !== undefined || opts.std !== undefined) {
    const m = Math.fround(opts.mean ?? 0),
      s = Math.fround(opts.std ?? 1);
    if (!(s > 0)) throw new RangeError(`depth std must be positive, got ${opts.std}`);
    for (let i = 0; i < crop.length; i++) crop[i] = (crop[i] - m) / s;
  }
  return float32([1, DEPTH_SIZE, DEPTH_SIZE], crop);
}

/** File → 1x224x224 disparity tensor. */
export async function loadDepthFile(path: string, opts: DepthOptions = {}): Promise<Float32Tensor> {
  return loadDepthBytes(await readInputFile(path), path, opts);
}

/** File bytes → 1x224x224 disparity tensor; `name` stands for the input in messages. */
export async function loadDepthBytes(bytes: Uint8Array, path: string, opts: DepthOptions = {}): Promise<Float32Tensor> {
  const { map, kind } = await depthMapFromBytes(bytes, path, opts.kind);
  try {
    return preprocessDisparity(toDisparity(map, kind, opts), opts);
  } catch (e) {
    if (e instanceof MediaError) throw e;
    throw mediaError('DEPTH_INVALID', path, (e as Error).message, 'Check the depth options.', e);
  }
}
