/**
 * Six IMU series (+ optional timestamps) → the model's input: Float32 `[6, 2000]` (or
 * `[N, 6, 2000]` in windows mode), channels [acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z].
 * Pure: no I/O, so it also serves data already in memory.
 */
import { ConfigError, MediaError } from '../../core/errors.ts';
import { tensor, type Float32Tensor } from '../../core/tensor.ts';
import { IMU_CHANNELS, type ColumnOverrides, type TimeUnit } from './columns.ts';
import { medianStep, resampleInto, windowStarts, type PadMode, type WindowMode } from './resample.ts';

export interface ImuOptions {
  /** Seconds of signal per model input (default 5). */
  windowSec?: number;
  /** Time steps per model input (default 2000, the model's fixed length). */
  steps?: number;
  /** Longer logs: one centred window (default), the first window, or all non-overlapping windows. */
  mode?: WindowMode;
  /** Windows mode: seconds between window starts (default windowSec). */
  hopSec?: number;
  /** Shorter logs: pad with zeros (default, as the official audio pipeline does) or the last value. */
  pad?: PadMode;
  /** Rate of logs without timestamps (default steps / windowSec = 400 Hz: copied as is). */
  sampleRateHz?: number;
  /** Unit of raw timestamps in files; default: from the column name, else guessed. */
  timeUnit?: TimeUnit;
  /** Exact header names for channels / time, when automatic matching fails or is ambiguous. */
  columns?: ColumnOverrides;
  /** `.npy` only: which axis is time. Default 'auto' (the axis that is not 6; 6×6 → time-major). */
  layout?: 'auto' | 'time-major' | 'channel-major';
  /** Accelerometer unit in the input; 'g' is converted to m/s² (× 9.80665). */
  accelUnit?: 'm/s2' | 'g';
  /** Gyroscope unit in the input; 'deg/s' is converted to rad/s. */
  gyroUnit?: 'rad/s' | 'deg/s';
}

export interface ImuResult {
  tensor: Float32Tensor;
  /** Things the caller should probably act on (padding, suspicious units, unsorted times). */
  warnings: string[];
  /** How the input was read (columns, layout, units, rate, window). */
  notes: string[];
}

export interface ImuColumns {
  /** Six equally long series in IMU_CHANNELS order. */
  channels: readonly ArrayLike<number>[];
  /** Sample times in seconds (any origin). Omit for uniformly sampled data. */
  time?: ArrayLike<number>;
  /** Names the data in messages (usually the file path). */
  source?: string;
  /** Location of sample i in the source, for messages (default "sample i"). */
  rowLabel?: (i: number) => string;
  /** Rate the source declares, used when there are no timestamps and no sampleRateHz option. */
  declaredRateHz?: number;
}

export const IMU_DEFAULTS = { windowSec: 5, steps: 2000, mode: 'crop-center', pad: 'zero' } as const;
const G = 9.80665;

function checkOptions(o: ImuOptions): void {
  const bad = (w: string): never => {
    throw new ConfigError('BAD_OPTION', `IMU options: ${w}.`);
  };
  if (o.windowSec !== undefined && !(o.windowSec > 0)) bad(`windowSec must be positive (got ${o.windowSec})`);
  if (o.steps !== undefined && !(Number.isInteger(o.steps) && o.steps > 0))
    bad(`steps must be a positive integer (got ${o.steps})`);
  if (o.hopSec !== undefined && !(o.hopSec > 0)) bad(`hopSec must be positive (got ${o.hopSec})`);
  if (o.sampleRateHz !== undefined && !(o.sampleRateHz > 0))
    bad(`sampleRateHz must be positive (got ${o.sampleRateHz})`);
  if (o.mode !== undefined && !['crop-center', 'crop-start', 'windows'].includes(o.mode))
    bad(`mode must be crop-center, crop-start or windows (got ${String(o.mode)})`);
}

