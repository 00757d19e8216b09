import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadAudioFile } from '../../preprocess/audio/index.ts';
import { loadDepthFile } from '../../preprocess/depth/index.ts';
import { loadImuFile } from '../../preprocess/imu/index.ts';
import { loadThermalFile } from '../../preprocess/thermal/index.ts';
import { loadVisionFile } from '../../preprocess/vision/index.ts';
import { FILE_SUFFIX, writeSampleFiles, type ManifestEntry } from './files.ts';
import { toModelInput } from './tensors.ts';
import { World } from './world.ts';

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('writeSampleFiles', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'world-files-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const world = new World(31);
  const sample = world.sample(13);
  const warnings: string[] = [];
  const written = await writeSampleFiles(dir, sample, undefined, {
    onWarning: (m) => warnings.push(m),
    videoFrames: 8,
  });
  const path = (m: keyof typeof FILE_SUFFIX): string => join(dir, written.find((e) => e.modality === m)!.file);

  it('names files by index, class and modality suffix, and lists them in manifest.jsonl', async () => {
    const base = `0013-${sample.className.replace(/ /g, '-')}`;
    assert.ok(written.some((e) => e.file === `${base}.png`));
    assert.ok(written.some((e) => e.file === `${base}.depth.png`));
    const lines = (await readFile(join(dir, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as ManifestEntry);
    assert.deepEqual(lines, written);
    assert.ok(lines.every((e) => e.classId === sample.classId && e.className === sample.className));
    assert.equal(await readFile(path('text'), 'utf8'), sample.caption + '\n');
    if (written.some((e) => e.modality === 'video')) assert.ok((await stat(path('video'))).size > 1000);
    else assert.equal(warnings.length, 1);
  });

  it('round-trips through the project loaders', async () => {
    assert.deepEqual((await loadVisionFile(path('image'))).data, toModelInput(sample, 'image').data);
    assert.deepEqual((await loadThermalFile(path('thermal'))).data, toModelInput(sample, 'thermal').data);
    const depth = await loadDepthFile(path('depth'), { kind: 'depth-mm' });
    const ref = toModelInput(sample, 'depth').data;
    // Millimetre quantisation: relative disparity error ≤ 0.5 mm / depth.
    assert.ok(maxDiff(depth.data, ref) < 0.05 * Math.max(...ref.slice(0, 1000)), 'depth');
    const audio = await loadAudioFile(path('audio'));
    assert.deepEqual(audio.shape, [3, 1, 128, 204]);
    let mean = 0;
    const a = audio.data,
      b = toModelInput(sample, 'audio').data;
    for (let i = 0; i < a.length; i++) mean += Math.abs(a[i] - b[i]) / a.length;
    assert.ok(mean < 0.02, `audio mean |diff| ${mean}`);
    const imu = await loadImuFile(path('imu'));
    assert.deepEqual(imu.tensor.shape, [6, 2000]);
    assert.ok(maxDiff(imu.tensor.data, sample.imu) < 1e-3, 'imu');
  });
});
