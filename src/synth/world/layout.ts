/**
 * Scenes with several objects side by side and their ground-truth boxes, for measuring
 * localisation. A world scene has one large primary object (plus small distractors behind it);
 * here 2–4 objects of distinct classes get moderate sizes and non-overlapping places, so each one
 * is a fair target and its box is the tight bounding box of its rendered silhouette.
 */
import { Rng } from '../../core/random.ts';
import { NUM_CLASSES, classById } from './classes.ts';
import { STREAMS, deriveRng, hashInts, shuffled, uniform } from './rand.ts';
import { IMAGE_SIZE, type RawRgb, renderImage } from './render-image.ts';
import { type Scene, type SceneObject, sampleObject, sampleScene } from './scene.ts';
import { coverage, localFrame, shapeSdf, toLocal } from './shape.ts';

/** An axis-aligned box in pixels: [x, x + w) × [y, y + h). */
export interface PixelBox {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
}

export interface LayoutObject {
  readonly classId: number;
  readonly box: PixelBox;
}

export interface LayoutScene {
  readonly scene: Scene;
  /** One entry per object, in drawing order (as `scene.objects`). */
  readonly objects: readonly LayoutObject[];
  readonly size: number;
}

export interface LayoutOptions {
  /** Number of objects, drawn uniformly from [min, max] (default 2–4). */
  readonly minObjects?: number;
  readonly maxObjects?: number;
  /** Silhouette radius as a fraction of the image width (default 0.1–0.16). */
  readonly radius?: readonly [number, number];
  /** Image side in pixels (default 224). */
  readonly size?: number;
}

/** The tight box of the pixels an object covers by at least half (as the renderer anti-aliases it). */
export function silhouetteBox(o: SceneObject, size: number): PixelBox {
  const f = localFrame(o, size);
  const shape = classById(o.classId).visual.shape;
  const uv = new Float64Array(2);
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -Infinity,
    y1 = -Infinity;
  for (let y = f.y0; y < f.y1; y++) {
    for (let x = f.x0; x < f.x1; x++) {
      toLocal(f, x, y, uv);
      if (coverage(shapeSdf(shape, uv[0], uv[1], f.hw, f.hh), f.radiusPx) < 0.5) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  if (x1 < x0) return { x: Math.round(f.cx), y: Math.round(f.cy), w: 0, h: 0 };
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

const MAX_TRIES = 400;

/** Places `o` so its bounding circle stays in the image and clear of every placed object's. */
function place(rng: Rng, o: SceneObject, placed: readonly SceneObject[]): boolean {
  const reach = (x: SceneObject) => x.radius * 1.05;
  for (let t = 0; t < MAX_TRIES; t++) {
    const m = reach(o) + 0.01;
    const cx = uniform(rng, [m, 1 - m]),
      cy = uniform(rng, [m, 1 - m]);
    if (placed.every((p) => Math.hypot(p.cx - cx, p.cy - cy) > (reach(p) + reach(o)) * 1.08)) {
      o.cx = cx;
      o.cy = cy;
      return true;
    }
  }
  return false;
}

export function sampleLayoutScene(rng: Rng, opts: LayoutOptions = {}): LayoutScene {
  const lo = opts.minObjects ?? 2,
    hi = opts.maxObjects ?? 4;
  if (!(Number.isInteger(lo) && Number.isInteger(hi) && lo >= 1 && hi >= lo && hi <= NUM_CLASSES))
    throw new RangeError(`sampleLayoutScene: objects must be integers with 1 ≤ min ≤ max ≤ ${NUM_CLASSES}`);
  const size = opts.size ?? IMAGE_SIZE;
  const radius = opts.radius ?? [0.1, 0.16];
  const count = lo + rng.int(hi - lo + 1);
  const classes = shuffled(
    rng,
    Array.from({ length: NUM_CLASSES }, (_, k) => k),
  ).slice(0, count);
  // The base scene supplies background, light, noise and room; its own object is replaced.
  const base = sampleScene(rng, classes[0], { maxDistractors: 0 });
  const objects: SceneObject[] = [];
  for (const c of classes) {
    const o = sampleObject(rng, c, true, base.ambientC);
    o.radius = uniform(rng, radius);
    if (place(rng, o, objects)) objects.push(o);
  }
  // Nearer objects are drawn last, as in world scenes (they never overlap here, so only depth cares).
  objects.sort((a, b) => b.distance - a.distance);
  const scene: Scene = { ...base, objects };
  return { scene, size, objects: objects.map((o) => ({ classId: o.classId, box: silhouetteBox(o, size) })) };
}

/** Scene `index` of a layout set with world seed `seed`: a pure function of both. */
export function layoutScene(seed: number, index: number, opts: LayoutOptions = {}): LayoutScene {
  return sampleLayoutScene(deriveRng(seed, index, 'layout'), opts);
}

/** The scene's image, rendered with its own noise stream (not the world's image stream of `index`). */
export function renderLayoutImage(l: LayoutScene, seed: number, index: number): RawRgb {
  return renderImage(l.scene, new Rng(hashInts(seed, index, STREAMS.layout, 1)), l.size);
}
