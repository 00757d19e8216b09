/** `imagebind train`: binding a new sensor from (image, sensor file) pairs, as a user runs it. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { World } from '../../src/synth/world/world.ts';
import { writeSampleFiles } from '../../src/synth/world/files.ts';
import { readManifest } from '../../src/model/manifest-file.ts';
import { runCli } from '../helpers/cli.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-train-'));
const pairsDir = join(work, 'pairs');
let base: string;

before(async () => {
  base = await tinyModelDir(false);
  mkdirSync(pairsDir);
  const world = new World(3);
  for (let i = 0; i < 10; i++) await writeSampleFiles(pairsDir, world.sample(i), ['image', 'thermal']);
  // An image whose thermal half is missing must be reported, not silently dropped.
  unlinkSync(
    join(
      pairsDir,
      (await import('node:fs')).readdirSync(pairsDir).find((f) => f.endsWith('.thermal.png'))!,
    ),
  );
});

test('binds a thermal-like sensor to the base space; the result is a model directory like any other', async () => {
  const out = join(work, 'bound');
  const r = await runCli([
    'train',
    '--pairs',
    pairsDir,
    '--as',
    'thermal',
    '--base',
    base,
    '--out',
    out,
    '--steps',
    '4',
    '--batch-size',
    '4',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.pairs, 9);
  assert.ok(report.skipped.some((s: { message: string }) => /no matching thermal file/.test(s.message)));
  assert.ok(Number.isFinite(report.final_loss));
  const [m, b] = [await readManifest(out), await readManifest(base)];
  assert.equal(m.identity, b.identity, 'same embedding space as the base');
  assert.deepEqual(Object.keys(m.modalities).sort(), Object.keys(b.modalities).sort());
  assert.notEqual(m.modalities.thermal!.weightsSha256, b.modalities.thermal!.weightsSha256);
  assert.equal(m.modalities.vision!.weightsSha256, b.modalities.vision!.weightsSha256);
  const e = await runCli([
    'embed',
    join(
      pairsDir,
      (await import('node:fs')).readdirSync(pairsDir).find((f) => f.endsWith('.thermal.png'))!,
    ),
    '--model',
    out,
    '--output',
    join(work, 'e.json'),
  ]);
  assert.equal(e.code, 0, e.stderr);
});

test('--temperature fixes the InfoNCE temperature: the bound encoder scales its outputs by 1/tau', async () => {
  const out = join(work, 'bound-tau');
  const common = ['train', '--pairs', pairsDir, '--as', 'thermal', '--base', base, '--steps', '2', '--batch-size', '4'];
  const r = await runCli([...common, '--out', out, '--temperature', '0.05']);
  assert.equal(r.code, 0, r.stderr);
  const thermal = join(
    pairsDir,
    (await import('node:fs')).readdirSync(pairsDir).find((f) => f.endsWith('.thermal.png'))!,
  );
  const e = await runCli(['embed', thermal, '--model', out, '--output', join(work, 'tau.json')]);
  assert.equal(e.code, 0, e.stderr);
  const [{ vector }] = JSON.parse((await import('node:fs')).readFileSync(join(work, 'tau.json'), 'utf8')) as {
    vector: number[];
  }[];
  // Normalised, then scaled by exp(log_logit_scale) = 1/0.05 (the thermal family's own would be 10).
  assert.ok(Math.abs(Math.hypot(...vector) - 20) < 1e-3, `norm ${Math.hypot(...vector)}`);
  for (const bad of ['0', '0.001', '2', 'abc']) {
    const b = await runCli([...common, '--out', join(work, `bad-${bad}`), '--temperature', bad]);
    assert.equal(b.code, 2, `--temperature ${bad}`);
    assert.match(b.stderr, /BAD_ARGUMENT.*--temperature must be a number from 0\.01 to 1/);
  }
});

test('a manifest with missing files, an empty dataset and a diverging run give clear errors', async () => {
  const manifest = join(work, 'pairs.csv');
  writeFileSync(manifest, 'image,sensor\nnope.png,nope.thermal.png\n');
  let r = await runCli([
    'train',
    '--pairs',
    manifest,
    '--as',
    'thermal',
    '--base',
    base,
    '--out',
    join(work, 'x'),
    '--steps',
    '2',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /EMPTY_DATASET/);
  assert.match(r.stderr, /missing file .*nope\.png/);
  r = await runCli([
    'train',
    '--pairs',
    join(work, 'nowhere'),
    '--as',
    'thermal',
    '--base',
    base,
    '--out',
    join(work, 'y'),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /nowhere: no such folder or manifest/);
  r = await runCli([
    'train',
    '--pairs',
    pairsDir,
    '--as',
    'thermal',
    '--base',
    base,
    '--out',
    join(work, 'z'),
    '--steps',
    '3',
    '--batch-size',
    '4',
    '--lr',
    '1e30',
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /NON_FINITE/);
});
