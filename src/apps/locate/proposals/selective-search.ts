/**
 * Selective search (Uijlings et al., IJCV 2013), the training-free object proposals of R-CNN:
 * starting from a Felzenszwalb over-segmentation, the two most similar neighbouring regions merge
 * until one is left, and every region ever formed is a proposal. Similarity is the sum of colour
 * histogram intersection, a preference for merging small regions first, and how well the two fill
 * their joint bounding box. Several segmentation scales and colour spaces diversify the result.
 */
import { type PlanarImage, type Segmentation, gaussianBlur, pixelGraph, segmentGraph } from './felzenszwalb.ts';

export interface ProposalBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

const BINS = 25;

interface Region {
  size: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  hist: Float32Array;
  neighbours: Set<number>;
}

function histograms(img: PlanarImage, seg: Segmentation): Region[] {
  const { width: w, height: h } = seg;
  const regions: Region[] = Array.from({ length: seg.count }, () => ({
    size: 0,
    x0: w,
    y0: h,
    x1: 0,
    y1: 0,
    hist: new Float32Array(BINS * img.channels),
    neighbours: new Set<number>(),
  }));
  const plane = w * h;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const r = regions[seg.labels[i]];
      r.size++;
      r.x0 = Math.min(r.x0, x);
      r.y0 = Math.min(r.y0, y);
      r.x1 = Math.max(r.x1, x + 1);
      r.y1 = Math.max(r.y1, y + 1);
      for (let c = 0; c < img.channels; c++) {
        const v = img.data[c * plane + i];
        r.hist[c * BINS + Math.min(BINS - 1, Math.max(0, Math.floor(v * BINS)))]++;
      }
      if (x + 1 < w && seg.labels[i + 1] !== seg.labels[i]) {
        r.neighbours.add(seg.labels[i + 1]);
        regions[seg.labels[i + 1]].neighbours.add(seg.labels[i]);
      }
      if (y + 1 < h && seg.labels[i + w] !== seg.labels[i]) {
        r.neighbours.add(seg.labels[i + w]);
        regions[seg.labels[i + w]].neighbours.add(seg.labels[i]);
      }
    }
  for (const r of regions) {
    // L1-normalised per channel, so the intersection of two histograms lies in [0, channels].
    for (let k = 0; k < r.hist.length; k++) r.hist[k] /= r.size;
  }
  return regions;
}

function similarity(a: Region, b: Region, imageSize: number): number {
  let colour = 0;
  for (let k = 0; k < a.hist.length; k++) colour += Math.min(a.hist[k], b.hist[k]);
  colour /= a.hist.length / BINS;
  const size = 1 - (a.size + b.size) / imageSize;
  const bw = Math.max(a.x1, b.x1) - Math.min(a.x0, b.x0),
    bh = Math.max(a.y1, b.y1) - Math.min(a.y0, b.y0);
  const fill = 1 - (bw * bh - a.size - b.size) / imageSize;
  return colour + size + fill;
}

const key = (a: number, b: number): number => (a < b ? a * 1048576 + b : b * 1048576 + a);

/** Every region of the merge hierarchy of one segmentation, as boxes in its pixel grid. */
export function hierarchicalGrouping(img: PlanarImage, seg: Segmentation): ProposalBox[] {
  const regions = histograms(img, seg);
  const imageSize = seg.width * seg.height;
  const sims = new Map<number, { a: number; b: number; s: number }>();
  for (const [i, r] of regions.entries())
    for (const j of r.neighbours)
      if (i < j) sims.set(key(i, j), { a: i, b: j, s: similarity(r, regions[j], imageSize) });
  const boxes: ProposalBox[] = regions.map((r) => ({ x: r.x0, y: r.y0, w: r.x1 - r.x0, h: r.y1 - r.y0 }));
  while (sims.size > 0) {
    let best: { a: number; b: number; s: number } | null = null;
    for (const p of sims.values()) if (!best || p.s > best.s) best = p;
    const { a, b } = best!;
    const ra = regions[a],
      rb = regions[b];
    const size = ra.size + rb.size;
    const hist = new Float32Array(ra.hist.length);
    for (let k = 0; k < hist.length; k++) hist[k] = (ra.hist[k] * ra.size + rb.hist[k] * rb.size) / size;
    const t: Region = {
      size,
      x0: Math.min(ra.x0, rb.x0),
      y0: Math.min(ra.y0, rb.y0),
      x1: Math.max(ra.x1, rb.x1),
      y1: Math.max(ra.y1, rb.y1),
      hist,
      neighbours: new Set([...ra.neighbours, ...rb.neighbours].filter((n) => n !== a && n !== b)),
    };
    const id = regions.length;
    regions.push(t);
    boxes.push({ x: t.x0, y: t.y0, w: t.x1 - t.x0, h: t.y1 - t.y0 });
    for (const n of ra.neighbours) sims.delete(key(a, n));
    for (const n of rb.neighbours) sims.delete(key(b, n));
    for (const n of t.neighbours) {
      const rn = regions[n];
      rn.neighbours.delete(a);
      rn.neighbours.delete(b);
      rn.neighbours.add(id);
      sims.set(key(id, n), { a: id, b: n, s: similarity(t, rn, imageSize) });
    }
  }
  return boxes;
}

