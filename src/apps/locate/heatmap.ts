/**
 * Crop scores → a per-pixel map: each pixel gets the mean (or max) score of the windows covering
 * it. Computed on a grid whose long side is at most `maxSide`, since windows are large and a
 * full-resolution map would only repeat values.
 */
import type { Box } from './windows.ts';

export interface Heatmap {
  readonly width: number;
  readonly height: number;
  /** Row-major scores, `width * height` values. */
  readonly data: Float32Array;
}

export interface ScoredBox {
  readonly box: Box;
  readonly score: number;
}

export type HeatmapReduce = 'mean' | 'max';

export function buildHeatmap(
  imageWidth: number,
  imageHeight: number,
  crops: readonly ScoredBox[],
  reduce: HeatmapReduce = 'mean',
  maxSide = 256,
): Heatmap {
  const scale = Math.min(1, maxSide / Math.max(imageWidth, imageHeight));
  const width = Math.max(1, Math.round(imageWidth * scale)),
    height = Math.max(1, Math.round(imageHeight * scale));
  const sx = imageWidth / width,
    sy = imageHeight / height;
  const acc = new Float64Array(width * height).fill(reduce === 'max' ? -Infinity : 0);
  const count = new Uint32Array(width * height);
  for (const { box, score } of crops) {
    // A grid cell belongs to a window when its centre (in image pixels) lies inside the window.
    const x0 = Math.max(0, Math.ceil(box.x / sx - 0.5)),
      x1 = Math.min(width, Math.ceil((box.x + box.w) / sx - 0.5));
    const y0 = Math.max(0, Math.ceil(box.y / sy - 0.5)),
      y1 = Math.min(height, Math.ceil((box.y + box.h) / sy - 0.5));
    for (let y = y0; y < y1; y++) {
      for (let x = x0; x < x1; x++) {
        const i = y * width + x;
        acc[i] = reduce === 'max' ? Math.max(acc[i], score) : acc[i] + score;
        count[i]++;
      }
    }
  }
  let floor = Infinity;
  for (const c of crops) floor = Math.min(floor, c.score);
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++)
    data[i] = count[i] === 0 ? floor : reduce === 'max' ? acc[i] : acc[i] / count[i];
  return { width, height, data };
}

/**
 * Where the heatmap peaks, in image pixels: the centroid of the cells at the maximum. With
 * `reduce: 'max'` the whole best window forms one plateau, and its first cell would be a corner.
 */
export function heatmapPeak(
  h: Heatmap,
  imageWidth: number,
  imageHeight: number,
): { x: number; y: number; value: number } {
  let max = -Infinity;
  for (const v of h.data) max = Math.max(max, v);
  let sx = 0,
    sy = 0,
    n = 0;
  for (let i = 0; i < h.data.length; i++) {
    if (h.data[i] !== max) continue;
    sx += (i % h.width) + 0.5;
    sy += Math.floor(i / h.width) + 0.5;
    n++;
  }
  return { x: ((sx / n) * imageWidth) / h.width, y: ((sy / n) * imageHeight) / h.height, value: max };
}
