/**
 * Object geometry shared by the image, depth and thermal renderers, so the same silhouette appears
 * in every modality: pixel → object-local coordinates, a signed distance per silhouette, and the
 * front-surface height profile used for depth.
 */
import type { SceneObject } from './scene.ts';
import type { FormKind, ShapeKind } from './spec.ts';

/** Local coordinates are in units of the object's radius, rotated into the object's frame. */
export interface LocalFrame {
  cx: number;
  cy: number;
  radiusPx: number;
  cos: number;
  sin: number;
  /** Half extents of the silhouette in local units (the larger one is 1). */
  hw: number;
  hh: number;
  /** Pixel bounding box (inclusive-exclusive), clipped to the image. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

export function localFrame(o: SceneObject, size: number, dx = 0, dy = 0, drot = 0): LocalFrame {
  const radiusPx = o.radius * size;
  const cx = (o.cx + dx) * size,
    cy = (o.cy + dy) * size;
  const rot = o.rotation + drot;
  const reach = radiusPx * 1.05 + 2;
  return {
    cx,
    cy,
    radiusPx,
    cos: Math.cos(rot),
    sin: Math.sin(rot),
    hw: Math.min(1, o.aspect),
    hh: Math.min(1, 1 / o.aspect),
    x0: Math.max(0, Math.floor(cx - reach)),
    x1: Math.min(size, Math.ceil(cx + reach)),
    y0: Math.max(0, Math.floor(cy - reach)),
    y1: Math.min(size, Math.ceil(cy + reach)),
  };
}

/** Writes the local (u, v) of pixel centre (x, y) into `out`. */
export function toLocal(f: LocalFrame, x: number, y: number, out: Float64Array): void {
  const px = x + 0.5 - f.cx,
    py = y + 0.5 - f.cy;
  out[0] = (px * f.cos + py * f.sin) / f.radiusPx;
  out[1] = (-px * f.sin + py * f.cos) / f.radiusPx;
}

function box(u: number, v: number, hw: number, hh: number): number {
  const dx = Math.abs(u) - hw,
    dy = Math.abs(v) - hh;
  const ox = Math.max(dx, 0),
    oy = Math.max(dy, 0);
  return Math.sqrt(ox * ox + oy * oy) + Math.min(Math.max(dx, dy), 0);
}

/** Convex polygon as the maximum of its edges' half-plane distances (exact inside, close outside). */
function polygon(u: number, v: number, normals: readonly (readonly [number, number, number])[]): number {
  let d = -Infinity;
  for (const [nx, ny, off] of normals) d = Math.max(d, u * nx + v * ny - off);
  return d;
}

function halfPlanes(points: readonly (readonly [number, number])[]): [number, number, number][] {
  return points.map(([ax, ay], i) => {
    const [bx, by] = points[(i + 1) % points.length];
    let nx = by - ay,
      ny = ax - bx;
    const len = Math.hypot(nx, ny);
    nx /= len;
    ny /= len;
    return [nx, ny, nx * ax + ny * ay];
  });
}

const TRI = halfPlanes(
  [
    [0, -1],
    [1, 1],
    [-1, 1],
  ].map(([x, y]) => [x, y] as const),
);
const DIAMOND = halfPlanes(
  [
    [0, -1],
    [1, 0],
    [0, 1],
    [-1, 0],
  ].map(([x, y]) => [x, y] as const),
);
const HEX = halfPlanes(
  Array.from({ length: 6 }, (_, k) => [Math.cos((k * Math.PI) / 3), Math.sin((k * Math.PI) / 3)] as const),
);

/** Signed distance (local units, negative inside) to the silhouette. */
export function shapeSdf(kind: ShapeKind, u: number, v: number, hw: number, hh: number): number {
  const m = Math.min(hw, hh);
  switch (kind) {
    case 'circle':
      return Math.hypot(u, v) - Math.sqrt(hw * hh);
    case 'ellipse':
      return (Math.hypot(u / hw, v / hh) - 1) * m;
    case 'box':
      return box(u, v, hw, hh);
    case 'roundbox':
      return box(u, v, hw - 0.35 * m, hh - 0.35 * m) - 0.35 * m;
    case 'triangle':
      return polygon(u / hw, v / hh, TRI) * m;
    case 'diamond':
      return polygon(u / hw, v / hh, DIAMOND) * m;
    case 'hexagon':
      return polygon(u / hw, v / hh, HEX) * m;
    case 'star': {
      const r = Math.hypot(u, v),
        th = Math.atan2(v, u);
      return (r - (0.62 + 0.38 * Math.cos(5 * th))) * 0.6;
    }
    case 'ring':
      return Math.abs(Math.hypot(u, v) - 0.72 * m) - 0.28 * m;
    case 'capsule': {
      const r = m,
        half = Math.max(hw, hh) - r;
      const along = hw >= hh ? u : v,
        across = hw >= hh ? v : u;
      const c = Math.max(-half, Math.min(half, along));
      return Math.hypot(along - c, across) - r;
    }
    case 'cross':
      return Math.min(box(u, v, hw, hh * 0.32), box(u, v, hw * 0.22, hh));
    case 'dome':
      return Math.max(Math.hypot(u, v + 0.2) - 0.95, v - 0.55, -(v + 1));
  }
}

/** Largest interior distance of the silhouette (local units), to normalise `formHeight`'s `t`. */
export function inradius(kind: ShapeKind, hw: number, hh: number): number {
  const m = Math.min(hw, hh);
  switch (kind) {
    case 'ring':
      return 0.28 * m;
    case 'star':
      return 0.3;
    case 'triangle':
      return 0.45 * m;
    case 'cross':
      return 0.25 * m;
    case 'diamond':
      return 0.7 * m;
    case 'dome':
      return 0.7;
    default:
      return m;
  }
}

/** Anti-aliased coverage of a pixel given the signed distance in local units. */
export function coverage(sdf: number, radiusPx: number): number {
  const c = 0.5 - sdf * radiusPx;
  return c <= 0 ? 0 : c >= 1 ? 1 : c;
}

/**
 * Height of the front surface above the silhouette (0 at the rim, 1 at the most protruding
 * point), from the interior distance `t` = clamp(-sdf / inradius, 0, 1) and the local position.
 */
export function formHeight(form: FormKind, t: number, u: number, hw: number): number {
  switch (form) {
    case 'sphere':
      return Math.sqrt(1 - (1 - t) * (1 - t));
    case 'box':
      return Math.min(1, t * 5);
    case 'cylinder': {
      const a = Math.min(1, Math.abs(u) / hw);
      return Math.sqrt(1 - a * a);
    }
    case 'cone':
      return t;
    case 'pyramid':
      return t * t;
    case 'torus':
      return Math.sqrt(1 - (1 - t) * (1 - t));
    case 'flat':
      return Math.min(0.25, t);
  }
}
