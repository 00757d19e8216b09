import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, MediaError } from '../../core/errors.ts';
import { imuFromColumns } from './imu.ts';
import { channelOf, timeColumnOf, timeScale } from './columns.ts';

/** Six distinct series: channel k at sample i is 1000·k + i (so values name their origin). */
const ramp = (n: number): Float64Array[] =>
  Array.from({ length: 6 }, (_, k) => Float64Array.from({ length: n }, (_, i) => 1000 * k + i));
/** Warnings other than the unit heuristics (synthetic ramps look like deg/s to them). */
const realWarnings = (w: string[]): string[] => w.filter((x) => !x.includes('looks like'));
const row = (d: Float32Array, k: number, steps = 2000, w = 0): Float32Array =>
  d.subarray((w * 6 + k) * steps, (w * 6 + k + 1) * steps);

test('2000 untimed samples are copied: output channel k is input channel k (no reshape)', () => {
  const ch = ramp(2000);
  const r = imuFromColumns({ channels: ch });
  assert.deepEqual(r.tensor.shape, [6, 2000]);
  for (let k = 0; k < 6; k++) assert.deepEqual(Array.from(row(r.tensor.data, k)), Array.from(ch[k]));
  assert.deepEqual(realWarnings(r.warnings), []);
  assert.ok(r.notes.some((n) => n.includes('400 Hz')));
});

test('timestamps: linear interpolation at the 400 Hz output grid', () => {
  // 100 Hz for 5 s: output step j is at j/400 s, i.e. sample position j/4.
  const n = 500;
  const time = Float64Array.from({ length: n }, (_, i) => 100 + i / 100); // any origin
  const f = [1, 2, 3, 5, 7, 11];
  const ch = f.map((hz) => Float64Array.from({ length: n }, (_, i) => Math.sin(2 * Math.PI * hz * (i / 100))));
  const r = imuFromColumns({ channels: ch, time });
  for (let k = 0; k < 6; k++) {
    const out = row(r.tensor.data, k);
    assert.equal(out[4], Math.fround(ch[k][1])); // t = 0.01 s: sample 1
    assert.ok(Math.abs(out[2] - (ch[k][0] + ch[k][1]) / 2) < 1e-6); // t = 0.005 s: midway
    assert.ok(Math.abs(out[1001] - (0.75 * ch[k][250] + 0.25 * ch[k][251])) < 1e-6);
    assert.equal(out[1999], Math.fround(ch[k][499])); // inside the last sample's interval
  }
  assert.deepEqual(realWarnings(r.warnings), []);
});

test('a declared rate without timestamps resamples by index', () => {
  const r = imuFromColumns({ channels: ramp(1000) }, { sampleRateHz: 200 });
  const out = row(r.tensor.data, 3);
  assert.equal(out[0], 3000);
  assert.equal(out[1], 3000.5);
  assert.equal(out[1998], 3999);
});

test('short logs are padded, with a warning', () => {
  const z = imuFromColumns({ channels: ramp(800), source: 'short.csv' });
  assert.deepEqual(z.tensor.shape, [6, 2000]);
  const a = row(z.tensor.data, 2);
  assert.equal(a[799], 2799);
  assert.equal(a[800], 0);
  assert.equal(a[1999], 0);
  assert.equal(realWarnings(z.warnings).length, 1);
  assert.match(realWarnings(z.warnings)[0], /short\.csv.*2\.000 s.*1200 of 2000 steps are zeros/);
  const e = imuFromColumns({ channels: ramp(800) }, { pad: 'edge' });
  assert.equal(row(e.tensor.data, 2)[1999], 2799);
  const one = imuFromColumns({ channels: ramp(1) });
  assert.equal(row(one.tensor.data, 5)[0], 5000);
});

test('long logs: crop-center (default), crop-start, windows', () => {
  const ch = ramp(4800); // 12 s at 400 Hz
  const c = imuFromColumns({ channels: ch });
  assert.deepEqual(c.tensor.shape, [6, 2000]);
  assert.equal(row(c.tensor.data, 1)[0], 1000 + 1400); // (12 − 5) / 2 = 3.5 s = sample 1400
  assert.equal(row(c.tensor.data, 1)[1999], 1000 + 3399);
  assert.ok(c.notes.some((n) => n.includes('7.000 s of the 12.000 s log are outside')));
  const s = imuFromColumns({ channels: ch }, { mode: 'crop-start' });
  assert.equal(row(s.tensor.data, 4)[10], 4010);
  const w = imuFromColumns({ channels: ch }, { mode: 'windows' });
  assert.deepEqual(w.tensor.shape, [2, 6, 2000]);
  assert.equal(row(w.tensor.data, 0, 2000, 1)[0], 2000);
  assert.equal(row(w.tensor.data, 5, 2000, 1)[1999], 5000 + 3999);
  const h = imuFromColumns({ channels: ch }, { mode: 'windows', hopSec: 2.5 });
  assert.deepEqual(h.tensor.shape, [3, 6, 2000]);
  assert.equal(row(h.tensor.data, 0, 2000, 2)[0], 2000);
  const one = imuFromColumns({ channels: ramp(300) }, { mode: 'windows' });
  assert.deepEqual(one.tensor.shape, [1, 6, 2000]);
});

