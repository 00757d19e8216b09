/**
 * Scene → 224×224 RGB (HWC uint8): background pattern, lit and textured anti-aliased objects,
 * sensor noise. `renderVideoFrames` draws the same scene at successive times of each object's
 * motion (motion.ts), so video and IMU describe one movement.
 */
import { Rng } from '../../core/random.ts';
import { classById } from './classes.ts';
import { motionParams, pose } from './motion.ts';
import type { Scene, SceneObject } from './scene.ts';
import { coverage, localFrame, shapeSdf, toLocal } from './shape.ts';
import type { TextureKind } from './spec.ts';

export const IMAGE_SIZE = 224;

/** Packed RGB, row-major, 3 bytes per pixel (the layout of `RgbImage` in preprocess/image). */
export interface RawRgb {
  width: number;
  height: number;
  data: Uint8Array;
}

function hash2(i: number, j: number): number {
  let h = Math.imul(i, 374761393) + Math.imul(j, 668265263);
  h = Math.imul(h ^ (h >>> 13), 1274126177);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

function smooth01(x: number): number {
  return x <= 0 ? 0 : x >= 1 ? 1 : x * x * (3 - 2 * x);
}

/** Weight (0..1) of the secondary palette colour at local (u, v). */
export function textureWeight(kind: TextureKind, u: number, v: number, freq: number, phase: number): number {
  switch (kind) {
    case 'plain':
      return 0.15 * smooth01(-v);
    case 'stripes':
      return smooth01(Math.sin(u * freq * Math.PI + phase) * 3 + 0.5);
    case 'checks':
      return (Math.floor(u * freq + phase) + Math.floor(v * freq + 7)) & 1;
    case 'spots': {
      const gu = u * freq + phase,
        gv = v * freq,
        i = Math.floor(gu),
        j = Math.floor(gv);
      const ox = 0.3 + 0.4 * hash2(i, j),
        oy = 0.3 + 0.4 * hash2(j + 17, i);
      return smooth01((0.28 - Math.hypot(gu - i - ox, gv - j - oy)) * 12);
    }
    case 'noise': {
      const n =
        Math.sin(u * freq * 3.1 + phase) * Math.sin(v * freq * 2.7 - phase) +
        0.5 * Math.sin((u + v) * freq * 5.3 + 2 * phase);
      return smooth01(0.5 + 0.6 * n);
    }
    case 'rings':
      return smooth01(Math.sin(Math.hypot(u, v) * freq * 2 * Math.PI + phase) * 3 + 0.5);
    case 'porthole': {
      const r = Math.hypot(u, v + 0.1);
      return r < 0.42 ? 1 : r < 0.5 ? 0.3 : 0;
    }
  }
}

function drawBackground(scene: Scene, img: Float32Array, size: number): void {
  const {
    kind,
    colours: [a, b],
    angle,
    freq,
    seed,
  } = scene.background;
  const ca = Math.cos(angle) / size,
    sa = Math.sin(angle) / size;
  const blobs: [number, number, number][] = [];
  if (kind === 'blobs') {
    const r = new Rng(seed);
    for (let k = 0; k < 6; k++) blobs.push([r.next() * size, r.next() * size, (0.08 + 0.2 * r.next()) * size]);
  }
  const cell = Math.max(4, Math.round(size / freq)),
    k = freq * 2 * Math.PI;
  const d0 = b[0] - a[0],
    d1 = b[1] - a[1],
    d2 = b[2] - a[2];
  for (let y = 0; y < size; y++) {
    const sy = (y - size / 2) * sa + 0.5;
    for (let x = 0; x < size; x++) {
      const s = (x - size / 2) * ca + sy;
      let w: number;
      if (kind === 'gradient') w = s;
      else if (kind === 'stripes') w = 0.5 + 0.35 * Math.sin(s * k);
      else if (kind === 'grid') w = x % cell < 2 || y % cell < 2 ? 0.9 : 0.15 * s;
      else {
        w = 0.2 * s;
        for (const [bx, by, br] of blobs) {
          const dx = x - bx,
            dy = y - by;
          if (dx * dx + dy * dy < br * br) w = Math.max(w, 0.8 * smooth01(1 - Math.sqrt(dx * dx + dy * dy) / br));
        }
      }
      const p = (y * size + x) * 3;
      img[p] = a[0] + d0 * w;
      img[p + 1] = a[1] + d1 * w;
      img[p + 2] = a[2] + d2 * w;
    }
  }
}

const uv = new Float64Array(2);

function drawObject(
  scene: Scene,
  o: SceneObject,
  img: Float32Array,
  size: number,
  dx: number,
  dy: number,
  drot: number,
): void {
  const spec = classById(o.classId).visual;
  const f = localFrame(o, size, dx, dy, drot);
  const [p, q] = o.palette;
  const { angle, strength } = scene.light;
  // Light direction expressed in the object's rotated frame.
  const lx = Math.cos(angle - o.rotation - drot),
    ly = Math.sin(angle - o.rotation - drot);
  for (let y = f.y0; y < f.y1; y++) {
    for (let x = f.x0; x < f.x1; x++) {
      toLocal(f, x, y, uv);
      const cov = coverage(shapeSdf(spec.shape, uv[0], uv[1], f.hw, f.hh), f.radiusPx);
      if (cov === 0) continue;
      const tw = textureWeight(spec.texture, uv[0], uv[1], o.textureFreq, o.texturePhase);
      const shade = 1 + strength * (uv[0] * lx + uv[1] * ly) * 0.8;
      const i = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        const col = (p[c] + (q[c] - p[c]) * tw) * shade;
        img[i + c] += (col - img[i + c]) * cov;
      }
    }
  }
}

