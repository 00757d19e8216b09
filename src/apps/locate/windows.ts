/**
 * Multi-scale sliding square windows over an image. Each scale is a fraction of the short side;
 * windows step by a fraction of their own side, and a last window is pinned to the far edge so
 * the right and bottom borders are always covered.
 */
import { ConfigError } from '../../core/errors.ts';

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export const DEFAULT_SCALES: readonly number[] = [1, 0.75, 0.5, 0.35];
export const DEFAULT_STRIDE = 0.5;

function starts(length: number, side: number, stride: number): number[] {
  const out: number[] = [];
  const last = length - side;
  for (let p = 0; p < last - 0.5; p += stride) out.push(Math.round(p));
  out.push(last);
  return [...new Set(out)];
}

/** Square windows, largest scale first, each scale in raster order (row by row). */
export function slidingWindows(
  width: number,
  height: number,
  scales: readonly number[] = DEFAULT_SCALES,
  stride = DEFAULT_STRIDE,
): Box[] {
  if (!(width >= 1 && height >= 1)) throw new ConfigError('BAD_ARGUMENT', `image size ${width}x${height} is empty.`);
  if (scales.length === 0 || scales.some((s) => !(s > 0 && s <= 1))) {
    throw new ConfigError(
      'BAD_ARGUMENT',
      `window scales must be in (0, 1] of the short side, got [${scales.join(', ')}].`,
    );
  }
  if (!(stride > 0 && stride <= 1))
    throw new ConfigError('BAD_ARGUMENT', `window stride must be in (0, 1] of the window, got ${stride}.`);
  const short = Math.min(width, height);
  const seen = new Set<string>();
  const out: Box[] = [];
  for (const scale of scales) {
    const side = Math.max(1, Math.round(scale * short));
    const step = Math.max(1, side * stride);
    for (const y of starts(height, side, step)) {
      for (const x of starts(width, side, step)) {
        const key = `${x},${y},${side}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ x, y, w: side, h: side });
      }
    }
  }
  return out;
}