test('unsorted and repeated timestamps are fixed, with warnings', () => {
  const time = [0, 0.02, 0.01, 0.03, 0.03];
  const ch = Array.from({ length: 6 }, (_, k) => [0, 2, 1, 3, 99].map((v) => v + 10 * k));
  const r = imuFromColumns({ channels: ch, time, source: 'x' }, { windowSec: 0.04, steps: 4 });
  assert.deepEqual(Array.from(row(r.tensor.data, 1, 4)), [10, 11, 12, 13]);
  assert.equal(realWarnings(r.warnings).length, 2);
  assert.ok(r.warnings.some((w) => w.includes('sorted')));
  assert.ok(r.warnings.some((w) => w.includes('1 samples with repeated timestamps')));
});

test('units: g and deg/s are converted on request, and flagged when they look wrong', () => {
  const n = 2000;
  const g = [
    Float64Array.from({ length: n }, () => 0),
    Float64Array.from({ length: n }, () => 0),
    Float64Array.from({ length: n }, () => 1),
    ...[0, 1, 2].map(() => Float64Array.from({ length: n }, () => 90)),
  ];
  const raw = imuFromColumns({ channels: g });
  assert.equal(raw.warnings.length, 2);
  assert.match(raw.warnings.join(' '), /looks like g.*looks like deg\/s/);
  const conv = imuFromColumns({ channels: g }, { accelUnit: 'g', gyroUnit: 'deg/s' });
  assert.deepEqual(conv.warnings, []);
  assert.equal(row(conv.tensor.data, 2)[0], Math.fround(9.80665));
  assert.equal(row(conv.tensor.data, 3)[0], Math.fround(Math.PI / 2));
});

test('NaN/Inf, wrong channel count, empty input and bad options fail clearly', () => {
  const ch = ramp(10);
  ch[4][7] = NaN;
  assert.throws(
    () => imuFromColumns({ channels: ch, source: 'f.npy', rowLabel: (i) => `row ${i}` }),
    (e: unknown) =>
      e instanceof MediaError &&
      e.code === 'IMU_NONFINITE' &&
      /f\.npy: row 7, channel 4 \(gyro_y\): value is NaN/.test(e.message),
  );
  assert.throws(
    () => imuFromColumns({ channels: ramp(3), time: [0, Infinity, 2] }),
    /sample 1, time: value is Infinity/,
  );
  assert.throws(
    () => imuFromColumns({ channels: ramp(3).slice(0, 5) }),
    (e: unknown) => e instanceof MediaError && e.code === 'IMU_BAD_SHAPE',
  );
  assert.throws(
    () => imuFromColumns({ channels: ramp(0) }),
    (e: unknown) => e instanceof MediaError && e.code === 'IMU_EMPTY',
  );
  assert.throws(() => imuFromColumns({ channels: ramp(5) }, { steps: 0 }), ConfigError);
});

test('column names: common spellings, Ego4D, units in brackets', () => {
  const cases: Array<[string, string | undefined]> = [
    ['acc_x', 'acc_x'],
    ['ax', 'acc_x'],
    ['Accel_Y', 'acc_y'],
    ['accelerometer.z', 'acc_z'],
    ['accl_x', 'acc_x'],
    ['Acc X (m/s^2)', 'acc_x'],
    ['gyro_x', 'gyro_x'],
    ['gy', 'gyro_y'],
    ['gyroscope_z', 'gyro_z'],
    ['Gyro Z [rad/s]', 'gyro_z'],
    ['mag_x', undefined],
    ['x', undefined],
    ['label', undefined],
  ];
  for (const [h, want] of cases) assert.equal(channelOf(h), want, h);
  assert.deepEqual(timeColumnOf('canonical_timestamp_ms'), { rank: 1, unit: 'ms' });
  assert.deepEqual(timeColumnOf('component_timestamp_ms'), { rank: 2, unit: 'ms' });
  assert.deepEqual(timeColumnOf('t_s'), { rank: 3, unit: 's' });
  assert.deepEqual(timeColumnOf('timestampNs'), { rank: 3, unit: 'ns' });
  assert.deepEqual(timeColumnOf('Time'), { rank: 3, unit: undefined });
  assert.deepEqual(timeColumnOf('ts'), { rank: 3, unit: undefined });
  assert.equal(timeColumnOf('acc_x'), undefined);
  assert.equal(timeScale([0, 0.005, 0.01]).perSecond, 1);
  assert.equal(timeScale([1000, 1005, 1010]).perSecond, 1e3);
  assert.equal(timeScale([0, 5000, 10000]).perSecond, 1e6);
  assert.equal(timeScale([0, 5e6, 1e7]).perSecond, 1e9);
  assert.equal(timeScale([0, 5e6], 'ms').perSecond, 1e3);
});