function finish(scene: Scene, img: Float32Array, rng: Rng, size: number): RawRgb {
  const out = new Uint8Array(size * size * 3);
  const g = scene.light.brightness,
    sigma = (10 * scene.noise) / 255;
  // One 32-bit draw gives two triangular noise values (sum of two bytes), halving RNG cost.
  for (let i = 0; i < out.length; i += 2) {
    const r = rng.nextU32();
    const n0 = ((r & 255) + ((r >>> 8) & 255) - 255) * sigma,
      n1 = (((r >>> 16) & 255) + (r >>> 24) - 255) * sigma;
    const v0 = img[i] * g + n0;
    out[i] = v0 <= 0 ? 0 : v0 >= 255 ? 255 : (v0 + 0.5) | 0;
    if (i + 1 < out.length) {
      const v1 = img[i + 1] * g + n1;
      out[i + 1] = v1 <= 0 ? 0 : v1 >= 255 ? 255 : (v1 + 0.5) | 0;
    }
  }
  return { width: size, height: size, data: out };
}

/** Per-object image offsets (fractions of width) and in-plane rotation at time `t`, relative to t = 0. */
function displacement(o: SceneObject, t: number): [number, number, number] {
  const mp = motionParams(o),
    a = new Float64Array(6),
    b = new Float64Array(6);
  pose(mp, 0, a);
  pose(mp, t, b);
  // Metres → image fractions at the object's distance (60° horizontal field of view).
  const perM = 1 / (1.155 * o.distance);
  const clampF = (v: number): number => Math.max(-0.15, Math.min(0.15, v));
  return [clampF((b[0] - a[0]) * perM), clampF(-(b[2] - a[2]) * perM), b[4] - a[4]];
}

export function renderImage(scene: Scene, rng: Rng, size = IMAGE_SIZE): RawRgb {
  return renderAt(scene, rng, size, 0);
}

function renderAt(scene: Scene, rng: Rng, size: number, t: number): RawRgb {
  const img = new Float32Array(size * size * 3);
  drawBackground(scene, img, size);
  for (const o of scene.objects) {
    const [dx, dy, dr] = t === 0 ? [0, 0, 0] : displacement(o, t);
    drawObject(scene, o, img, size, dx, dy, dr);
  }
  return finish(scene, img, rng, size);
}

/** `count` frames `dt` seconds apart, starting at the still image's instant. */
export function renderVideoFrames(scene: Scene, rng: Rng, count = 2, dt = 0.15, size = IMAGE_SIZE): RawRgb[] {
  return Array.from({ length: count }, (_, k) => renderAt(scene, rng, size, k * dt));
}
