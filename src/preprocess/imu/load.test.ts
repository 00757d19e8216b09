import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaError } from '../../core/errors.ts';
import { encodeNpy } from '../../core/npy.ts';
import { loadImuFile, loadImuFiles } from './load.ts';

const dir = mkdtempSync(join(tmpdir(), 'ib-imu-'));
const file = (name: string, content: string | Uint8Array): string => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const row = (d: Float32Array, k: number): number[] => Array.from(d.subarray(k * 2000, (k + 1) * 2000));
const CH = ['acc_x', 'acc_y', 'acc_z', 'gyro_x', 'gyro_y', 'gyro_z'];
/** A physically plausible signal per channel, distinct frequencies: value(k, t). */
const sig = (k: number, t: number): number =>
  (k < 3 ? (k === 2 ? 9.81 : 0) : 0) + 0.5 * Math.sin(2 * Math.PI * (k + 1) * t);

async function rejectsCode(p: Promise<unknown>, code: string, ...mentions: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof MediaError, String(e));
    assert.equal(e.code, code, e.message);
    for (const m of mentions) assert.ok(e.message.includes(m), `"${m}" not in: ${e.message}`);
    return true;
  });
}

test('CSV with shuffled, differently named columns and seconds: channel order is fixed', async () => {
  // 200 Hz for 5 s; output steps at even j hit samples j/2 exactly.
  const names = ['Gyro Z [rad/s]', 'ax', 'time', 'gyroscope_x', 'accel_z', 'label', 'acc_y', 'gy'];
  const chOf = [5, 0, -1, 3, 2, -2, 1, 4];
  const lines = [names.join(',')];
  for (let i = 0; i < 1000; i++) {
    const t = i / 200;
    lines.push(chOf.map((k) => (k === -1 ? t : k === -2 ? 'walk' : sig(k, t))).join(','));
  }
  const r = await loadImuFile(file('phone.csv', lines.join('\n') + '\n'));
  assert.deepEqual(r.tensor.shape, [6, 2000]);
  for (let k = 0; k < 6; k++) {
    const out = row(r.tensor.data, k);
    for (const j of [0, 2, 400, 1998]) assert.equal(out[j], Math.fround(sig(k, j / 400)), `${CH[k]} step ${j}`);
  }
  assert.deepEqual(r.warnings, []);
  assert.ok(
    r.notes.some((n) => n.includes('acc_x="ax"') && n.includes('gyro_z="Gyro Z [rad/s]"') && n.includes('time="time"')),
  );
  assert.ok(r.notes.some((n) => n.includes('time unit s (guessed')));
});

test('Ego4D layout: canonical_timestamp_ms wins, accl_* columns, semicolons and comments accepted', async () => {
  const lines = [
    '# exported',
    'component_idx;component_timestamp_ms;canonical_timestamp_ms;gyro_x;gyro_y;gyro_z;accl_x;accl_y;accl_z',
  ];
  for (let i = 0; i < 2000; i++) {
    const t = i / 400;
    lines.push(
      [0, 99999 + i, 1000 + t * 1000, sig(3, t), sig(4, t), sig(5, t), sig(0, t), sig(1, t), sig(2, t)].join(';'),
    );
  }
  const r = await loadImuFile(file('ego4d.csv', lines.join('\r\n')));
  assert.ok(r.notes.some((n) => n.includes('time="canonical_timestamp_ms"')));
  assert.ok(r.notes.some((n) => n.includes('time unit ms (from the column name)')));
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(row(r.tensor.data, k)[777] - sig(k, 777 / 400)) < 1e-5, CH[k]);
});