/** RGB (interleaved bytes) → planar [0, 1] floats. */
export function rgbPlanes(data: Uint8Array, width: number, height: number): PlanarImage {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[c * plane + i] = data[i * 3 + c] / 255;
  return { width, height, channels: 3, data: out };
}

/**
 * RGB (interleaved bytes) → planar [0, 1] floats at `outW × outH` by area averaging: each output
 * pixel is the mean of the source pixels it covers (fractional at the edges), so downscaling never
 * aliases fine patterns. Meant for shrinking; the output must not be larger than the input.
 */
export function areaDownscale(
  data: Uint8Array,
  width: number,
  height: number,
  outW: number,
  outH: number,
): PlanarImage {
  const plane = outW * outH;
  const out = new Float32Array(3 * plane);
  const sx = width / outW,
    sy = height / outH;
  // Each source column's overlap with each output column, as (output index, weight) spans.
  const spans = (n: number, s: number, outN: number): { o: number; w: number }[][] => {
    const res: { o: number; w: number }[][] = Array.from({ length: n }, () => []);
    for (let o = 0; o < outN; o++) {
      const a = o * s,
        b = (o + 1) * s;
      for (let i = Math.floor(a); i < Math.min(n, Math.ceil(b)); i++) {
        const w = Math.min(b, i + 1) - Math.max(a, i);
        if (w > 0) res[i].push({ o, w });
      }
    }
    return res;
  };
  const xs = spans(width, sx, outW),
    ys = spans(height, sy, outH);
  const norm = 1 / (255 * sx * sy);
  for (let y = 0; y < height; y++)
    for (const { o: oy, w: wy } of ys[y])
      for (let x = 0; x < width; x++) {
        const p = (y * width + x) * 3;
        for (const { o: ox, w: wx } of xs[x]) {
          const i = oy * outW + ox,
            w = wx * wy * norm;
          out[i] += data[p] * w;
          out[plane + i] += data[p + 1] * w;
          out[2 * plane + i] += data[p + 2] * w;
        }
      }
  return { width: outW, height: outH, channels: 3, data: out };
}

/** RGB planes → HSV planes, all in [0, 1] (hue as a fraction of the circle). */
export function hsvPlanes(rgb: PlanarImage): PlanarImage {
  const plane = rgb.width * rgb.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    const r = rgb.data[i],
      g = rgb.data[plane + i],
      b = rgb.data[2 * plane + i];
    const max = Math.max(r, g, b),
      min = Math.min(r, g, b),
      d = max - min;
    let hue = 0;
    if (d > 0) hue = max === r ? ((g - b) / d + 6) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
    out[i] = hue / 6;
    out[plane + i] = max > 0 ? d / max : 0;
    out[2 * plane + i] = max;
  }
  return { width: rgb.width, height: rgb.height, channels: 3, data: out };
}

export interface SelectiveSearchOptions {
  /** Felzenszwalb scales, one hierarchy each (default 50, 100, 200). */
  readonly scales?: readonly number[];
  /** Colour spaces, one hierarchy each per scale (default rgb and hsv). */
  readonly colourSpaces?: readonly ('rgb' | 'hsv')[];
  /** Proposals smaller than this fraction of the image area are dropped (default 0.004). */
  readonly minArea?: number;
  /** Gaussian smoothing before segmentation, in pixels of the input (default 0.8). */
  readonly sigma?: number;
}

/** Unique proposal boxes over every strategy, in the image's own pixel grid. */
export function selectiveSearch(img: PlanarImage, opts: SelectiveSearchOptions = {}): ProposalBox[] {
  const minArea = (opts.minArea ?? 0.004) * img.width * img.height;
  const seen = new Set<string>();
  const out: ProposalBox[] = [];
  for (const space of opts.colourSpaces ?? ['rgb', 'hsv']) {
    const planes = space === 'hsv' ? hsvPlanes(img) : img;
    // One smoothed graph serves every scale.
    const graph = pixelGraph(gaussianBlur(planes, opts.sigma ?? 0.8));
    for (const k of opts.scales ?? [50, 100, 200]) {
      // k is given on the usual 0–255 scale; the planes hold [0, 1] values.
      const seg = segmentGraph(graph, k / 255, Math.max(4, Math.round(k / 5)));
      for (const b of hierarchicalGrouping(planes, seg)) {
        if (b.w * b.h < minArea) continue;
        const id = `${b.x},${b.y},${b.w},${b.h}`;
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(b);
      }
    }
  }
  return out;
}
