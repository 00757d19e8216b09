/**
 * Scene → IMU log of the primary object: 6 × 2000 float32, channel-major in the order
 * [acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z] (m/s² including gravity, rad/s), 5 s at 400 Hz.
 * Specific force and body rates come from the class pose (motion.ts), then a random sensor
 * mounting rotation, a per-recording bias and white noise.
 */
import type { Rng } from '../../core/random.ts';
import { motionParams, pose } from './motion.ts';
import { primaryOf, type Scene } from './scene.ts';

export const IMU_RATE = 400;
export const IMU_STEPS = 2000;
export const GRAVITY = 9.80665;

/** Body→world rotation R = Rz(rz)·Ry(ry)·Rx(rx), row-major. */
function rotation(rx: number, ry: number, rz: number, out: Float64Array): void {
  const [cx, sx, cy, sy, cz, sz] = [Math.cos(rx), Math.sin(rx), Math.cos(ry), Math.sin(ry), Math.cos(rz), Math.sin(rz)];
  out[0] = cz * cy;
  out[1] = cz * sy * sx - sz * cx;
  out[2] = cz * sy * cx + sz * sx;
  out[3] = sz * cy;
  out[4] = sz * sy * sx + cz * cx;
  out[5] = sz * sy * cx - cz * sx;
  out[6] = -sy;
  out[7] = cy * sx;
  out[8] = cy * cx;
}

export function renderImu(scene: Scene, rng: Rng, steps = IMU_STEPS): Float32Array {
  const mp = motionParams(primaryOf(scene));
  const h = 1 / IMU_RATE;
  const poses = new Float64Array((steps + 2) * 6);
  const p = new Float64Array(6);
  for (let i = 0; i < steps + 2; i++) {
    pose(mp, (i - 1) * h, p);
    poses.set(p, i * 6);
  }
  const M = scene.imuMount;
  const R = new Float64Array(9);
  const sa = 0.04 * scene.noise,
    sg = 0.004 * scene.noise;
  const bias = [0, 1, 2, 3, 4, 5].map((k) => (rng.next() * 2 - 1) * (k < 3 ? 0.08 : 0.01));
  const out = new Float32Array(6 * steps);
  const fw = [0, 0, 0],
    ww = [0, 0, 0],
    body = [0, 0, 0, 0, 0, 0];
  for (let i = 0; i < steps; i++) {
    const a = (i + 1) * 6,
      b = i * 6,
      c = (i + 2) * 6;
    for (let k = 0; k < 3; k++) {
      fw[k] = (poses[c + k] - 2 * poses[a + k] + poses[b + k]) / (h * h);
      ww[k] = (poses[c + 3 + k] - poses[b + 3 + k]) / (2 * h);
    }
    fw[2] += GRAVITY; // an accelerometer at rest reads +g upwards
    rotation(poses[a + 3], poses[a + 4], poses[a + 5], R);
    // World → body is Rᵀ; Euler rates stand in for the world angular velocity (small tilts).
    for (let k = 0; k < 3; k++) {
      body[k] = R[k] * fw[0] + R[3 + k] * fw[1] + R[6 + k] * fw[2];
      body[3 + k] = R[k] * ww[0] + R[3 + k] * ww[1] + R[6 + k] * ww[2];
    }
    for (let k = 0; k < 3; k++) {
      const acc = M[3 * k] * body[0] + M[3 * k + 1] * body[1] + M[3 * k + 2] * body[2];
      const gyr = M[3 * k] * body[3] + M[3 * k + 1] * body[4] + M[3 * k + 2] * body[5];
      out[k * steps + i] = acc + bias[k] + (rng.next() + rng.next() - 1) * sa * 2.45;
      out[(3 + k) * steps + i] = gyr + bias[3 + k] + (rng.next() + rng.next() - 1) * sg * 2.45;
    }
  }
  return out;
}
