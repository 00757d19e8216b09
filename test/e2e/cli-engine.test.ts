/** The engine's CLI contract: `convert` and `embed-tensor`, driven as a user would. */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, truncateSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../src/core/npy.ts';
import { readManifest } from '../../src/model/manifest-file.ts';
import { diff } from '../helpers/compare.ts';
import { runCli } from '../helpers/cli.ts';
import { ref, refNpy } from '../helpers/shared.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-cli-'));
const modelDir = join(work, 'tiny');

before(async () => {
  const r = await runCli([
    'convert',
    ref('tiny', 'imagebind_tiny.pth'),
    '--config',
    ref('tiny', 'config.json'),
    '--out',
    modelDir,
    '--vocab',
    ref('vocab', 'bpe_simple_vocab_16e6.txt.gz'),
  ]);
  assert.equal(r.code, 0, r.stderr);
});

test('convert writes a self-describing model directory', async () => {
  const files = readdirSync(modelDir).sort();
  for (const m of ['vision', 'text', 'audio', 'depth', 'thermal', 'imu']) {
    assert.ok(files.includes(`${m}.onnx`) && files.includes(`${m}.weights`), `${m} files missing: ${files}`);
  }
  assert.ok(!files.some((f) => f.endsWith('.tmp')), 'no temporary files left behind');
  const manifest = await readManifest(modelDir);
  assert.equal(manifest.config.vision_embed_dim, 64);
  assert.equal(manifest.modalities.audio?.outputScale, 20);
  assert.equal(manifest.tokenizer?.merges, 'tokenizer/bpe_simple_vocab_16e6.txt.gz');
  assert.ok(existsSync(join(modelDir, manifest.tokenizer!.merges)));
  assert.match(manifest.identity, /^[0-9a-f]{64}$/);
});

for (const [m, input, output] of [
  ['audio', 'input_audio.npy', 'output_audio.npy'],
  ['text', 'input_text.npy', 'output_text.npy'],
  ['vision', 'input_vision_6d.npy', 'output_vision_6d.npy'],
] as const) {
  test(`embed-tensor ${m} reproduces the official output`, async () => {
    const out = join(work, `${m}.npy`);
    const r = await runCli([
      'embed-tensor',
      '--model',
      modelDir,
      '--modality',
      m,
      '--input',
      ref('tiny', input),
      '--output',
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const got = await readNpy(out);
    const expected = await refNpy('tiny', output);
    assert.deepEqual(got.shape, expected.shape);
    const d = diff(got.data as Float32Array, expected.data as Float32Array);
    console.log(`# embed-tensor ${m}: max abs diff ${d.maxAbs.toExponential(2)}`);
    assert.ok(d.maxAbs <= 1e-4);
  });
}

test('embed-tensor names the expected shape for a wrong shape, and the dtype for a wrong dtype', async () => {
  const bad = join(work, 'bad.npy');
  await writeNpy(bad, { dtype: 'float32', shape: [2, 1, 128, 200], data: new Float32Array(2 * 128 * 200) });
  let r = await runCli([
    'embed-tensor',
    '--model',
    modelDir,
    '--modality',
    'audio',
    '--input',
    bad,
    '--output',
    join(work, 'x.npy'),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /INPUT_SHAPE.*expected float32 \[B, 1, 128, 204\].*got float32 \[2, 1, 128, 200\]/);
  r = await runCli([
    'embed-tensor',
    '--model',
    modelDir,
    '--modality',
    'text',
    '--input',
    ref('tiny', 'input_imu.npy'),
    '--output',
    join(work, 'x.npy'),
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /wrong dtype: expected int64 \[B, 77\]/);
  assert.ok(!existsSync(join(work, 'x.npy')), 'no output written on error');
});

test('convert refuses to overwrite without --force, and a corrupt checkpoint leaves no model behind', async () => {
  let r = await runCli([
    'convert',
    ref('tiny', 'imagebind_tiny.pth'),
    '--config',
    ref('tiny', 'config.json'),
    '--out',
    modelDir,
  ]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /already holds a model directory; pass --force/);
  const broken = join(work, 'broken.pth');
  copyFileSync(ref('tiny', 'imagebind_tiny.pth'), broken);
  truncateSync(broken, Math.floor(statSync(broken).size / 2));
  const out = join(work, 'broken-model');
  r = await runCli(['convert', broken, '--config', ref('tiny', 'config.json'), '--out', out]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /broken\.pth/);
  assert.ok(!existsSync(join(out, 'manifest.json')));
  r = await runCli(['convert', ref('tiny', 'imagebind_tiny.pth'), '--out', join(work, 'wrong-config')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /has shape \[.*\] but the config expects \[.*\]/);
});

test('convert --random-init builds a model of any config, and a modality subset', async () => {
  const out = join(work, 'random');
  const r = await runCli([
    'convert',
    '--random-init',
    '--config',
    ref('tiny', 'config.json'),
    '--modalities',
    'imu,depth',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  const manifest = await readManifest(out);
  assert.deepEqual(Object.keys(manifest.modalities).sort(), ['depth', 'imu']);
  const e = await runCli([
    'embed-tensor',
    '--model',
    out,
    '--modality',
    'vision',
    '--input',
    ref('tiny', 'input_vision.npy'),
    '--output',
    join(work, 'v.npy'),
  ]);
  assert.equal(e.code, 2);
  assert.match(e.stderr, /no vision encoder/);
});
