/**
 * Class motion patterns as analytic poses over time. One pose function feeds both the IMU
 * (accelerations by second differences, angular rates by first differences) and the 2-frame video
 * (displacement between frames), so the two modalities agree about how the object moves.
 *
 * Axes: x right, y away from the camera, z up. Angles: rx, ry (in the image plane), rz (yaw).
 */
import { classById } from './classes.ts';
import type { SceneObject } from './scene.ts';
import type { MotionKind } from './spec.ts';

export interface MotionParams {
  kind: MotionKind;
  /** Hz. */
  freq: number;
  amp: number;
  /** Seconds added to every time, so instances start at different points of their cycle. */
  t0: number;
}

export function motionParams(o: SceneObject): MotionParams {
  const m = classById(o.classId).motion;
  return {
    kind: m.kind,
    freq: m.freq[0] + (m.freq[1] - m.freq[0]) * o.tempo,
    amp: m.amp * o.motionGain,
    t0: o.motionPhase * 10,
  };
}

const TAU = 2 * Math.PI;
const frac = (x: number): number => x - Math.floor(x);

/** Pose at time t into out = [x, y, z, rx, ry, rz] (metres, radians). */
export function pose(p: MotionParams, time: number, out: Float64Array): void {
  const t = time + p.t0,
    f = p.freq,
    A = p.amp,
    w = TAU * f;
  let x = 0,
    y = 0,
    z = 0,
    rx = 0,
    ry = 0,
    rz = 0;
  const since = (rate: number): number => frac(t * rate) / rate; // seconds since the last event
  switch (p.kind) {
    case 'gait':
      z = A * Math.abs(Math.sin(Math.PI * f * t)) ** 3;
      x = 1.2 * t;
      rz = 0.15 * Math.sin(TAU * 0.25 * t);
      ry = 0.05 * Math.sin(w * t);
      break;
    case 'stalk': {
      const gate = 0.5 + 0.5 * Math.sin(TAU * 0.3 * t);
      z = A * gate * Math.abs(Math.sin(Math.PI * f * t)) ** 3;
      x = 0.3 * t;
      rz = 0.3 * Math.sin(TAU * 0.15 * t);
      break;
    }
    case 'flap':
      z = A * Math.sin(w * t);
      rx = 0.1 * Math.sin(w * t + Math.PI / 2);
      x = 2 * t;
      rz = 0.2 * Math.sin(TAU * 0.5 * t);
      break;
    case 'drive':
      x = 8 * t - (A / (w * w)) * Math.sin(w * t);
      z = 0.00003 * Math.sin(TAU * 33 * t);
      rz = 0.2 * Math.sin(TAU * 0.1 * t);
      break;
    case 'rail': {
      const s = since(f);
      x = 15 * t;
      z = A * Math.sin(TAU * 12 * s) * Math.exp(-s / 0.05);
      rx = 0.02 * Math.sin(TAU * 0.4 * t);
      break;
    }
    case 'hover':
      z = 0.3 * Math.sin(TAU * 0.25 * t) + A * Math.sin(w * t + 1);
      x = A * Math.sin(w * t);
      rz = 0.4 * t;
      ry = 0.05 * Math.sin(TAU * 0.3 * t);
      break;
    case 'hits': {
      const s = since(f);
      z = -A * Math.exp(-s / 0.04) * Math.sin(TAU * 25 * s);
      break;
    }
    case 'bowing':
      x = A * Math.sin(w * t);
      ry = 0.03 * Math.sin(TAU * 6 * t);
      rx = 0.2;
      break;
    case 'swing':
      rx = A * Math.sin(w * t);
      y = 0.5 * Math.sin(rx);
      z = -0.5 * Math.cos(rx);
      break;
    case 'turbulence':
      for (const [k, ph] of [
        [0.6, 0.3],
        [1, 1.7],
        [1.4, 2.9],
        [2.1, 4.1],
      ]) {
        z += A * Math.sin(w * k * t + ph);
        x += 0.5 * A * Math.sin(w * k * 1.3 * t + 2 * ph);
      }
      break;
    case 'flicker':
      x = A * Math.sin(w * t);
      ry = 0.01 * Math.sin(w * 1.7 * t);
      break;
    case 'tick': {
      const s = since(f);
      x = A * Math.exp(-s / 0.015) * Math.sin(TAU * 60 * s);
      ry = 0.01 * Math.sin(TAU * 0.5 * t);
      break;
    }
    case 'jump': {
      const s = since(f) / 0.35;
      // sin² take-off and landing keep the jump's acceleration finite.
      const u = Math.min(1, s);
      z = A * Math.sin(Math.PI * u) ** 2;
      x = 0.25 * Math.floor(t * f) + 0.25 * (u - Math.sin(TAU * u) / TAU);
      break;
    }
    case 'buzz':
      x = A * Math.sin(w * t) + 0.05 * Math.sin(TAU * 0.7 * t);
      y = A * Math.sin(w * t + 2);
      z = A * Math.sin(w * t + 4) + 0.04 * Math.sin(TAU * 1.1 * t);
      rx = 0.3 * Math.sin(TAU * 1.3 * t);
      ry = 0.3 * Math.sin(TAU * 2.1 * t);
      rz = 0.3 * Math.sin(TAU * 2.9 * t);
      break;
    case 'engine':
      z = A * Math.sin(w * t);
      x = 10 * t + (1.5 / (TAU * 0.2) ** 2) * Math.sin(TAU * 0.2 * t);
      ry = 0.35 * Math.sin(TAU * 0.15 * t);
      break;
    // The drum spins; the cabinet carrying the sensor only wobbles at the drum's frequency.
    case 'spin':
      rz = 0.02 * Math.sin(w * t);
      x = A * Math.sin(w * t);
      y = A * Math.cos(w * t);
      break;
  }
  out[0] = x;
  out[1] = y;
  out[2] = z;
  out[3] = rx;
  out[4] = ry;
  out[5] = rz;
}
