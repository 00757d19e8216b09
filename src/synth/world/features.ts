/**
 * Hand-made features per modality and a nearest-class-mean classifier: a sanity baseline showing
 * that each modality alone carries class information (the premise of learning a binding from
 * image pairs only), and a yardstick for learned encoders.
 */
import { audioInput } from './tensors.ts';
import type { RawRgb } from './render-image.ts';
import { IMU_RATE, IMU_STEPS } from './render-imu.ts';
import type { RawByModality, WorldModality } from './world.ts';

/** 4×4×4 colour histogram (fractions of pixels). */
function colourHist(img: RawRgb): Float64Array {
  const h = new Float64Array(64),
    d = img.data,
    n = d.length / 3;
  for (let i = 0; i < d.length; i += 3) h[((d[i] >> 6) << 4) | ((d[i + 1] >> 6) << 2) | (d[i + 2] >> 6)] += 1 / n;
  return h;
}

/** Per mel bin: mean and spread over time of one official log-mel clip. */
function audioFeatures(wave: Float32Array): Float64Array {
  const t = audioInput(wave, 1),
    [, , bins, frames] = t.shape;
  const out = new Float64Array((bins / 4) * 2);
  for (let b = 0; b < bins; b++) {
    let s = 0,
      s2 = 0;
    for (let f = 0; f < frames; f++) {
      const v = t.data[b * frames + f];
      s += v;
      s2 += v * v;
    }
    const m = s / frames;
    out[b >> 2] += m / 4;
    out[bins / 4 + (b >> 2)] += Math.sqrt(Math.max(0, s2 / frames - m * m)) / 4;
  }
  return out;
}

/**
 * Histogram of log depth (0.2–60 m) over the frame, plus the relief of the nearest region: depth of
 * pixels within 50% of the nearest depth, relative to that nearest depth (the object's form).
 */
function depthFeatures(depth: Float32Array): Float64Array {
  const h = new Float64Array(32 + 12),
    lo = Math.log(0.2),
    span = Math.log(60) - lo;
  let near = Infinity;
  for (const d of depth) {
    h[Math.max(0, Math.min(31, Math.floor(((Math.log(d) - lo) / span) * 32)))] += 1 / depth.length;
    if (d < near) near = d;
  }
  let count = 0;
  for (const d of depth)
    if (d < near * 1.5) {
      h[32 + Math.min(9, Math.floor(((d / near - 1) / 0.5) * 10))]++;
      count++;
    }
  for (let k = 32; k < 42; k++) h[k] /= count;
  h[42] = Math.log(near);
  h[43] = count / depth.length;
  return h;
}

/** Histogram of brightness relative to the median (the background), so the shot's gain matters less. */
function thermalFeatures(th: Uint8Array): Float64Array {
  const counts = new Uint32Array(256);
  for (const v of th) counts[v]++;
  let med = 0;
  for (let acc = 0; acc < th.length / 2; med++) acc += counts[med];
  const h = new Float64Array(34);
  for (let v = 0; v < 256; v++) h[Math.max(0, Math.min(31, Math.floor((v - med + 128) / 8)))] += counts[v] / th.length;
  h[32] = med / 255;
  let top = 255;
  while (top > 0 && counts[top] === 0) top--;
  h[33] = top / 255;
  return h;
}

/** Log band power (Goertzel) of |acc| and |gyro|: invariant to the random sensor mounting. */
function imuFeatures(imu: Float32Array): Float64Array {
  const n = IMU_STEPS,
    freqs = Array.from({ length: 20 }, (_, k) => 0.3 * Math.pow(190 / 0.3, k / 19));
  const out = new Float64Array(2 * (freqs.length + 1));
  for (let s = 0; s < 2; s++) {
    const mag = new Float64Array(n);
    for (let i = 0; i < n; i++)
      mag[i] = Math.hypot(imu[3 * s * n + i], imu[(3 * s + 1) * n + i], imu[(3 * s + 2) * n + i]);
    let mean = 0;
    for (const v of mag) mean += v / n;
    let varr = 0;
    for (let i = 0; i < n; i++) {
      mag[i] -= mean;
      varr += (mag[i] * mag[i]) / n;
    }
    const base = s * (freqs.length + 1);
    out[base] = Math.log(varr + 1e-9);
    freqs.forEach((f, k) => {
      const c = 2 * Math.cos((2 * Math.PI * f) / IMU_RATE);
      let q1 = 0,
        q2 = 0;
      for (let i = 0; i < n; i++) {
        const q0 = c * q1 - q2 + mag[i];
        q2 = q1;
        q1 = q0;
      }
      out[base + 1 + k] = Math.log((q1 * q1 + q2 * q2 - c * q1 * q2) / n + 1e-9);
    });
  }
  return out;
}

export type FeatureModality = Exclude<WorldModality, 'text'>;

export function simpleFeatures<M extends FeatureModality>(modality: M, raw: RawByModality[M]): Float64Array {
  const r = raw as RawByModality[FeatureModality];
  switch (modality) {
    case 'image':
      return colourHist(r as RawRgb);
    case 'video':
      return colourHist((r as RawRgb[])[0]);
    case 'audio':
      return audioFeatures(r as Float32Array);
    case 'depth':
      return depthFeatures(r as Float32Array);
    case 'thermal':
      return thermalFeatures(r as Uint8Array);
    case 'imu':
      return imuFeatures(r as Float32Array);
    default:
      throw new RangeError(`no simple features for '${String(modality)}'`);
  }
}

/**
 * Nearest class mean after per-dimension standardisation (statistics from the training set).
 * Returns test accuracy in [0, 1].
 */
export function nearestMeanAccuracy(
  trainX: readonly Float64Array[],
  trainY: readonly number[],
  testX: readonly Float64Array[],
  testY: readonly number[],
  numClasses: number,
): number {
  const d = trainX[0].length,
    mu = new Float64Array(d),
    sd = new Float64Array(d);
  for (const x of trainX) for (let j = 0; j < d; j++) mu[j] += x[j] / trainX.length;
  for (const x of trainX) for (let j = 0; j < d; j++) sd[j] += (x[j] - mu[j]) ** 2 / trainX.length;
  for (let j = 0; j < d; j++) sd[j] = Math.sqrt(sd[j]) + 1e-6;
  const z = (x: Float64Array): Float64Array => x.map((v, j) => (v - mu[j]) / sd[j]);
  const means = Array.from({ length: numClasses }, () => new Float64Array(d));
  const counts = new Array<number>(numClasses).fill(0);
  trainX.forEach((x, i) => {
    const zx = z(x);
    counts[trainY[i]]++;
    for (let j = 0; j < d; j++) means[trainY[i]][j] += zx[j];
  });
  means.forEach((m, c) => {
    for (let j = 0; j < d; j++) m[j] /= Math.max(1, counts[c]);
  });
  let correct = 0;
  testX.forEach((x, i) => {
    const zx = z(x);
    let best = -1,
      bestD = Infinity;
    means.forEach((m, c) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += (zx[j] - m[j]) ** 2;
      if (counts[c] > 0 && s < bestD) {
        bestD = s;
        best = c;
      }
    });
    if (best === testY[i]) correct++;
  });
  return correct / testX.length;
}
