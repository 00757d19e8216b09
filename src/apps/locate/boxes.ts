/**
 * Box geometry for localisation, in pixels: a box covers [x, x + w) × [y, y + h). Intersection
 * over union, non-maximum suppression, and the square context crop a candidate is embedded through.
 */
import type { Box } from './windows.ts';

export function area(b: Box): number {
  return Math.max(0, b.w) * Math.max(0, b.h);
}

export function intersection(a: Box, b: Box): number {
  const ix = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const iy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return ix > 0 && iy > 0 ? ix * iy : 0;
}

/** Intersection over union; 0 when both boxes are empty. */
export function iou(a: Box, b: Box): number {
  const inter = intersection(a, b);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

export function contains(b: Box, x: number, y: number): boolean {
  return x >= b.x && x < b.x + b.w && y >= b.y && y < b.y + b.h;
}

export function centre(b: Box): { x: number; y: number } {
  return { x: b.x + b.w / 2, y: b.y + b.h / 2 };
}

/** `b` scaled by (sx, sy) and rounded outwards to whole pixels. */
export function scaleBox(b: Box, sx: number, sy: number): Box {
  const x0 = Math.floor(b.x * sx),
    y0 = Math.floor(b.y * sy);
  return { x: x0, y: y0, w: Math.ceil((b.x + b.w) * sx) - x0, h: Math.ceil((b.y + b.h) * sy) - y0 };
}

/**
 * The square around `b` with side `context` × its longer side (capped by the image's short side),
 * centred on it and shifted to stay inside the image: the object with a margin of surroundings,
 * at the aspect the vision transform expects, so its resize is never a centre crop that cuts it.
 */
export function contextSquare(b: Box, width: number, height: number, context = 1.3): Box {
  const side = Math.max(1, Math.min(width, height, Math.round(Math.max(b.w, b.h) * context)));
  const c = centre(b);
  const x = Math.min(width - side, Math.max(0, Math.round(c.x - side / 2)));
  const y = Math.min(height - side, Math.max(0, Math.round(c.y - side / 2)));
  return { x, y, w: side, h: side };
}

/**
 * Greedy non-maximum suppression: items in decreasing score, each kept unless it overlaps a kept
 * one by IoU ≥ `threshold`. Stable: equal scores keep their input order. At most `limit` kept.
 */
export function nms<T extends { box: Box; score: number }>(
  items: readonly T[],
  threshold = 0.5,
  limit = Infinity,
): T[] {
  const order = items.map((_, i) => i).sort((a, b) => items[b].score - items[a].score || a - b);
  const kept: T[] = [];
  for (const i of order) {
    if (kept.length >= limit) break;
    if (kept.every((k) => iou(k.box, items[i].box) < threshold)) kept.push(items[i]);
  }
  return kept;
}
