/**
 * Scene → 224×224 8-bit thermal image (LLVIP style: hotter = brighter) with a fixed per-shot gain:
 * ambient background with a warm floor, objects at their class surface temperature and heat
 * pattern, heat softly bleeding past silhouettes, and detector noise.
 */
import type { Rng } from '../../core/random.ts';
import { classById } from './classes.ts';
import { IMAGE_SIZE } from './render-image.ts';
import type { Scene, SceneObject } from './scene.ts';
import { coverage, localFrame, shapeSdf, toLocal } from './shape.ts';

/** Temperature (°C) of a point inside object `o` at local (u, v). */
function surfaceTemp(o: SceneObject, u: number, v: number, t: number): number {
  const h = classById(o.classId).heat;
  const base = o.surfaceC,
    peak = o.peakC;
  switch (h.pattern) {
    case 'uniform':
      return base;
    case 'body':
      return base + (peak - base) * t; // warmer core, cooler fur at the rim
    case 'hotspot': {
      const d = Math.hypot(u - h.spot[0], v - h.spot[1]);
      return base + (peak - base) * Math.exp(-d * d * 12);
    }
    case 'flame':
      return base + (peak - base) * Math.max(0, 0.5 - 0.5 * v) * (0.6 + 0.4 * Math.sin(u * 9 + v * 5));
    case 'ring': {
      const r = Math.hypot(u, v);
      return base + (peak - base) * Math.exp(-((r - 0.45) ** 2) * 40);
    }
    case 'stripes':
      return v > 0.5 ? peak : base;
  }
}

export function renderThermal(scene: Scene, rng: Rng, size = IMAGE_SIZE): Uint8Array {
  const temp = new Float32Array(size * size);
  const amb = scene.ambientC;
  const horizon = scene.room.horizon;
  for (let y = 0; y < size; y++) {
    // Sun-warmed ground below the horizon, a slightly cooler far field above it.
    const tRow = (y + 0.5) / size > horizon ? amb + 2 : amb - 1.5;
    temp.fill(tRow, y * size, (y + 1) * size);
  }
  const uv = new Float64Array(2);
  for (const o of scene.objects) {
    const shape = classById(o.classId).visual.shape;
    const f = localFrame(o, size);
    // A blurred rim: the camera's optics and heat diffusion soften edges over ~4 px.
    const soft = Math.max(1, f.radiusPx / 4);
    for (let y = f.y0; y < f.y1; y++) {
      for (let x = f.x0; x < f.x1; x++) {
        toLocal(f, x, y, uv);
        const sdf = shapeSdf(shape, uv[0], uv[1], f.hw, f.hh);
        const cov = coverage(sdf, soft);
        if (cov === 0) continue;
        const t = Math.min(1, Math.max(0, -sdf * 2));
        const i = y * size + x;
        temp[i] += (surfaceTemp(o, uv[0], uv[1], t) - temp[i]) * cov;
      }
    }
  }
  const [lo, hi] = scene.thermalRange;
  const scale = 255 / (hi - lo),
    sigma = 3 * scene.noise;
  const out = new Uint8Array(size * size);
  for (let i = 0; i < out.length; i++) {
    const v = (temp[i] - lo) * scale + (rng.next() + rng.next() - 1) * sigma;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : (v + 0.5) | 0;
  }
  return out;
}
