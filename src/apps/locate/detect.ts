/**
 * Training-free localisation by proposals, chosen on bench/localization.md over crop scoring:
 * 1. one dense forward pass gives each patch's embedding (MaskCLIP-style, model/dense-head.ts), so
 *    every query gets a similarity map for free;
 * 2. selective search proposes object-like boxes (class-agnostic, from colour segmentation), and
 *    each gets an objectness score (colour contrast with its surroundings);
 * 3. for a query, proposals are ranked by objectness plus their mean dense similarity, thinned by
 *    non-maximum suppression, and the top few are verified: each is cropped with some context and
 *    embedded by the ordinary vision encoder, whose cosine with the query is the box's score.
 * The image-side work (steps 1–2) is done once per image and shared by every query.
 */
import { ShapeError } from '../../core/errors.ts';
import { type Float32Tensor, stack } from '../../core/tensor.ts';
import { unit64 } from '../../core/vector-math.ts';
import {
  type RgbImage,
  VISION_SIZE,
  preprocessVisionRgb,
  resizeBicubicPIL,
  toNormalizedTensor,
} from '../../preprocess/vision/index.ts';
import { area, contextSquare, intersection, iou, nms } from './boxes.ts';
import { cropToTensor } from './crop-tensor.ts';
import { DenseMap } from './dense-map.ts';
import { type Heatmap, type ScoredBox, heatmapPeak } from './heatmap.ts';

export type { ScoredBox } from './heatmap.ts';
import { cropRgb, type VisionEmbedder } from './locate.ts';
import { ColourIntegral, colourContrast } from './proposals/objectness.ts';
import { areaDownscale, rgbPlanes, selectiveSearch } from './proposals/selective-search.ts';
import { type Box, slidingWindows } from './windows.ts';

/** [N, 3, 224, 224] → unit image embeddings [N, D] and unit patch embeddings [N, rows·cols, D]. */
export type DenseEmbedder = (
  batch: Float32Tensor,
) => Promise<{ global: Float32Tensor; patches: Float32Tensor; grid: { rows: number; cols: number } }>;

export interface DetectOptions {
  /** Proposals verified by the vision encoder per query (default 5). */
  readonly candidates?: number;
  /** Side of the square crop around a proposal, as a multiple of its longer side (default 1.3). */
  readonly context?: number;
  /** Long side of the image that selective search sees (default 80). */
  readonly proposalSide?: number;
  /** A box is reported besides the best when its score is within this fraction of the candidates' score range (default 0.25). */
  readonly matchMargin?: number;
  /** Longest side of the heatmap grid (default 112; renderings interpolate it to the image). */
  readonly heatmapMaxSide?: number;
}

export interface DetectResult {
  readonly width: number;
  readonly height: number;
  /** The best box and its cosine with the query. */
  readonly box: Box;
  readonly score: number;
  /** Boxes that match the query (best first): the best and any scoring close to it. */
  readonly boxes: ScoredBox[];
  /** Every verified proposal: the matches first (as in `boxes`), then the rest by score. */
  readonly candidates: ScoredBox[];
  readonly heatmap: Heatmap;
  /** The heatmap's peak in image pixels. */
  readonly peak: { x: number; y: number };
}

/** `outer` contains most of `inner`, which is at most half its size. */
function holds(outer: Box, inner: Box): boolean {
  return intersection(outer, inner) >= 0.8 * area(inner) && area(inner) <= 0.5 * area(outer);
}

function zscores(v: readonly number[]): number[] {
  const mean = v.reduce((a, b) => a + b, 0) / Math.max(1, v.length);
  const sd = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, v.length));
  return v.map((x) => (sd > 1e-12 ? (x - mean) / sd : 0));
}

const key = (b: Box): string => `${b.x},${b.y},${b.w},${b.h}`;

