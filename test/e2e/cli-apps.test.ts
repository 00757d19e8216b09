/**
 * Index → search → compose → classify on real files with real SQLite, driven through the CLI
 * (the reference tiny model has random weights, so these tests check mechanics, not semantics).
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { composeQuery } from '../../src/apps/query.ts';
import { l2normalize } from '../../src/core/vector-math.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../helpers/cli.ts';
import { ref, repoDir } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-apps-'));
const media = join(work, 'media');
const db = join(work, 'index.db');
let modelDir: string;

async function makeMixedFolder(): Promise<void> {
  mkdirSync(join(media, 'sub'), { recursive: true });
  for (const n of ['dog', 'car', 'bird']) copyFileSync(ref('assets', `${n}_image.jpg`), join(media, `${n}.jpg`));
  copyFileSync(ref('assets', 'dog_audio.wav'), join(media, 'sub', 'dog.wav'));
  copyFileSync(ref('assets', 'car_audio.wav'), join(media, 'car.wav'));
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-i',
    ref('assets', 'bird_audio.wav'),
    '-c:a',
    'libmp3lame',
    '-q:a',
    '4',
    join(media, 'bird.mp3'),
  ]);
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10:duration=3',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    join(media, 'clip.mp4'),
  ]);
  const w = 160,
    h = 120;
  const depth = new Uint16Array(w * h).map((_, i) => 800 + (i % w) * 10);
  await sharp(Buffer.from(depth.buffer), { raw: { width: w, height: h, channels: 1 } })
    .toColourspace('grey16')
    .png()
    .toFile(join(media, 'room.depth.png'));
  await sharp(Buffer.from(new Uint8Array(w * h).map((_, i) => (i * 3) % 256)), {
    raw: { width: w, height: h, channels: 1 },
  })
    .png()
    .toFile(join(media, 'person.thermal.png'));
  const rows = ['t,acc_x,acc_y,acc_z,gyro_x,gyro_y,gyro_z'];
  for (let i = 0; i < 1000; i++) rows.push([i / 200, Math.sin(i / 9), 0.1, 9.8, 0.01, Math.cos(i / 7), 0].join(','));
  writeFileSync(join(media, 'walk.imu.csv'), rows.join('\n'));
  writeFileSync(join(media, 'notes.txt'), 'not media');
}

before(async () => {
  modelDir = await tinyModelDir(false);
  await makeMixedFolder();
});

test('index a mixed folder: every modality lands in SQLite, re-indexing touches nothing', async () => {
  let r = await runCli(['index', media, '--db', db, '--model', modelDir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.equal(report.found, 10);
  assert.equal(report.added, 10);
  assert.deepEqual(report.failed, []);
  const store = openStore(db, { readonly: true });
  const kinds = store
    .list({ limit: 100 })
    .map((i) => i.modality)
    .sort();
  assert.deepEqual(kinds, [
    'audio',
    'audio',
    'audio',
    'depth',
    'imu',
    'thermal',
    'video',
    'vision',
    'vision',
    'vision',
  ]);
  const before = new Map(store.list({ limit: 100 }).map((i) => [i.path, i.updatedAt]));
  store.close();
  // Touch a file without changing it: the content hash keeps it from being re-embedded.
  utimesSync(join(media, 'dog.jpg'), new Date(), new Date(Date.now() + 5000));
  r = await runCli(['index', media, '--db', db, '--model', modelDir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    { ...JSON.parse(r.stdout), failed: undefined },
    { found: 10, added: 0, skipped: 10, pruned: 0, unreachable: [], failed: undefined },
  );
  const again = openStore(db, { readonly: true });
  for (const item of again.list({ limit: 100 }))
    assert.equal(item.updatedAt, before.get(item.path), `${item.path} was rewritten`);
  again.close();
});

test('search by each modality: the indexed file itself ranks first', async () => {
  const queries: [string, string][] = [
    ['--image', 'dog.jpg'],
    ['--audio', 'sub/dog.wav'],
    ['--audio', 'bird.mp3'],
    ['--video', 'clip.mp4'],
    ['--depth', 'room.depth.png'],
    ['--thermal', 'person.thermal.png'],
    ['--imu', 'walk.imu.csv'],
  ];
  for (const [flag, file] of queries) {
    const r = await runCli(['search', flag, join(media, file), '--db', db, '--model', modelDir, '-k', '3', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const hits = JSON.parse(r.stdout) as { path: string; modality: string; score: number }[];
    assert.equal(hits.length, 3);
    assert.equal(hits[0].path, join(media, file), `${flag} ${file}`);
    assert.ok(Math.abs(hits[0].score - 1) < 1e-4, `${file} scores ${hits[0].score}`);
    assert.ok(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
  }
  const r = await runCli([
    'search',
    '--text',
    'a dog',
    '--db',
    db,
    '--model',
    modelDir,
    '--modality',
    'audio',
    '-k',
    '5',
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const hits = JSON.parse(r.stdout) as { modality: string }[];
  assert.equal(hits.length, 3);
  assert.ok(hits.every((h) => h.modality === 'audio'));
});

test('composed queries equal the hand-computed weighted sum of normalised embeddings', async () => {
  const model = await ImageBind.load(modelDir);
  try {
    const img = join(media, 'car.jpg'),
      wav = join(media, 'car.wav');
    const out = await model.embed({ vision: [img], audio: [wav], text: ['a bird'] });
    const [v, a, t] = [out.vision![0]!, out.audio![0]!, out.text![0]!].map(l2normalize);
    const expected = l2normalize(v.map((x, i) => 1 * x + 0.5 * a[i] - t[i]));
    const got = await composeQuery(model, [
      { kind: 'vision', input: img, weight: 1 },
      { kind: 'audio', input: wav, weight: 0.5 },
      { kind: 'text', input: 'a bird', negate: true },
    ]);
    for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - expected[i]) < 1e-6);
    const r = await runCli([
      'search',
      '--image',
      img,
      '--audio',
      wav,
      '--weights',
      '1,0.5',
      '--minus',
      '--text',
      'a bird',
      '--db',
      db,
      '--model',
      modelDir,
      '-k',
      '10',
      '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const hits = JSON.parse(r.stdout) as { path: string; score: number }[];
    const store = openStore(db, { readonly: true });
    for (const h of hits) {
      const item = store.getByPath(h.path, store.list({ limit: 100 }).find((i) => i.path === h.path)!.modality)!;
      const stored = store.getVector(item.id)!;
      const cos = stored.reduce((s, x, i) => s + x * expected[i], 0);
      assert.ok(Math.abs(cos - h.score) < 1e-5, `${h.path}: ${h.score} vs ${cos}`);
    }
    store.close();
  } finally {
    await model.close();
  }
});

test('classify prints probabilities per file; bad inputs name the file', async () => {
  const r = await runCli([
    'classify',
    '--labels',
    'dog,car,bird',
    join(media, 'dog.jpg'),
    join(media, 'car.wav'),
    '--model',
    modelDir,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as { input: string; probs: Record<string, number> }[];
  assert.equal(res.length, 2);
  for (const x of res) assert.ok(Math.abs(Object.values(x.probs).reduce((a, b) => a + b, 0) - 1) < 1e-6);
  const bad = await runCli(['classify', '--labels', 'dog,car', join(media, 'missing.jpg'), '--model', modelDir]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /missing\.jpg/);
});

test('kill -9 during indexing, then resume: no duplicates, nothing missing, file intact', async () => {
  const many = join(work, 'many');
  mkdirSync(many);
  for (let i = 0; i < 48; i++) {
    await sharp({
      create: {
        width: 64 + i,
        height: 48,
        channels: 3,
        background: { r: (i * 37) % 256, g: (i * 91) % 256, b: i * 5 },
      },
    })
      .png()
      .toFile(join(many, `img${String(i).padStart(2, '0')}.png`));
  }
  const killDb = join(work, 'killed.db');
  const child = spawn(
    process.execPath,
    [join(repoDir, 'bin', 'imagebind.js'), 'index', many, '--db', killDb, '--model', modelDir, '--batch-size', '4'],
    { stdio: 'ignore' },
  );
  let killedAt = -1;
  for (let t = 0; t < 600 && killedAt < 0; t++) {
    await new Promise((r) => setTimeout(r, 25));
    try {
      const s = openStore(killDb, { readonly: true });
      const n = s.count();
      s.close();
      if (n >= 8) {
        child.kill('SIGKILL');
        killedAt = n;
      }
    } catch {
      /* not created yet */
    }
  }
  await new Promise((r) => child.once('exit', r));
  assert.ok(killedAt >= 8 && killedAt < 48, `killed with ${killedAt} rows`);
  const r = await runCli(['index', many, '--db', killDb, '--model', modelDir, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  const store = openStore(killDb, { readonly: true });
  assert.deepEqual(store.integrityCheck(), []);
  const paths = store.list({ limit: 1000 }).map((i) => i.path);
  assert.equal(paths.length, 48);
  assert.equal(new Set(paths).size, 48);
  assert.equal(report.added + report.skipped, 48);
  assert.ok(report.skipped >= killedAt);
  store.close();
});
