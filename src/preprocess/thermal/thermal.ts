/**
 * Thermal loader: a single-channel infrared image (LLVIP-style 8-bit, or 16-bit radiometric)
 * → 1x224x224 float32 with the vision geometry (Resize(224) short side, CenterCrop(224)).
 * ImageBind ships no thermal transform; README.md records the choices and the disagreement.
 */
import { MediaError } from '../../core/errors.ts';
import { type Float32Tensor, float32 } from '../../core/tensor.ts';
import { type DecodeOptions, type RawImage, decodeRaw, rawToRgb } from '../image/decode.ts';
import { mediaError } from '../image/errors.ts';
import { readInputFile } from '../image/read-file.ts';
import { centerCrop, resizedSize } from '../image/geometry.ts';
import { resizeBicubicPIL, resizeBicubicPILFloat } from '../image/pil-resample.ts';
import { preprocessVisionRgb } from '../vision/transform.ts';

/**
 * 'auto' (default): 'unit' for 8-bit input, 'minmax' for 16-bit. 'unit': x / 255 (8-bit) or
 * x / 65535 (16-bit), i.e. ToTensor on a PIL 'L' image. 'minmax': (x - min) / (max - min) over the
 * cropped 224x224 output. 'none': raw sample values. 'pr73': ImageBind PR #73 (unmerged): RGB,
 * CLIP-normalised, then torchvision Grayscale.
 */
export type ThermalScale = 'auto' | 'unit' | 'minmax' | 'none' | 'pr73';

export interface ThermalOptions extends Pick<DecodeOptions, 'respectExifOrientation'> {
  scale?: ThermalScale;
  /** Optional standardisation after scaling: (x - mean) / std. */
  mean?: number;
  std?: number;
}

export const THERMAL_SIZE = 224;

/** PIL `convert("L")` from RGB: ITU-R 601 luma in 16-bit fixed point, rounded (Pillow's rgb2l). */
function rgbToL(src: Uint8Array | Uint16Array, n: number, channels: number): Uint8Array | Uint16Array {
  const out = src instanceof Uint16Array ? new Uint16Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    out[i] =
      channels >= 3 ? Math.floor((src[p] * 19595 + src[p + 1] * 38470 + src[p + 2] * 7471 + 0x8000) / 65536) : src[p];
  }
  return out;
}

/** Single-channel samples → resized, cropped float values in the input's own range. */
function geometry(raw: RawImage): Float32Array {
  const n = raw.width * raw.height;
  const grey = rgbToL(raw.data, n, raw.channels);
  const { width, height } = resizedSize(raw.width, raw.height, THERMAL_SIZE);
  if (grey instanceof Uint8Array) {
    // 8-bit: exactly Pillow's 'L' bicubic (uint8 rounding between passes), like the vision path.
    const r = resizeBicubicPIL(grey, raw.width, raw.height, width, height, 1);
    return Float32Array.from(centerCrop(r, width, height, 1, THERMAL_SIZE));
  }
  // 16-bit: Pillow would resize mode I;16 with integer rounding; we keep float precision instead.
  const r = resizeBicubicPILFloat(Float32Array.from(grey), raw.width, raw.height, width, height);
  return centerCrop(r, width, height, 1, THERMAL_SIZE);
}

function pr73(raw: RawImage): Float32Array {
  const t = preprocessVisionRgb(rawToRgb(raw));
  const plane = THERMAL_SIZE * THERMAL_SIZE;
  const f = Math.fround;
  const [wr, wg, wb] = [f(0.2989), f(0.587), f(0.114)];
  const out = new Float32Array(plane);
  for (let i = 0; i < plane; i++)
    out[i] = f(f(f(wr * t.data[i]) + f(wg * t.data[plane + i])) + f(wb * t.data[2 * plane + i]));
  return out;
}

/** Decoded thermal image → 1x224x224 tensor. */
export function preprocessThermalRaw(raw: RawImage, opts: ThermalOptions = {}): Float32Tensor {
  const scale = opts.scale ?? 'auto';
  let out: Float32Array;
  if (scale === 'pr73') out = pr73(raw);
  else {
    out = geometry(raw);
    const mode = scale === 'auto' ? (raw.bitDepth === 8 ? 'unit' : 'minmax') : scale;
    if (mode === 'unit') {
      const max = raw.bitDepth === 8 ? 255 : 65535;
      for (let i = 0; i < out.length; i++) out[i] = out[i] / max;
    } else if (mode === 'minmax') {
      let lo = Infinity,
        hi = -Infinity;
      for (const v of out) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const span = hi - lo;
      for (let i = 0; i < out.length; i++) out[i] = span > 0 ? (out[i] - lo) / span : 0;
    }
  }
  if (opts.mean !== undefined || opts.std !== undefined) {
    const m = Math.fround(opts.mean ?? 0),
      s = Math.fround(opts.std ?? 1);
    if (!(s > 0)) throw new RangeError(`thermal std must be positive, got ${opts.std}`);
    for (let i = 0; i < out.length; i++) out[i] = (out[i] - m) / s;
  }
  return float32([1, THERMAL_SIZE, THERMAL_SIZE], out);
}

/** Encoded image bytes → 1x224x224 tensor. */
export async function preprocessThermalBuffer(
  buf: Uint8Array,
  source: string,
  opts: ThermalOptions = {},
): Promise<Float32Tensor> {
  const raw = await decodeRaw(buf, source, opts);
  try {
    return preprocessThermalRaw(raw, opts);
  } catch (e) {
    if (e instanceof MediaError) throw e;
    throw mediaError('THERMAL_INVALID', source, (e as Error).message, 'Check the thermal options.', e);
  }
}

export async function loadThermalFile(path: string, opts: ThermalOptions = {}): Promise<Float32Tensor> {
  return preprocessThermalBuffer(await readInputFile(path), path, opts);
}
