/** `imagebind preprocess`: the official input pipelines from the command line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/core/npy.ts';
import { diff } from '../helpers/compare.ts';
import { runCli } from '../helpers/cli.ts';
import { ref, refNpy } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-pre-'));

test('text: ids equal the official tokenizer for the README captions', async () => {
  const cases = JSON.parse(readFileSync(ref('preprocess', 'text_tokens.json'), 'utf8')) as {
    text: string;
    ids: number[];
  }[];
  const picked = cases.slice(0, 5);
  const out = join(work, 'ids.npy');
  const r = await runCli([
    'preprocess',
    '--modality',
    'text',
    '--vocab',
    ref('vocab', 'bpe_simple_vocab_16e6.txt.gz'),
    '--output',
    out,
    '--',
    ...picked.map((c) => c.text),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const ids = await readNpy(out);
  assert.equal(ids.dtype, 'int64');
  assert.deepEqual(ids.shape, [picked.length, 77]);
  assert.deepEqual(
    Array.from(ids.data as BigInt64Array, Number),
    picked.flatMap((c) => c.ids),
  );
});

test('vision and audio: stacked tensors match the official loaders', async () => {
  const vout = join(work, 'vision.npy');
  let r = await runCli([
    'preprocess',
    '--modality',
    'vision',
    ref('assets', 'dog_image.jpg'),
    ref('assets', 'extra_wide_645x360.jpg'),
    '--output',
    vout,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const v = await readNpy(vout);
  assert.deepEqual(v.shape, [2, 3, 224, 224]);
  const expected = new Float32Array([
    ...((await refNpy('preprocess', 'vision_dog.npy')).data as Float32Array),
    ...((await refNpy('preprocess', 'vision_wide.npy')).data as Float32Array),
  ]);
  const dv = diff(v.data as Float32Array, expected);
  console.log(`# preprocess vision: max abs diff ${dv.maxAbs.toExponential(2)}`);
  assert.ok(dv.maxAbs <= 1e-5);

  const aout = join(work, 'audio.npy');
  r = await runCli(['preprocess', '--modality', 'audio', ref('assets', 'bird_audio.wav'), '--output', aout]);
  assert.equal(r.code, 0, r.stderr);
  const a = await readNpy(aout);
  assert.deepEqual(a.shape, [1, 3, 1, 128, 204]);
  const da = diff(a.data as Float32Array, (await refNpy('preprocess', 'audio_bird.npy')).data as Float32Array);
  console.log(`# preprocess audio: mean abs diff ${da.meanAbs.toExponential(2)}, max ${da.maxAbs.toExponential(2)}`);
  assert.ok(da.meanAbs < 1e-4);
});

test('a bad file fails the batch with its name, or is skipped with --skip-errors', async () => {
  const bad = join(work, 'broken.jpg');
  writeFileSync(bad, readFileSync(ref('assets', 'car_image.jpg')).subarray(0, 5000));
  const out = join(work, 'mixed.npy');
  let r = await runCli(['preprocess', '--modality', 'vision', ref('assets', 'dog_image.jpg'), bad, '--output', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /broken\.jpg/);
  assert.match(r.stderr, /1 of 2 inputs could not be preprocessed/);
  r = await runCli([
    'preprocess',
    '--modality',
    'vision',
    ref('assets', 'dog_image.jpg'),
    bad,
    '--output',
    out,
    '--skip-errors',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual((await readNpy(out)).shape, [1, 3, 224, 224]);
});

test('imu: a CSV log becomes 6×2000 in the documented channel order', async () => {
  const rows = ['t,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z'];
  for (let i = 0; i < 2000; i++) rows.push([i / 400, 1, 2, 3, 4, 5, 6].join(','));
  const csv = join(work, 'log.csv');
  writeFileSync(csv, rows.join('\n'));
  const out = join(work, 'imu.npy');
  const r = await runCli(['preprocess', '--modality', 'imu', csv, '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  const t = await readNpy(out);
  assert.deepEqual(t.shape, [1, 6, 2000]);
  const d = t.data as Float32Array;
  for (let c = 0; c < 6; c++) assert.equal(d[c * 2000 + 1000], c + 1);
});
