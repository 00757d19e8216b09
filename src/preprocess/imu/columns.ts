/**
 * Recognising IMU columns by name, and the unit of a time column. Logs come from phones, Ego4D
 * (`accl_x`, `canonical_timestamp_ms`), sensor apps and hand-written scripts, so names are
 * normalised (case, separators, bracketed units) before matching.
 */
import { MediaError } from '../../core/errors.ts';

/** The model's channel order: ImageBind's IMU input is B × 6 × 2000 in this order. */
export const IMU_CHANNELS = ['acc_x', 'acc_y', 'acc_z', 'gyro_x', 'gyro_y', 'gyro_z'] as const;
export type ImuChannel = (typeof IMU_CHANNELS)[number];
export type TimeUnit = 's' | 'ms' | 'us' | 'ns';
export type ColumnOverrides = Partial<Record<ImuChannel | 'time', string>>;

const ACC = ['a', 'acc', 'accl', 'accel', 'accelerometer', 'acceleration'];
const GYRO = ['g', 'gyr', 'gyro', 'gyroscope'];
const UNIT: Record<string, TimeUnit> = {
  s: 's',
  sec: 's',
  secs: 's',
  seconds: 's',
  ms: 'ms',
  msec: 'ms',
  millis: 'ms',
  us: 'us',
  usec: 'us',
  micros: 'us',
  ns: 'ns',
  nsec: 'ns',
  nanos: 'ns',
};
const BASE_RE = /^(canonical|component)?(timestamp|time|ts|t)$/;
const TIME_RE =
  /^(canonical|component)?(timestamp|time|ts|t)(s|secs|sec|seconds|ms|msec|millis|us|usec|micros|ns|nsec|nanos)?$/;

function tokens(header: string): string[] {
  return header
    .toLowerCase()
    .replace(/[([{][^)\]}]*[)\]}]/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** The channel a header names, if any (`Acc X (m/s^2)` → acc_x, `gyroscope.z` → gyro_z). */
export function channelOf(header: string): ImuChannel | undefined {
  const joined = tokens(header).join('');
  const m = /^([a-z]+)([xyz])$/.exec(joined);
  if (!m) return undefined;
  if (ACC.includes(m[1])) return `acc_${m[2]}` as ImuChannel;
  if (GYRO.includes(m[1])) return `gyro_${m[2]}` as ImuChannel;
  return undefined;
}

/** Whether a header names a time column, its priority (Ego4D canonical first) and unit hint. */
export function timeColumnOf(header: string): { rank: number; unit?: TimeUnit } | undefined {
  const tk = tokens(header);
  const joined = tk.join('');
  if (joined === 'seconds' || joined === 'sec') return { rank: 3, unit: 's' };
  const rank = (prefix: string | undefined): number => (prefix === 'canonical' ? 1 : prefix === 'component' ? 2 : 3);
  // A separate unit word ("t_s", "time ms", "canonical_timestamp_ms") is always a unit.
  const last = tk[tk.length - 1];
  if (tk.length > 1 && UNIT[last]) {
    const base = BASE_RE.exec(tk.slice(0, -1).join(''));
    if (base) return { rank: rank(base[1]), unit: UNIT[last] };
  }
  const m = TIME_RE.exec(joined);
  if (!m) return undefined;
  // A bare "s" glued to the word ("ts", "times") is not read as a unit; "timestampMs" is.
  return { rank: rank(m[1]), unit: m[3] && m[3] !== 's' ? UNIT[m[3]] : undefined };
}

export interface ColumnChoice {
  /** Column index for each channel, in IMU_CHANNELS order. */
  channels: number[];
  time?: { index: number; unit?: TimeUnit };
  notes: string[];
}

