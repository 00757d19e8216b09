/**
 * The heatmap as a picture: min–max normalised scores, bilinearly upsampled to the image, mapped
 * through a jet-like colour map and blended over the image in proportion to the heat (cold areas
 * stay readable), boxes outlined with a black edge and labelled, and a legend strip below that
 * shows the colour bar and what its ends mean.
 */
import sharp from 'sharp';
import { GLYPH_HEIGHT, drawText, textWidth } from './bitmap-font.ts';
import type { RgbImage } from '../../preprocess/vision/index.ts';
import type { Heatmap } from './heatmap.ts';
import type { Box } from './windows.ts';

/** Jet: blue → cyan → yellow → red, as three clipped triangle waves. */
export function jet(v: number): [number, number, number] {
  const c = (t: number): number => Math.round(255 * Math.min(1, Math.max(0, 1.5 - Math.abs(4 * v - t))));
  return [c(3), c(2), c(1)];
}

/** Heatmap values at image resolution in [0, 1] (bilinear on cell centres, edges clamped). */
export function upsampleNormalized(h: Heatmap, width: number, height: number): Float32Array {
  let lo = Infinity,
    hi = -Infinity;
  for (const v of h.data) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const range = hi - lo > 1e-12 ? hi - lo : 1;
  const out = new Float32Array(width * height);
  const at = (x: number, y: number): number => (h.data[y * h.width + x] - lo) / range;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(h.height - 1, Math.max(0, ((y + 0.5) * h.height) / height - 0.5));
    const y0 = Math.floor(fy),
      y1 = Math.min(h.height - 1, y0 + 1),
      ty = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(h.width - 1, Math.max(0, ((x + 0.5) * h.width) / width - 0.5));
      const x0 = Math.floor(fx),
        x1 = Math.min(h.width - 1, x0 + 1),
        tx = fx - x0;
      const top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx;
      const bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx;
      out[y * width + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

/** A box to outline, optionally with a text label (drawn above it, or inside when at the top edge). */
export interface LabelledBox {
  readonly box: Box;
  readonly label?: string;
}

/** The colour bar's end labels and title, e.g. {low: '0.12', high: '0.47', title: 'cosine'}. */
export interface Legend {
  readonly low: string;
  readonly high: string;
  readonly title: string;
}

export interface RenderOptions {
  /** Boxes to outline, the best first (white; the others yellow). */
  readonly boxes?: readonly LabelledBox[];
  /** A strip under the image with the colour map and what its ends mean; null for none. */
  readonly legend?: Legend | null;
  /** Blend weight of the colour map at the hottest point (default 0.6); cold areas stay nearly untouched. */
  readonly alpha?: number;
}

const WHITE: [number, number, number] = [255, 255, 255];
const YELLOW: [number, number, number] = [255, 220, 0];
const BLACK: [number, number, number] = [0, 0, 0];

function rect(rgb: Uint8Array, width: number, height: number, b: Box, colour: readonly number[]): void {
  for (let y = Math.max(0, b.y); y < Math.min(height, b.y + b.h); y++)
    for (let x = Math.max(0, b.x); x < Math.min(width, b.x + b.w); x++) rgb.set(colour, (y * width + x) * 3);
}

/** A box outline: a coloured band with a one-pixel black edge on both sides, readable on any background. */
function outline(rgb: Uint8Array, width: number, height: number, b: Box, t: number, colour: readonly number[]): void {
  const ring = (o: number, c: readonly number[], th: number): void => {
    const x0 = b.x - o,
      y0 = b.y - o,
      w = b.w + 2 * o,
      h = b.h + 2 * o;
    rect(rgb, width, height, { x: x0, y: y0, w, h: th }, c);
    rect(rgb, width, height, { x: x0, y: y0 + h - th, w, h: th }, c);
    rect(rgb, width, height, { x: x0, y: y0, w: th, h }, c);
    rect(rgb, width, height, { x: x0 + w - th, y: y0, w: th, h }, c);
  };
  ring(1, BLACK, 1);
  ring(0, colour, t);
  ring(-t, BLACK, 1);
}

function fontScale(width: number, height: number): number {
  return Math.max(1, Math.floor(Math.min(width, height) / 180));
}

function label(rgb: Uint8Array, width: number, height: number, b: Box, text: string, colour: readonly number[]): void {
  const s = fontScale(width, height);
  const w = textWidth(text, s) + 4 * s,
    h = GLYPH_HEIGHT * s + 4 * s;
  const x = Math.min(width - w, Math.max(0, b.x));
  const y = b.y - h >= 0 ? b.y - h : Math.min(height - h, b.y);
  rect(rgb, width, height, { x, y, w, h }, BLACK);
  drawText(rgb, width, height, text, x + 2 * s, y + 2 * s, colour as [number, number, number], s);
}

/** Overlay RGB pixels (interleaved, image size): heat blended where it is hot, boxes outlined and labelled. */
export function overlayPixels(img: RgbImage, heatmap: Heatmap, opts: RenderOptions = {}): Uint8Array {
  const values = upsampleNormalized(heatmap, img.width, img.height);
  const maxAlpha = opts.alpha ?? 0.6;
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < values.length; i++) {
    const c = jet(values[i]);
    const a = maxAlpha * (0.25 + 0.75 * values[i]);
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round((1 - a) * img.data[i * 3 + k] + a * c[k]);
  }
  const t = Math.max(2, Math.round(Math.min(img.width, img.height) / 150));
  const boxes = opts.boxes ?? [];
  // The best box last, so it stays on top where boxes overlap.
  for (let i = boxes.length - 1; i >= 0; i--) {
    const colour = i === 0 ? WHITE : YELLOW;
    outline(out, img.width, img.height, boxes[i].box, t, colour);
    if (boxes[i].label) label(out, img.width, img.height, boxes[i].box, boxes[i].label!, colour);
  }
  return out;
}

/** The legend strip: title, low label, the colour bar, high label, on dark grey. */
export function legendStrip(width: number, legend: Legend, imageHeight: number): { height: number; data: Uint8Array } {
  const s = fontScale(width, imageHeight);
  const height = GLYPH_HEIGHT * s + 8 * s;
  const data = new Uint8Array(width * height * 3).fill(32);
  const y = 4 * s;
  let x = 4 * s;
  const grey: [number, number, number] = [220, 220, 220];
  drawText(data, width, height, legend.title, x, y, grey, s);
  x += textWidth(legend.title, s) + 8 * s;
  drawText(data, width, height, legend.low, x, y, grey, s);
  x += textWidth(legend.low, s) + 4 * s;
  const barEnd = width - textWidth(legend.high, s) - 8 * s;
  for (let px = x; px < barEnd; px++) {
    const c = jet((px - x) / Math.max(1, barEnd - x - 1));
    for (let py = y; py < y + GLYPH_HEIGHT * s; py++) data.set(c, (py * width + px) * 3);
  }
  drawText(data, width, height, legend.high, Math.max(x, barEnd) + 4 * s, y, grey, s);
  return { height, data };
}

/** PNG bytes of the overlay, with the legend strip below it unless `legend` is null. */
export function renderHeatmapPng(img: RgbImage, heatmap: Heatmap, opts: RenderOptions = {}): Promise<Buffer> {
  const pixels = overlayPixels(img, heatmap, opts);
  const legend = opts.legend === undefined ? { low: 'low', high: 'high', title: 'match' } : opts.legend;
  if (!legend)
    return sharp(pixels, { raw: { width: img.width, height: img.height, channels: 3 } })
      .png()
      .toBuffer();
  const strip = legendStrip(img.width, legend, img.height);
  const all = new Uint8Array(pixels.length + strip.data.length);
  all.set(pixels);
  all.set(strip.data, pixels.length);
  return sharp(all, { raw: { width: img.width, height: img.height + strip.height, channels: 3 } })
    .png()
    .toBuffer();
}
