/**
 * Class-agnostic objectness by colour contrast (Alexe et al., "Measuring the objectness of image
 * windows", TPAMI 2012, the CC cue): an object's colours differ from those of a ring around it,
 * while a piece of background or of a pattern looks like its surroundings. Per-channel histograms
 * come from integral images, so each box costs O(bins).
 */
import type { PlanarImage } from './felzenszwalb.ts';
import type { ProposalBox } from './selective-search.ts';

const BINS = 8;

export class ColourIntegral {
  private readonly table: Float64Array;
  private readonly stride: number;

  readonly width: number;
  readonly height: number;

  /** `img`: three planes of [0, 1] values. */
  constructor(img: PlanarImage) {
    const { width, height, data } = img;
    this.width = width;
    this.height = height;
    const plane = width * height;
    const w1 = width + 1;
    this.stride = w1 * (height + 1);
    const t = (this.table = new Float64Array(3 * BINS * this.stride));
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const p = y * width + x;
        const here = (y + 1) * w1 + x + 1;
        for (let c = 0; c < 3; c++) {
          const bin = Math.min(BINS - 1, Math.max(0, Math.floor(data[c * plane + p] * BINS)));
          t[(c * BINS + bin) * this.stride + here] = 1;
        }
      }
    }
    for (let b = 0; b < 3 * BINS; b++) {
      const o = b * this.stride;
      for (let y = 1; y <= height; y++)
        for (let x = 1; x <= width; x++)
          t[o + y * w1 + x] += t[o + (y - 1) * w1 + x] + t[o + y * w1 + x - 1] - t[o + (y - 1) * w1 + x - 1];
    }
  }

  /** Pixel counts per (channel, bin) inside [x0, x1) × [y0, y1), clipped to the image. */
  histogram(x0: number, y0: number, x1: number, y1: number): Float64Array {
    x0 = Math.max(0, Math.min(this.width, Math.round(x0)));
    x1 = Math.max(x0, Math.min(this.width, Math.round(x1)));
    y0 = Math.max(0, Math.min(this.height, Math.round(y0)));
    y1 = Math.max(y0, Math.min(this.height, Math.round(y1)));
    const w1 = this.width + 1;
    const h = new Float64Array(3 * BINS);
    for (let b = 0; b < h.length; b++) {
      const o = b * this.stride;
      h[b] =
        this.table[o + y1 * w1 + x1] -
        this.table[o + y0 * w1 + x1] -
        this.table[o + y1 * w1 + x0] +
        this.table[o + y0 * w1 + x0];
    }
    return h;
  }
}

/**
 * 1 − histogram intersection between the box and the ring of width `ring` × its longer side
 * around it (per channel, averaged): 0 when they look alike, 1 when they share no colour.
 */
export function colourContrast(integral: ColourIntegral, b: ProposalBox, ring = 0.25): number {
  const inner = integral.histogram(b.x, b.y, b.x + b.w, b.y + b.h);
  const m = Math.max(2, Math.round(ring * Math.max(b.w, b.h)));
  const outer = integral.histogram(b.x - m, b.y - m, b.x + b.w + m, b.y + b.h + m);
  let shared = 0;
  for (let c = 0; c < 3; c++) {
    let si = 0,
      sr = 0;
    for (let k = 0; k < BINS; k++) {
      si += inner[c * BINS + k];
      sr += outer[c * BINS + k] - inner[c * BINS + k];
    }
    // A box with no ring (it fills the image) shows no contrast: count it as all shared.
    if (si === 0 || sr === 0) {
      shared += 1;
      continue;
    }
    for (let k = 0; k < BINS; k++)
      shared += Math.min(inner[c * BINS + k] / si, (outer[c * BINS + k] - inner[c * BINS + k]) / sr);
  }
  return 1 - shared / 3;
}
