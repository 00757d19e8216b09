/**
 * Depth → disparity, as Omnivore (whose depth recipe ImageBind reuses) converts SUN RGB-D:
 * `disparity = baseline * focal / clip(depth_m, min_depth, max_depth)`.
 * Source: facebookresearch/omnivore issue #12 (answer by an author), quoted by ImageBind #69/#134.
 */

/** Stereo baselines (metres) per sensor, from Omnivore's SUN RGB-D conversion snippet. */
export const SENSOR_BASELINES = {
  'kinect-v1': 0.075,
  'kinect-v2': 0.075,
  realsense: 0.095,
  /** Omnivore's comment: "guessed based on length of 18cm for ASUS xtion v1". */
  xtion: 0.095,
} as const;
export type SensorPreset = keyof typeof SENSOR_BASELINES;

/**
 * Default focal length: NYU Depth v2's Kinect v1 depth camera, fx = 518.857901 px (NYU toolbox
 * camera_params.m; the value ImageBind users report for NYU, ImageBind issue #107). Other sensors
 * vary per device: read fx from the dataset's intrinsics (SUN RGB-D: intrinsics.txt, first number).
 */
export const NYU_FOCAL_LENGTH = 518.857901;

export interface SensorParams {
  baseline: number;
  focalLength: number;
}

export interface DisparityOptions {
  /** Sensor whose baseline to use; default 'kinect-v1'. `baseline` (metres) overrides it. */
  sensor?: SensorPreset;
  baseline?: number;
  /** fx in pixels of the depth image as given (before our resize); default NYU_FOCAL_LENGTH. */
  focalLength?: number;
  /** Valid depths are clipped to [minDepth, maxDepth] metres before inverting (Omnivore: 0.01, 50). */
  minDepth?: number;
  maxDepth?: number;
  /**
   * Pixels with depth <= 0 or non-finite (sensor holes). 'zero' (default): disparity 0, i.e.
   * "infinitely far / unknown". 'clip': Omnivore's literal behaviour, clip to minDepth first, which
   * turns holes into the *largest* disparity (baseline*focal/0.01).
   */
  invalid?: 'zero' | 'clip';
}

export function resolveSensor(opts: DisparityOptions): SensorParams {
  const preset = SENSOR_BASELINES[opts.sensor ?? 'kinect-v1'];
  if (preset === undefined)
    throw new RangeError(`unknown depth sensor '${opts.sensor}' (known: ${Object.keys(SENSOR_BASELINES).join(', ')})`);
  const baseline = opts.baseline ?? preset;
  const focalLength = opts.focalLength ?? NYU_FOCAL_LENGTH;
  if (!(baseline > 0) || !(focalLength > 0))
    throw new RangeError(`baseline and focalLength must be positive (got ${baseline}, ${focalLength})`);
  return { baseline, focalLength };
}

/** Element-wise disparity from depth in metres, in float32 like the NumPy original. */
export function depthToDisparity(depthMetres: Float32Array, opts: DisparityOptions = {}): Float32Array {
  const { baseline, focalLength } = resolveSensor(opts);
  const minD = Math.fround(opts.minDepth ?? 0.01);
  const maxD = Math.fround(opts.maxDepth ?? 50);
  if (!(minD > 0) || !(maxD >= minD)) throw new RangeError(`need 0 < minDepth <= maxDepth (got ${minD}, ${maxD})`);
  // NumPy casts the Python-float product to float32 before dividing a float32 array by it.
  const bf = Math.fround(baseline * focalLength);
  const clipHoles = opts.invalid === 'clip';
  const out = new Float32Array(depthMetres.length);
  for (let i = 0; i < out.length; i++) {
    const d = depthMetres[i];
    if (!(d > 0) || !Number.isFinite(d)) {
      out[i] = clipHoles && !Number.isNaN(d) ? (d > 0 ? bf / maxD : bf / minD) : 0;
      continue;
    }
    out[i] = bf / Math.min(maxD, Math.max(minD, d));
  }
  return out;
}