/** Class-agnostic proposals in image pixels with their objectness. */
export function proposalsOf(img: RgbImage, side: number): { box: Box; objectness: number }[] {
  const scale = Math.min(1, side / Math.max(img.width, img.height));
  const w = Math.max(1, Math.round(img.width * scale)),
    h = Math.max(1, Math.round(img.height * scale));
  const planes = scale < 1 ? areaDownscale(img.data, img.width, img.height, w, h) : rgbPlanes(img.data, w, h);
  // Strong smoothing merges an object's own texture (stripes, checks) before segmentation.
  const boxes = selectiveSearch(planes, {
    sigma: (2.5 * Math.max(w, h)) / 112,
    scales: [100, 300],
    colourSpaces: ['rgb'],
  });
  const integral = new ColourIntegral(planes);
  const sx = img.width / w,
    sy = img.height / h;
  const out: { box: Box; objectness: number }[] = [];
  for (const b of boxes) {
    if (b.w * b.h > 0.5 * w * h || Math.max(b.w / b.h, b.h / b.w) > 4) continue;
    const box = {
      x: Math.round(b.x * sx),
      y: Math.round(b.y * sy),
      w: Math.max(1, Math.round(b.w * sx)),
      h: Math.max(1, Math.round(b.h * sy)),
    };
    out.push({ box, objectness: colourContrast(integral, b) });
  }
  // An image without segments (a flat picture) still gets candidates: half-size windows.
  if (out.length === 0)
    for (const box of slidingWindows(img.width, img.height, [0.5], 0.5)) out.push({ box, objectness: 0 });
  return out;
}

/** The image-side work, done once and shared by every query on this image. */
export class PreparedImage {
  private readonly crops = new Map<string, Float64Array>();

  private constructor(
    readonly image: RgbImage,
    readonly patches: Float32Array,
    readonly grid: { rows: number; cols: number },
    readonly dim: number,
    readonly proposals: readonly { box: Box; objectness: number }[],
    private readonly objectness: readonly number[],
  ) {}

  static async prepare(img: RgbImage, dense: DenseEmbedder, opts: DetectOptions = {}): Promise<PreparedImage> {
    // The whole image, squashed to the encoder's square: every pixel is seen, at the cost of aspect.
    const squashed = resizeBicubicPIL(img.data, img.width, img.height, VISION_SIZE, VISION_SIZE, 3);
    const out = await dense(stack([toNormalizedTensor(squashed, VISION_SIZE, VISION_SIZE, 3)]));
    const dim = out.patches.shape[2];
    const proposals = proposalsOf(img, opts.proposalSide ?? 80);
    return new PreparedImage(
      img,
      out.patches.data,
      out.grid,
      dim,
      proposals,
      zscores(proposals.map((p) => p.objectness)),
    );
  }

  /** Cosines of `boxes`' context crops with `q`; crops already embedded for an earlier query are reused. */
  private async verify(
    boxes: readonly Box[],
    q: Float64Array,
    embed: VisionEmbedder,
    context: number,
  ): Promise<number[]> {
    const todo = boxes.filter((b) => !this.crops.has(key(b)));
    if (todo.length > 0) {
      const batch = stack(
        todo.map((b) => {
          const square = contextSquare(b, this.image.width, this.image.height, context);
          // Bilinear is enough for the usual upsampling; a large region gets Pillow's antialiasing filter.
          return square.w > 2 * VISION_SIZE
            ? preprocessVisionRgb(cropRgb(this.image, square))
            : cropToTensor(this.image, square, VISION_SIZE);
        }),
      );
      const emb = await embed(batch);
      if (emb.shape.length !== 2 || emb.shape[0] !== todo.length || emb.shape[1] !== q.length) {
        throw new ShapeError(
          'LOCATE_SPACE_MISMATCH',
          `the vision encoder returned [${emb.shape.join(', ')}] for ${todo.length} crops and a ${q.length}-dimensional query; embed both with the same model.`,
        );
      }
      todo.forEach((b, i) => this.crops.set(key(b), unit64(emb.data.subarray(i * q.length, (i + 1) * q.length))));
    }
    return boxes.map((b) => {
      const e = this.crops.get(key(b))!;
      let s = 0;
      for (let j = 0; j < q.length; j++) s += e[j] * q[j];
      return s;
    });
  }

