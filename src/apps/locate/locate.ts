/**
 * Training-free localisation: score multi-scale crops of an image against a query embedding
 * and turn the scores into a box and a heatmap. Each crop goes through the official vision
 * transform on its own (resize short side to 224 with Pillow bicubic, centre crop — a no-op for
 * square crops — CLIP normalisation), exactly as if it had been saved and embedded as a file.
 * The vision embedder is a parameter, so the geometry can be tested without a model.
 */
import { ShapeError } from '../../core/errors.ts';
import { unit64 } from '../../core/vector-math.ts';
import { type Float32Tensor, stack } from '../../core/tensor.ts';
import { type RgbImage, preprocessVisionRgb } from '../../preprocess/vision/index.ts';
import { type Heatmap, type HeatmapReduce, type ScoredBox, buildHeatmap } from './heatmap.ts';
import { type Box, DEFAULT_SCALES, DEFAULT_STRIDE, slidingWindows } from './windows.ts';

/** [N, 3, 224, 224] preprocessed crops → [N, D] embeddings (normalised or not). */
export type VisionEmbedder = (batch: Float32Tensor) => Promise<Float32Tensor>;

export interface LocateOptions {
  /** Window sides as fractions of the short side (default 1, 0.75, 0.5, 0.35). */
  readonly scales?: readonly number[];
  /** Step between windows as a fraction of the window side (default 0.5). */
  readonly stride?: number;
  /** Crops per embedder call (default 16). */
  readonly batchSize?: number;
  /** How overlapping window scores combine per pixel (default 'mean'). */
  readonly reduce?: HeatmapReduce;
  /** Longest side of the heatmap grid (default 256). */
  readonly heatmapMaxSide?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface LocateResult {
  readonly width: number;
  readonly height: number;
  /** The best-scoring window, in original pixels. */
  readonly box: Box;
  /** Its cosine similarity with the query. */
  readonly score: number;
  readonly heatmap: Heatmap;
  /** Every window and its cosine, largest scale first. */
  readonly crops: ScoredBox[];
}

/** The pixels of `box` as their own RGB image. */
export function cropRgb(img: RgbImage, box: Box): RgbImage {
  const data = new Uint8Array(box.w * box.h * 3);
  for (let y = 0; y < box.h; y++) {
    const from = ((box.y + y) * img.width + box.x) * 3;
    data.set(img.data.subarray(from, from + box.w * 3), y * box.w * 3);
  }
  return { width: box.w, height: box.h, data };
}

function cosine(row: Float32Array, q: Float64Array): number {
  let d = 0,
    s = 0;
  for (let i = 0; i < row.length; i++) {
    d += row[i] * q[i];
    s += row[i] * row[i];
  }
  return s > 0 ? d / Math.sqrt(s) : 0;
}

export async function locateInImage(
  img: RgbImage,
  query: ArrayLike<number>,
  embedVision: VisionEmbedder,
  opts: LocateOptions = {},
): Promise<LocateResult> {
  const boxes = slidingWindows(img.width, img.height, opts.scales ?? DEFAULT_SCALES, opts.stride ?? DEFAULT_STRIDE);
  const q = unit64(query);
  const batch = Math.max(1, opts.batchSize ?? 16);
  const crops: ScoredBox[] = [];
  for (let i = 0; i < boxes.length; i += batch) {
    const part = boxes.slice(i, i + batch);
    const emb = await embedVision(stack(part.map((b) => preprocessVisionRgb(cropRgb(img, b)))));
    const dim = emb.shape[emb.shape.length - 1];
    if (emb.shape.length !== 2 || emb.shape[0] !== part.length) {
      throw new ShapeError(
        'LOCATE_BAD_EMBEDDING',
        `the vision embedder returned [${emb.shape.join(', ')}] for ${part.length} crops; expected [${part.length}, D].`,
      );
    }
    if (dim !== q.length) {
      throw new ShapeError(
        'LOCATE_SPACE_MISMATCH',
        `the query has ${q.length} dimensions but the vision embeddings have ${dim}; embed both with the same model.`,
      );
    }
    part.forEach((box, j) => crops.push({ box, score: cosine(emb.data.subarray(j * dim, (j + 1) * dim), q) }));
    opts.onProgress?.(crops.length, boxes.length);
  }
  return windowsResult(img.width, img.height, crops, opts);
}

/** Scored windows → the best one and the heatmap (also used to re-score cached window embeddings). */
export function windowsResult(
  width: number,
  height: number,
  crops: ScoredBox[],
  opts: Pick<LocateOptions, 'reduce' | 'heatmapMaxSide'> = {},
): LocateResult {
  // First maximum wins, so ties go to the larger (earlier) window: deterministic and conservative.
  let best = crops[0];
  for (const c of crops) if (c.score > best.score) best = c;
  const heatmap = buildHeatmap(width, height, crops, opts.reduce ?? 'mean', opts.heatmapMaxSide ?? 256);
  return { width, height, box: best.box, score: best.score, heatmap, crops };
}