/** Picks the six channel columns and the time column from a header row. */
export function chooseColumns(
  headers: readonly string[],
  source: string,
  overrides: ColumnOverrides = {},
): ColumnChoice {
  const notes: string[] = [];
  const find = (name: string, what: string): number => {
    let i = headers.findIndex((h) => h.trim() === name);
    if (i < 0) i = headers.findIndex((h) => h.trim().toLowerCase() === name.toLowerCase());
    if (i < 0) {
      throw new MediaError(
        'IMU_MISSING_COLUMNS',
        `${source}: column "${name}" (given for ${what}) is not in the header ` +
          `[${headers.join(', ')}]. Fix the columns option.`,
      );
    }
    return i;
  };
  const channels = IMU_CHANNELS.map((ch) => {
    if (overrides[ch] !== undefined) return find(overrides[ch] as string, ch);
    const hits = headers.map((h, i) => (channelOf(h) === ch ? i : -1)).filter((i) => i >= 0);
    if (hits.length > 1) {
      throw new MediaError(
        'IMU_AMBIGUOUS_COLUMNS',
        `${source}: several columns could be ${ch}: ` +
          `${hits.map((i) => `"${headers[i]}"`).join(', ')}. Say which with the columns option, e.g. { ${ch}: "${headers[hits[0]]}" }.`,
      );
    }
    return hits.length ? hits[0] : -1;
  });
  const missing = IMU_CHANNELS.filter((_, k) => channels[k] < 0);
  if (missing.length) {
    throw new MediaError(
      'IMU_MISSING_COLUMNS',
      `${source}: no column for ${missing.join(', ')} (header: [${headers.join(', ')}]). ` +
        'Expected accelerometer x/y/z in m/s² and gyroscope x/y/z in rad/s, named like acc_x | ax | accel_x | accelerometer_x | accl_x ' +
        'and gyro_x | gx | gyroscope_x, or map them with the columns option.',
    );
  }
  let time: ColumnChoice['time'];
  if (overrides.time !== undefined) {
    const index = find(overrides.time, 'time');
    time = { index, unit: timeColumnOf(headers[index])?.unit };
  } else {
    const cands = headers
      .map((h, i) => ({ i, t: timeColumnOf(h) }))
      .filter((c) => c.t !== undefined)
      .sort((a, b) => (a.t?.rank ?? 9) - (b.t?.rank ?? 9) || a.i - b.i);
    if (cands.length) {
      time = { index: cands[0].i, unit: cands[0].t?.unit };
      if (cands.length > 1)
        notes.push(
          `time column "${headers[cands[0].i]}" used (also found ${cands
            .slice(1)
            .map((c) => `"${headers[c.i]}"`)
            .join(', ')})`,
        );
    }
  }
  notes.push(
    `columns: ${IMU_CHANNELS.map((ch, k) => `${ch}="${headers[channels[k]]}"`).join(', ')}` +
      (time ? `, time="${headers[time.index]}"` : ', no time column'),
  );
  return { channels, time, notes };
}

// Divisors, not factors: v / 1000 is correctly rounded, v * 1e-3 is not.
const PER_SECOND: Record<TimeUnit, number> = { s: 1, ms: 1e3, us: 1e6, ns: 1e9 };

/**
 * The unit of raw timestamps: an explicit option, else the column name, else the median step.
 * IMUs sample at roughly 5 Hz – 2 kHz, and over that range the median step alone separates the
 * units: ≤ 0.2 → s, ≤ 200 → ms, ≤ 2·10⁵ → µs, else ns.
 */
export function timeScale(
  raw: ArrayLike<number>,
  given?: TimeUnit,
  hinted?: TimeUnit,
): { perSecond: number; note: string } {
  if (given) return { perSecond: PER_SECOND[given], note: `time unit ${given} (from the timeUnit option)` };
  if (hinted) return { perSecond: PER_SECOND[hinted], note: `time unit ${hinted} (from the column name)` };
  const steps: number[] = [];
  for (let i = 1; i < raw.length; i++) if (raw[i] > raw[i - 1]) steps.push(raw[i] - raw[i - 1]);
  steps.sort((a, b) => a - b);
  const med = steps.length ? steps[steps.length >> 1] : 0;
  const unit: TimeUnit = med <= 0.2 ? 's' : med <= 200 ? 'ms' : med <= 2e5 ? 'us' : 'ns';
  return {
    perSecond: PER_SECOND[unit],
    note: `time unit ${unit} (guessed from the median step ${med}; set timeUnit to override)`,
  };
}