  async locate(query: ArrayLike<number>, embed: VisionEmbedder, opts: DetectOptions = {}): Promise<DetectResult> {
    const q = unit64(query);
    if (q.length !== this.dim) {
      throw new ShapeError(
        'LOCATE_SPACE_MISMATCH',
        `the query has ${q.length} dimensions but the image's patch embeddings have ${this.dim}; embed both with the same model.`,
      );
    }
    const { width, height } = this.image;
    const map = DenseMap.fromPatches(this.patches, this.grid, q, width, height);
    const dense = zscores(this.proposals.map((p) => map.boxMean(p.box)));
    const ranked = this.proposals.map((p, i) => ({ box: p.box, score: this.objectness[i] + dense[i] }));
    // A low overlap threshold spreads the few verified candidates over different objects.
    const top = nms(ranked, 0.3, Math.max(1, opts.candidates ?? 5));
    const scores = await this.verify(
      top.map((t) => t.box),
      q,
      embed,
      opts.context ?? 1.3,
    );
    const verified = top.map((t, i) => ({ box: t.box, score: scores[i] })).sort((a, b) => b.score - a.score);
    const margin = (opts.matchMargin ?? 0.25) * (verified[0].score - verified[verified.length - 1].score);
    const matches = verified.filter((c) => c.score >= verified[0].score - margin);
    // A matching box around several objects (it holds a smaller matching box and another verified
    // box apart from that one) can score as high as the object it contains: the smaller box is the answer.
    const spansSeveral = (c: ScoredBox): boolean =>
      matches.some(
        (d) =>
          d !== c &&
          holds(c.box, d.box) &&
          verified.some((e) => e !== c && e !== d && holds(c.box, e.box) && iou(d.box, e.box) === 0),
      );
    const boxes = matches.filter((c) => !spansSeveral(c));
    const candidates = [...boxes, ...verified.filter((c) => !boxes.includes(c))];
    const best = candidates[0];
    const heatmap = blend(map.toHeatmap(opts.heatmapMaxSide ?? 112), candidates, width, height);
    const peak = heatmapPeak(heatmap, width, height);
    return {
      width,
      height,
      box: best.box,
      score: best.score,
      boxes,
      candidates,
      heatmap,
      peak: { x: peak.x, y: peak.y },
    };
  }
}

/**
 * The heatmap: one smooth bump per verified box (peaking at its centre, half height at its edges;
 * the chosen box (first) at 1, the others at up to 0.7 by their normalised score) over a tenth of the dense
 * map (min–max scaled) for context. Its peak is therefore near the best box's centre, which points
 * at the object more reliably than the coarse dense map's own maximum (bench/localization.md).
 */
function blend(dense: Heatmap, candidates: readonly ScoredBox[], width: number, height: number): Heatmap {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of dense.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const smax = Math.max(...candidates.map((c) => c.score)),
    smin = Math.min(...candidates.map((c) => c.score));
  const layer = new Float32Array(dense.data.length);
  const sx = width / dense.width,
    sy = height / dense.height;
  candidates.forEach((c, k) => {
    const v = k === 0 ? 1 : smax - smin > 1e-12 ? (0.7 * (c.score - smin)) / (smax - smin) : 0.7;
    const cx = c.box.x + c.box.w / 2,
      cy = c.box.y + c.box.h / 2;
    for (let y = 0; y < dense.height; y++) {
      const dy = ((y + 0.5) * sy - cy) / (c.box.h / 2);
      if (Math.abs(dy) >= 1) continue;
      for (let x = 0; x < dense.width; x++) {
        const dx = ((x + 0.5) * sx - cx) / (c.box.w / 2);
        if (Math.abs(dx) >= 1) continue;
        const i = y * dense.width + x;
        layer[i] = Math.max(layer[i], v * Math.max(0, 1 - 0.5 * (dx * dx + dy * dy)));
      }
    }
  });
  const data = new Float32Array(dense.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = layer[i] + 0.1 * (hi - lo > 1e-12 ? (dense.data[i] - lo) / (hi - lo) : 0);
  return { width: dense.width, height: dense.height, data };
}
