/**
 * The heatmap as a picture: min–max normalised scores, bilinearly upsampled to the image, mapped
 * through a jet-like colour map, blended 50 % over the image, with the best box outlined.
 */
import sharp from 'sharp';
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

function outline(rgb: Uint8Array, width: number, height: number, box: Box, thickness: number): void {
  const paint = (x: number, y: number): void => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    rgb.set([255, 255, 255], (y * width + x) * 3);
  };
  for (let t = 0; t < thickness; t++) {
    for (let x = box.x; x < box.x + box.w; x++) {
      paint(x, box.y + t);
      paint(x, box.y + box.h - 1 - t);
    }
    for (let y = box.y; y < box.y + box.h; y++) {
      paint(box.x + t, y);
      paint(box.x + box.w - 1 - t, y);
    }
  }
}

/** Overlay RGB pixels (interleaved, image size). */
export function overlayPixels(img: RgbImage, heatmap: Heatmap, box: Box | null, alpha = 0.5): Uint8Array {
  const values = upsampleNormalized(heatmap, img.width, img.height);
  const out = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < values.length; i++) {
    const c = jet(values[i]);
    for (let k = 0; k < 3; k++) out[i * 3 + k] = Math.round((1 - alpha) * img.data[i * 3 + k] + alpha * c[k]);
  }
  if (box) outline(out, img.width, img.height, box, Math.max(2, Math.round(Math.min(img.width, img.height) / 150)));
  return out;
}

/** PNG bytes of the overlay. */
export function renderHeatmapPng(img: RgbImage, heatmap: Heatmap, box: Box | null, alpha = 0.5): Promise<Buffer> {
  return sharp(overlayPixels(img, heatmap, box, alpha), { raw: { width: img.width, height: img.height, channels: 3 } })
    .png()
    .toBuffer();
}
