/**
 * The per-frame and per-clip spatial transforms of `load_and_transform_video_data`
 * (imagebind/data.py): `/ 255.0`, pytorchvideo `ShortSideScale(224)`, `NormalizeVideo` with the
 * CLIP constants, then the official `SpatialCrop(224, num_crops=3)` (`uniform_crop`).
 *
 * All of these act on each frame independently, so frames are transformed as they arrive from
 * the decoder and only the scaled frames are kept.
 */
import { linearTaps, resizePlane, type AxisTaps } from './interpolate.ts';

export const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073] as const;
export const CLIP_STD = [0.26862954, 0.26130258, 0.27577711] as const;

const f32 = Math.fround;

/** pytorchvideo `short_side_scale` sizes: `int(math.floor((float(long) / short) * size))`. */
export function shortSideScaleSize(h: number, w: number, size: number): { h: number; w: number } {
  // Division first, then the multiply, in doubles: (320 / 240) * 224 = 298.666… → 298.
  if (w < h) return { h: Math.floor((h / w) * size), w: size };
  return { h: size, w: Math.floor((w / h) * size) };
}

/**
 * `uniform_crop` offsets for spatial_idx 0, 1, 2 (or just the centre for one crop): the centre is
 * `ceil((side - size) / 2)`; 0/2 move to the start/end of the longer side (left/right when the
 * frame is at least as wide as it is high, top/bottom otherwise).
 */
export function spatialCropOffsets(
  h: number,
  w: number,
  size: number,
  numCrops: 1 | 3,
): Array<{ y: number; x: number }> {
  const centre = { y: Math.ceil((h - size) / 2), x: Math.ceil((w - size) / 2) };
  const idx = numCrops === 3 ? [0, 1, 2] : [1];
  return idx.map((i) => {
    if (i === 1) return { ...centre };
    if (h > w) return { y: i === 0 ? 0 : h - size, x: centre.x };
    return { y: centre.y, x: i === 0 ? 0 : w - size };
  });
}

/** One decoded frame after `/255`, ShortSideScale and normalisation: 3 planes of h×w. */
export interface ScaledFrame {
  data: Float32Array;
  h: number;
  w: number;
}

/** Turns packed RGB24 frames of one fixed size into scaled, normalised planes. */
export class FrameTransformer {
  readonly outH: number;
  readonly outW: number;
  private readonly rows: AxisTaps;
  private readonly cols: AxisTaps;
  private readonly planar: Float32Array;
  private readonly mean = CLIP_MEAN.map(f32);
  private readonly std = CLIP_STD.map(f32);

  constructor(
    readonly inH: number,
    readonly inW: number,
    size: number,
  ) {
    const s = shortSideScaleSize(inH, inW, size);
    this.outH = s.h;
    this.outW = s.w;
    this.rows = linearTaps(inH, s.h);
    this.cols = linearTaps(inW, s.w);
    this.planar = new Float32Array(3 * inH * inW);
  }

  get frameBytes(): number {
    return this.inH * this.inW * 3;
  }

  apply(rgb: Uint8Array): ScaledFrame {
    const n = this.inH * this.inW;
    const p = this.planar;
    // HWC uint8 → CHW float32 divided by 255 (a float32 division in torch).
    for (let i = 0, j = 0; i < n; i++, j += 3) {
      p[i] = f32(rgb[j] / 255);
      p[n + i] = f32(rgb[j + 1] / 255);
      p[2 * n + i] = f32(rgb[j + 2] / 255);
    }
    const m = this.outH * this.outW;
    const data = new Float32Array(3 * m);
    for (let c = 0; c < 3; c++) {
      resizePlane(p, c * n, this.inW, this.rows, this.cols, data, c * m);
      const mean = this.mean[c];
      const std = this.std[c];
      // NormalizeVideo: clip.sub_(mean).div_(std), both in float32.
      for (let i = c * m; i < (c + 1) * m; i++) data[i] = f32(data[i] - mean) / std;
    }
    return { data, h: this.outH, w: this.outW };
  }
}

/**
 * Assembles the official output for one video: for each clip, for each spatial crop, a
 * C × T × size × size block (`SpatialCrop` appends the crops of clip 0, then clip 1, ...).
 * `clips[k][t]` is the scaled frame at temporal position t of clip k.
 */
export function assembleCrops(
  clips: readonly (readonly ScaledFrame[])[],
  size: number,
  numCrops: 1 | 3,
): { data: Float32Array; shape: number[] } {
  const first = clips[0][0];
  const t = clips[0].length;
  const offsets = spatialCropOffsets(first.h, first.w, size, numCrops);
  const block = 3 * t * size * size;
  const data = new Float32Array(clips.length * offsets.length * block);
  let o = 0;
  for (const frames of clips) {
    for (const off of offsets) {
      for (let c = 0; c < 3; c++) {
        for (const f of frames) {
          const plane = c * f.h * f.w;
          for (let y = 0; y < size; y++) {
            const from = plane + (off.y + y) * f.w + off.x;
            data.set(f.data.subarray(from, from + size), o);
            o += size;
          }
        }
      }
    }
  }
  return { data, shape: [clips.length * offsets.length, 3, t, size, size] };
}
