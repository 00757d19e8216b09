/**
 * A query's similarity with each patch of the dense vision output, laid over the image: patch
 * values sit at patch centres and are interpolated bilinearly in between (clamped at the borders),
 * so the map is smooth at any resolution and its peak is not stuck to a patch corner.
 */
import type { Box } from './windows.ts';
import type { Heatmap } from './heatmap.ts';

export class DenseMap {
  private constructor(
    /** Patch grid (rows × cols) laid over the whole image (width × height pixels). */
    readonly rows: number,
    readonly cols: number,
    readonly values: Float32Array,
    readonly width: number,
    readonly height: number,
  ) {}

  /** Cosine of each patch (unit rows of `patches`, `rows·cols × dim`) with the unit `query`. */
  static fromPatches(
    patches: Float32Array,
    grid: { rows: number; cols: number },
    query: ArrayLike<number>,
    width: number,
    height: number,
  ): DenseMap {
    const n = grid.rows * grid.cols,
      dim = query.length;
    const values = new Float32Array(n);
    for (let p = 0; p < n; p++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += patches[p * dim + j] * query[j];
      values[p] = s;
    }
    return new DenseMap(grid.rows, grid.cols, values, width, height);
  }

  /** The interpolated value at image point (x, y). */
  at(x: number, y: number): number {
    const { rows, cols, values } = this;
    const fx = Math.min(cols - 1, Math.max(0, (x / this.width) * cols - 0.5));
    const fy = Math.min(rows - 1, Math.max(0, (y / this.height) * rows - 0.5));
    const x0 = Math.floor(fx),
      y0 = Math.floor(fy);
    const x1 = Math.min(cols - 1, x0 + 1),
      y1 = Math.min(rows - 1, y0 + 1);
    const tx = fx - x0,
      ty = fy - y0;
    const top = values[y0 * cols + x0] * (1 - tx) + values[y0 * cols + x1] * tx;
    const bottom = values[y1 * cols + x0] * (1 - tx) + values[y1 * cols + x1] * tx;
    return top * (1 - ty) + bottom * ty;
  }

  /** Mean value inside a box, sampled on a grid of about 8 × 8 points. */
  boxMean(b: Box): number {
    const nx = Math.max(1, Math.min(8, Math.round(b.w))),
      ny = Math.max(1, Math.min(8, Math.round(b.h)));
    let s = 0;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) s += this.at(b.x + ((i + 0.5) * b.w) / nx, b.y + ((j + 0.5) * b.h) / ny);
    return s / (nx * ny);
  }

  /** The map on a grid whose long side is at most `maxSide` cells. */
  toHeatmap(maxSide = 256): Heatmap {
    const scale = Math.min(1, maxSide / Math.max(this.width, this.height));
    const width = Math.max(1, Math.round(this.width * scale)),
      height = Math.max(1, Math.round(this.height * scale));
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        data[y * width + x] = this.at(((x + 0.5) * this.width) / width, ((y + 0.5) * this.height) / height);
    return { width, height, data };
  }
}
