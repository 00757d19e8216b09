/**
 * One scene: the single source of truth every modality renders from. Plain JSON data; all
 * randomness of *what* is in the world is drawn here, renderers only add sensor noise.
 */
import type { Rng } from '../../core/random.ts';
import { classById, NUM_CLASSES } from './classes.ts';
import { clamp, pick, uniform } from './rand.ts';
import type { Rgb } from './spec.ts';

export interface SceneObject {
  classId: number;
  /** Centre in image fractions (0..1, y down). */
  cx: number;
  cy: number;
  /** Silhouette radius as a fraction of image width. */
  radius: number;
  aspect: number;
  rotation: number;
  palette: [Rgb, Rgb];
  textureFreq: number;
  texturePhase: number;
  /** Metres from the camera; distractors are farther than the primary and drawn behind it. */
  distance: number;
  /** Surface and peak temperature in °C. */
  surfaceC: number;
  peakC: number;
  /** Position of this instance's pitch / tempo / motion frequency inside the class ranges (0..1). */
  pitch: number;
  tempo: number;
  /** Linear gain of this object's sound. */
  loudness: number;
  motionPhase: number;
  /** Multiplier on the class's motion amplitude. */
  motionGain: number;
}

export type BackgroundKind = 'gradient' | 'stripes' | 'blobs' | 'grid';

export interface Scene {
  objects: SceneObject[];
  background: { kind: BackgroundKind; colours: [Rgb, Rgb]; angle: number; freq: number; seed: number };
  /** Direction of the key light (radians in the image plane) and its strength (0..1). */
  light: { angle: number; strength: number; brightness: number };
  /** Sensor noise level multiplier shared by all renderers (0.5..1.5 typical). */
  noise: number;
  /** Depth room: wall distance (m), horizon row (fraction), camera height (m). */
  room: { wall: number; horizon: number; cameraHeight: number };
  ambientC: number;
  /** Temperatures mapped to 0 and 255 by the thermal camera's (fixed per shot) gain. */
  thermalRange: [number, number];
  /** Sensor mounting rotation for IMU, row-major 3×3. */
  imuMount: number[];
  /** Background noise level for audio (linear RMS). */
  audioNoise: number;
}

export interface SceneOptions {
  /** Probability of each of up to `maxDistractors` distractor objects (default 0.35). */
  distractorProb?: number;
  maxDistractors?: number;
  /** Scales every renderer's noise (default 1). */
  noise?: number;
}

function jitterColour(rng: Rng, c: Rgb, amount: number): Rgb {
  const g = 1 + (rng.next() - 0.5) * amount;
  return [0, 1, 2].map((k) => clamp(Math.round(c[k] * g + (rng.next() - 0.5) * 60 * amount), 0, 255)) as unknown as Rgb;
}

/** One object of `classId` (a primary is large and loud, a distractor small and quiet), placed at random. */
export function sampleObject(rng: Rng, classId: number, primary: boolean, ambientC: number): SceneObject {
  const spec = classById(classId);
  const u = rng.next();
  const f = spec.form;
  const radius =
    (f.scale[1] + (f.scale[0] - f.scale[1]) * u) * (0.9 + 0.2 * rng.next()) * (primary ? 1 : 0.45 + 0.2 * rng.next());
  const margin = radius * 0.75;
  const tilt = spec.visual.maxTilt;
  return {
    classId,
    cx: uniform(rng, [margin, 1 - margin]),
    cy: uniform(rng, [margin, 1 - margin]),
    radius,
    aspect: spec.visual.aspect * (0.88 + 0.24 * rng.next()),
    rotation: (rng.next() * 2 - 1) * tilt,
    palette: [jitterColour(rng, spec.visual.palette[0], 0.35), jitterColour(rng, spec.visual.palette[1], 0.35)],
    textureFreq: spec.visual.textureFreq * (0.8 + 0.4 * rng.next()),
    texturePhase: rng.next() * Math.PI * 2,
    distance: f.distance[0] + (f.distance[1] - f.distance[0]) * u,
    surfaceC: uniform(rng, spec.heat.surface) + (spec.heat.relative ? ambientC : 0),
    peakC: spec.heat.peak * (0.9 + 0.2 * rng.next()) + (spec.heat.relative ? ambientC : 0),
    pitch: rng.next(),
    tempo: rng.next(),
    loudness: primary ? 0.8 + 0.2 * rng.next() : 0.12 + 0.18 * rng.next(),
    motionPhase: rng.next(),
    motionGain: 0.7 + 0.6 * rng.next(),
  };
}

function randomRotation(rng: Rng): number[] {
  // Uniform random unit quaternion (Shoemake) → rotation matrix.
  const [u1, u2, u3] = [rng.next(), rng.next(), rng.next()];
  const a = Math.sqrt(1 - u1),
    b = Math.sqrt(u1);
  const [x, y, z, w] = [
    a * Math.sin(2 * Math.PI * u2),
    a * Math.cos(2 * Math.PI * u2),
    b * Math.sin(2 * Math.PI * u3),
    b * Math.cos(2 * Math.PI * u3),
  ];
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

const BG_KINDS: readonly BackgroundKind[] = ['gradient', 'stripes', 'blobs', 'grid'];

export function sampleScene(rng: Rng, classId: number, opts: SceneOptions = {}): Scene {
  if (!Number.isInteger(classId) || classId < 0 || classId >= NUM_CLASSES)
    throw new RangeError(`sampleScene: bad class id ${classId}`);
  const ambientC = 15 + rng.next() * 13;
  const primary = sampleObject(rng, classId, true, ambientC);
  const distractors: SceneObject[] = [];
  const prob = opts.distractorProb ?? 0.35;
  for (let k = 0; k < (opts.maxDistractors ?? 2); k++) {
    if (rng.next() >= prob) continue;
    let other = rng.int(NUM_CLASSES - 1);
    if (other >= classId) other++;
    const d = sampleObject(rng, other, false, ambientC);
    d.distance = Math.max(d.distance, primary.distance * (1.1 + 0.5 * rng.next()));
    distractors.push(d);
  }
  // Muted backgrounds keep the object's palette the dominant colour cue without making it trivial.
  const bg = (): Rgb => {
    const base = 60 + rng.next() * 150;
    return [0, 1, 2].map(() => clamp(Math.round(base + (rng.next() - 0.5) * 90), 0, 255)) as unknown as Rgb;
  };
  const noise = (opts.noise ?? 1) * (0.5 + rng.next());
  return {
    objects: [...distractors.sort((a, b) => b.distance - a.distance), primary],
    background: {
      kind: pick(rng, BG_KINDS),
      colours: [bg(), bg()],
      angle: rng.next() * Math.PI,
      freq: 2 + rng.next() * 8,
      seed: rng.nextU32(),
    },
    light: { angle: rng.next() * Math.PI * 2, strength: 0.15 + 0.35 * rng.next(), brightness: 0.75 + 0.4 * rng.next() },
    noise,
    room: { wall: 6 + rng.next() * 30, horizon: 0.45 + 0.25 * rng.next(), cameraHeight: 0.8 + rng.next() * 1.2 },
    ambientC,
    thermalRange: [ambientC - 15 - rng.next() * 8, ambientC + 25 + rng.next() * 12],
    imuMount: randomRotation(rng),
    audioNoise: (0.005 + 0.025 * rng.next()) * (opts.noise ?? 1),
  };
}

/** The primary object is drawn last, so it is always the final entry. */
export function primaryOf(scene: Scene): SceneObject {
  return scene.objects[scene.objects.length - 1];
}