test('JSON: rows, columns with a declared rate, and accelerometer/gyroscope triplets', async () => {
  const n = 1000;
  const rows = Array.from({ length: n }, (_, i) => ({
    t: i * 5,
    ...Object.fromEntries(CH.map((c, k) => [c, sig(k, i / 200)])),
  }));
  const a = await loadImuFile(file('rows.json', JSON.stringify(rows)));
  assert.ok(a.notes.some((x) => x.includes('time unit ms (guessed')));
  const cols = {
    sample_rate: 200,
    data: Object.fromEntries(CH.map((c, k) => [c, rows.map((r) => sig(k, r.t / 1000))])),
  };
  const b = await loadImuFile(file('cols.json', JSON.stringify(cols)));
  assert.ok(b.notes.some((x) => x.includes('200 Hz (declared in the file)')));
  const trip = {
    timestamps: rows.map((r) => r.t / 1000),
    accelerometer: rows.map((_, i) => [0, 1, 2].map((k) => sig(k, i / 200))),
    gyroscope: rows.map((_, i) => [3, 4, 5].map((k) => sig(k, i / 200))),
  };
  const c = await loadImuFile(file('triplets.json', JSON.stringify(trip)));
  for (const r of [a, b, c])
    for (let k = 0; k < 6; k++) assert.equal(row(r.tensor.data, k)[600], Math.fround(sig(k, 1.5)), CH[k]);
});

test('.npy: T×6 and 6×T are both read with channel k = input channel k (transpose, not reshape)', async () => {
  const T = 2000;
  const tm = new Float32Array(T * 6);
  const cm = new Float32Array(6 * T);
  for (let i = 0; i < T; i++)
    for (let k = 0; k < 6; k++) {
      tm[i * 6 + k] = k * 10000 + i;
      cm[k * T + i] = k * 10000 + i;
    }
  const a = await loadImuFile(file('tm.npy', encodeNpy({ dtype: 'float32', shape: [T, 6], data: tm })));
  const b = await loadImuFile(file('cm.npy', encodeNpy({ dtype: 'float32', shape: [1, 6, T], data: cm })));
  for (let k = 0; k < 6; k++) {
    const want = Array.from({ length: T }, (_, i) => k * 10000 + i);
    assert.deepEqual(row(a.tensor.data, k), want, `T×6 channel ${k}`);
    assert.deepEqual(row(b.tensor.data, k), want, `6×T channel ${k}`);
  }
  assert.ok(a.notes[0].includes('2000×6: rows are samples'));
  assert.ok(b.notes[0].includes('6×2000: rows are channels'));
});

test('.npy 6×6 is ambiguous: read as time-major with a warning, overridable', async () => {
  const d = Float64Array.from({ length: 36 }, (_, i) => i);
  const p = file('six.npy', encodeNpy({ dtype: 'float64', shape: [6, 6], data: d }));
  const a = await loadImuFile(p);
  assert.ok(a.warnings.some((w) => w.includes('6×6 array is ambiguous')));
  assert.equal(a.tensor.data[1 * 2000], 1); // channel 1, sample 0 = d[0][1]
  const b = await loadImuFile(p, { layout: 'channel-major' });
  assert.equal(b.tensor.data[1 * 2000], 6); // channel 1, sample 0 = d[1][0]
  await rejectsCode(
    loadImuFile(file('bad.npy', encodeNpy({ dtype: 'float32', shape: [5, 7], data: new Float32Array(35) }))),
    'IMU_BAD_SHAPE',
    'bad.npy',
    '(5, 7)',
  );
});

test('non-finite and non-numeric cells name the file, line/row and column', async () => {
  const head = 't,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z,note';
  await rejectsCode(
    loadImuFile(file('nan.csv', `${head}\n0,1,2,3,4,5,6,a\n0.01,1,NaN,3,4,5,6,b\n`)),
    'IMU_NONFINITE',
    'nan.csv',
    'line 3',
    '"acc_y"',
    'NaN',
  );
  await rejectsCode(
    loadImuFile(file('inf.csv', `${head}\n0,1,2,3,4,5,-inf,a\n`)),
    'IMU_NONFINITE',
    'line 2',
    '"gyro_z"',
  );
  await rejectsCode(
    loadImuFile(file('txt.csv', `${head}\n0,1,2,3,x,5,6,a\n`)),
    'IMU_PARSE',
    'line 2',
    '"gyro_x"',
    '"x" is not a number',
  );
  await rejectsCode(loadImuFile(file('hole.csv', `${head}\n0,1,2,,4,5,6,a\n`)), 'IMU_PARSE', 'empty cell');
  await rejectsCode(loadImuFile(file('ragged.csv', `${head}\n0,1,2,3\n`)), 'IMU_PARSE', 'line 2 has 4 fields');
  await rejectsCode(
    loadImuFile(file('null.json', JSON.stringify([{ t: 0, ax: 1, ay: 1, az: 1, gx: 0, gy: null, gz: 0 }]))),
    'IMU_NONFINITE',
    'sample 0',
    '"gy"',
  );
  const d = new Float32Array(12 * 6);
  d[7 * 6 + 4] = Infinity;
  await rejectsCode(
    loadImuFile(file('inf.npy', encodeNpy({ dtype: 'float32', shape: [12, 6], data: d }))),
    'IMU_NONFINITE',
    'inf.npy',
    'row 7',
    'channel 4 (gyro_y)',
  );
});