export function imuFromColumns(cols: ImuColumns, opts: ImuOptions = {}): ImuResult {
  checkOptions(opts);
  const src = cols.source ?? '<imu data>';
  const label = cols.rowLabel ?? ((i: number) => `sample ${i}`);
  const window = opts.windowSec ?? IMU_DEFAULTS.windowSec;
  const steps = opts.steps ?? IMU_DEFAULTS.steps;
  const mode = opts.mode ?? IMU_DEFAULTS.mode;
  const pad = opts.pad ?? IMU_DEFAULTS.pad;
  const warnings: string[] = [];
  const notes: string[] = [];
  if (cols.channels.length !== 6) {
    throw new MediaError(
      'IMU_BAD_SHAPE',
      `${src}: IMU data needs 6 channels (${IMU_CHANNELS.join(', ')}), got ${cols.channels.length}.`,
    );
  }
  const n = cols.channels[0].length;
  if (n === 0)
    throw new MediaError('IMU_EMPTY', `${src}: the IMU log has no samples. Pass a log with at least one sample.`);
  cols.channels.forEach((c, k) => {
    if (c.length !== n)
      throw new MediaError(
        'IMU_BAD_SHAPE',
        `${src}: channel ${IMU_CHANNELS[k]} has ${c.length} samples, ${IMU_CHANNELS[0]} has ${n}.`,
      );
  });
  if (cols.time && cols.time.length !== n)
    throw new MediaError('IMU_BAD_SHAPE', `${src}: ${cols.time.length} timestamps for ${n} samples.`);
  const nonFinite = (i: number, what: string, v: number): never => {
    // `what` is "channel k (name)": k is the array index for .npy, the position in IMU_CHANNELS.
    throw new MediaError(
      'IMU_NONFINITE',
      `${src}: ${label(i)}, ${what}: value is ${v}. ` +
        'Remove or interpolate missing readings before embedding (NaN/Inf would poison the whole embedding).',
    );
  };
  const scale = [1, 1, 1, 1, 1, 1];
  if (opts.accelUnit === 'g') {
    scale.fill(G, 0, 3);
    notes.push('accelerometer converted from g to m/s²');
  }
  if (opts.gyroUnit === 'deg/s') {
    scale.fill(Math.PI / 180, 3, 6);
    notes.push('gyroscope converted from deg/s to rad/s');
  }
  const x = cols.channels.map((c, k) => {
    const a = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = c[i];
      if (!Number.isFinite(v)) nonFinite(i, `channel ${k} (${IMU_CHANNELS[k]})`, v);
      a[i] = v * scale[k];
    }
    return a;
  });
  unitWarnings(x, opts, warnings);

  // The time axis, in "units": seconds for timestamps, samples for untimed data (so a log at
  // the target rate maps sample j to step j exactly, with no interpolation).
  let t: Float64Array;
  let perSec: number;
  let rows = Array.from({ length: n }, (_, i) => i);
  if (cols.time) {
    const tm = cols.time;
    for (let i = 0; i < n; i++) if (!Number.isFinite(tm[i])) nonFinite(i, 'time', tm[i]);
    if (rows.some((r, i) => i > 0 && tm[r] < tm[rows[i - 1]])) {
      rows = rows.sort((a, b) => tm[a] - tm[b] || a - b);
      warnings.push(`${src}: timestamps are not in increasing order; samples were sorted by time.`);
    }
    const kept = rows.filter((r, i) => i === 0 || tm[r] !== tm[rows[i - 1]]);
    if (kept.length < rows.length)
      warnings.push(`${src}: ${rows.length - kept.length} samples with repeated timestamps were dropped (first kept).`);
    rows = kept;
    t = Float64Array.from(rows, (r) => tm[r]);
    perSec = 1;
    if (opts.sampleRateHz) notes.push('timestamps present: sampleRateHz ignored');
  } else {
    const rate = opts.sampleRateHz ?? cols.declaredRateHz ?? steps / window;
    const origin = opts.sampleRateHz
      ? 'sampleRateHz option'
      : cols.declaredRateHz
        ? 'declared in the file'
        : `assumed: ${steps} steps per ${window} s`;
    notes.push(`no timestamps: uniform sampling at ${rate} Hz (${origin})`);
    t = Float64Array.from(rows);
    perSec = rate;
  }
  const xs = rows.length === n ? x : x.map((a) => Float64Array.from(rows, (r) => a[r]));
  const dt = t.length > 1 ? medianStep(t) : (window * perSec) / steps;
  if (cols.time && t.length > 1)
    notes.push(`timestamps: median interval ${(dt * 1000).toFixed(3)} ms (≈ ${(1 / dt).toFixed(1)} Hz)`);
  const span = t[t.length - 1] + dt - t[0];
  const win = window * perSec;
  const hop = (opts.hopSec ?? window) * perSec;
  const { starts, uncovered } = windowStarts(t, span, win, mode, hop);
  const total = starts.length * 6 * steps;
  const data = new Float32Array(total);
  let padded = 0;
  starts.forEach((s, w) => {
    for (let k = 0; k < 6; k++) padded = resampleInto(t, xs[k], dt, s, win, steps, pad, data, (w * 6 + k) * steps);
  });
  const secs = (u: number): string => (u / perSec).toFixed(3);
  notes.push(
    `window ${window} s → ${steps} steps (${(steps / window).toFixed(1)} Hz), linear interpolation, mode ${mode}` +
      (mode === 'windows'
        ? `, ${starts.length} window(s) every ${secs(hop)} s`
        : `, start ${secs(starts[0] - t[0])} s`),
  );
  if (padded > 0) {
    warnings.push(
      `${src}: the log covers ${secs(span)} s, shorter than the ${window} s window; the last ${padded} of ${steps} steps ` +
        `are ${pad === 'zero' ? 'zeros' : 'copies of the last reading'}.`,
    );
  }
  if (uncovered > 1e-9 * win) notes.push(`${secs(uncovered)} s of the ${secs(span)} s log are outside the window(s)`);
  const shape = mode === 'windows' ? [starts.length, 6, steps] : [6, steps];
  return { tensor: tensor('float32', shape, data), warnings, notes };
}

/** Flags the two classic unit mix-ups, which the model cannot recover from. */
function unitWarnings(x: Float64Array[], opts: ImuOptions, warnings: string[]): void {
  const n = x[0].length;
  if (!opts.accelUnit) {
    const mags: number[] = [];
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 512))) mags.push(Math.hypot(x[0][i], x[1][i], x[2][i]));
    mags.sort((a, b) => a - b);
    const med = mags[mags.length >> 1];
    if (med > 0.5 && med < 1.5)
      warnings.push(
        `accelerometer magnitude is about ${med.toFixed(2)}: this looks like g, not m/s²; pass accelUnit: 'g' if so.`,
      );
  }
  if (!opts.gyroUnit) {
    let max = 0;
    for (let k = 3; k < 6; k++) for (let i = 0; i < n; i++) max = Math.max(max, Math.abs(x[k][i]));
    if (max > 35)
      warnings.push(
        `gyroscope reaches ${max.toFixed(1)}: above 35 rad/s is implausible, this looks like deg/s; pass gyroUnit: 'deg/s' if so.`,
      );
  }
}
