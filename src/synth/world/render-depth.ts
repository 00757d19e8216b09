/**
 * Scene → 224×224 depth in metres (float32, row-major): a room or open ground (floor below the
 * horizon, wall or far field above) plus each object's front surface from its class form, with
 * distance-dependent sensor noise like a structured-light camera.
 */
import type { Rng } from '../../core/random.ts';
import { depthToDisparity, type DisparityOptions, type FloatImage } from '../../preprocess/depth/index.ts';
import { classById } from './classes.ts';
import { IMAGE_SIZE } from './render-image.ts';
import { primaryOf, type Scene } from './scene.ts';
import { coverage, formHeight, inradius, localFrame, shapeSdf, toLocal } from './shape.ts';

/** Horizontal field of view 60°: 2·tan(30°). */
const VIEW = 2 * Math.tan(Math.PI / 6);
/** Largest depth written (the far field); fits a 16-bit millimetre PNG. */
export const MAX_DEPTH_M = 60;

export function renderDepth(scene: Scene, rng: Rng, size = IMAGE_SIZE): Float32Array {
  const out = new Float32Array(size * size);
  const wall = Math.min(MAX_DEPTH_M, Math.max(scene.room.wall, primaryOf(scene).distance * 1.5));
  const { horizon, cameraHeight } = scene.room;
  for (let y = 0; y < size; y++) {
    const below = (y + 0.5) / size - horizon;
    const floor = below > 0 ? cameraHeight / (below * VIEW) : Infinity;
    out.fill(Math.min(wall, floor), y * size, (y + 1) * size);
  }
  const uv = new Float64Array(2);
  for (const o of scene.objects) {
    const spec = classById(o.classId);
    const f = localFrame(o, size);
    const rin = inradius(spec.visual.shape, f.hw, f.hh);
    const relief = spec.form.relief * o.radius * VIEW * o.distance;
    for (let y = f.y0; y < f.y1; y++) {
      for (let x = f.x0; x < f.x1; x++) {
        toLocal(f, x, y, uv);
        const sdf = shapeSdf(spec.visual.shape, uv[0], uv[1], f.hw, f.hh);
        if (coverage(sdf, f.radiusPx) < 0.5) continue;
        const t = Math.min(1, Math.max(0, -sdf / rin));
        const d = o.distance - relief * formHeight(spec.form.form, t, uv[0], f.hw);
        const i = y * size + x;
        if (d < out[i]) out[i] = d;
      }
    }
  }
  const k = 0.0015 * scene.noise;
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    out[i] = Math.max(0.05, d + (rng.next() + rng.next() + rng.next() - 1.5) * k * d * d);
  }
  return out;
}

/** Depth in metres → disparity with the project's converter (Kinect v1 baseline and focal length by default). */
export function depthToDisparityImage(depth: Float32Array, size = IMAGE_SIZE, opts: DisparityOptions = {}): FloatImage {
  return { width: size, height: size, data: depthToDisparity(depth, opts) };
}

/** Metres → 16-bit millimetres (NYU/Kinect PNG convention), clamped to the format's range. */
export function depthToMillimetres(depth: Float32Array): Uint16Array {
  const out = new Uint16Array(depth.length);
  for (let i = 0; i < depth.length; i++) out[i] = Math.max(1, Math.min(65535, Math.round(depth[i] * 1000)));
  return out;
}