test('missing, ambiguous and overridden columns', async () => {
  await rejectsCode(
    loadImuFile(file('acc.csv', 't,ax,ay,az\n0,1,2,3\n')),
    'IMU_MISSING_COLUMNS',
    'gyro_x, gyro_y, gyro_z',
    'columns option',
  );
  const two = 'ax,acc_x,ay,az,gx,gy,gz\n1,2,3,4,5,6,7\n';
  await rejectsCode(loadImuFile(file('two.csv', two)), 'IMU_AMBIGUOUS_COLUMNS', '"ax", "acc_x"');
  const r = await loadImuFile(file('two2.csv', two), { columns: { acc_x: 'acc_x' } });
  assert.equal(r.tensor.data[0], 2);
  const odd = await loadImuFile(file('odd.csv', 'u,v,w,p,q,r,clock\n1,2,3,4,5,6,0\n'), {
    columns: { acc_x: 'u', acc_y: 'v', acc_z: 'w', gyro_x: 'p', gyro_y: 'q', gyro_z: 'r', time: 'clock' },
  });
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5].map((k) => odd.tensor.data[k * 2000]),
    [1, 2, 3, 4, 5, 6],
  );
  await rejectsCode(
    loadImuFile(file('odd2.csv', 'u,v\n1,2\n'), { columns: { acc_x: 'nope' } }),
    'IMU_MISSING_COLUMNS',
    '"nope"',
  );
  await rejectsCode(
    loadImuFile(file('nohead.csv', '1,2,3,4,5,6\n1,2,3,4,5,6\n')),
    'IMU_MISSING_COLUMNS',
    'not a header',
  );
});

test('empty, header-only, missing and unparsable files', async () => {
  await rejectsCode(loadImuFile(file('zero.csv', '')), 'FILE_EMPTY', 'zero.csv');
  await rejectsCode(loadImuFile(file('head.csv', 't,ax,ay,az,gx,gy,gz\n')), 'IMU_EMPTY', 'head.csv');
  await rejectsCode(loadImuFile(file('blank.csv', '\n\n# nothing\n')), 'IMU_EMPTY');
  await rejectsCode(loadImuFile(join(dir, 'absent.csv')), 'FILE_UNREADABLE', 'absent.csv');
  await rejectsCode(loadImuFile(file('broken.json', '{"t": [1, 2')), 'IMU_PARSE', 'not valid JSON');
  await rejectsCode(
    loadImuFile(
      file('trunc.npy', encodeNpy({ dtype: 'float32', shape: [10, 6], data: new Float32Array(60) }).subarray(0, 100)),
    ),
    'NPY_INVALID',
  );
});

test('batch helper: one result per file, in order', async () => {
  const good = file('ok.csv', 'ax,ay,az,gx,gy,gz\n0,0,9.8,0,0,0\n');
  const items = await loadImuFiles([good, join(dir, 'gone.csv'), good], { mode: 'windows' });
  assert.deepEqual(
    items.map((i) => i.ok),
    [true, false, true],
  );
  const [a, b] = items;
  assert.ok(a.ok && a.tensor.shape.join() === '1,6,2000' && a.warnings.some((w) => w.includes('shorter than')));
  assert.ok(!b.ok && b.error.code === 'FILE_UNREADABLE');
});
