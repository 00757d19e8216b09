/**
 * `imagebind fewshot` and `imagebind locate` end to end with the reference tiny model. Its weights
 * are random, so only what holds for any model is asserted: exact duplicates of training
 * examples get their own label under kNN with k = 1, shapes, sizes and error handling.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { runCli } from '../helpers/cli.ts';
import { ref } from '../helpers/shared.ts';
import { tinyModelDir } from '../helpers/tiny-model.ts';

const work = mkdtempSync(join(tmpdir(), 'imagebind-fewshot-'));
const CLASSES = ['dog', 'car', 'bird'];
const original = (c: string): string => ref('assets', `${c}_image.jpg`);
let model = '';

before(async () => {
  model = await tinyModelDir(false);
  const rows = ['path,label'];
  for (const c of CLASSES) {
    const img = sharp(original(c));
    const { width = 0, height = 0 } = await img.metadata();
    await sharp(original(c))
      .flop()
      .toFile(join(work, `${c}-flip.png`));
    await sharp(original(c))
      .extract({
        left: Math.round(width * 0.1),
        top: Math.round(height * 0.1),
        width: Math.round(width * 0.8),
        height: Math.round(height * 0.8),
      })
      .toFile(join(work, `${c}-crop.jpg`));
    // Relative paths resolve from the manifest's folder; the originals are absolute.
    rows.push(`${c}-flip.png,${c}`, `${c}-crop.jpg,${c}`, `${original(c)},${c}`);
  }
  writeFileSync(join(work, 'train.csv'), `${rows.join('\n')}\n`);
  writeFileSync(join(work, 'broken.jpg'), readFileSync(original('car')).subarray(0, 4000));
});

interface Row {
  input: string;
  label: string | null;
  probs: Record<string, number> | null;
  error?: { code: string; message: string };
}

test('fewshot --method knn --k 1 --json: exact duplicates get their own class', async () => {
  const r = await runCli([
    'fewshot',
    '--model',
    model,
    '--train',
    join(work, 'train.csv'),
    '--method',
    'knn',
    '--k',
    '1',
    '--json',
    ...CLASSES.map(original),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as Row[];
  assert.deepEqual(
    rows.map((x) => x.input),
    CLASSES.map(original),
  );
  assert.deepEqual(
    rows.map((x) => x.label),
    CLASSES,
  );
  for (const [i, row] of rows.entries()) {
    assert.deepEqual(Object.keys(row.probs ?? {}).sort(), ['bird', 'car', 'dog']);
    assert.equal(row.probs?.[CLASSES[i]], 1);
  }
});

test('fewshot prototype and logreg (JSONL manifest): probabilities over every class, summing to 1', async () => {
  const jsonl = CLASSES.flatMap((c) => [
    JSON.stringify({ path: `${c}-flip.png`, label: c }),
    JSON.stringify({ path: `${c}-crop.jpg`, label: c, modality: 'image' }),
  ]).join('\n');
  writeFileSync(join(work, 'train.jsonl'), jsonl);
  const [proto, logreg] = await Promise.all(
    ['prototype', 'logreg'].map((m) =>
      runCli([
        'fewshot',
        '--model',
        model,
        '--train',
        join(work, 'train.jsonl'),
        '--method',
        m,
        '--json',
        original('dog'),
        ref('assets', 'bird_audio.wav'),
      ]),
    ),
  );
  for (const r of [proto, logreg]) {
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as Row[];
    assert.equal(rows.length, 2);
    for (const row of rows) {
      const p = row.probs ?? {};
      assert.ok(Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-6);
      assert.ok(CLASSES.includes(row.label ?? ''));
      assert.equal(Math.max(...Object.values(p)), p[row.label ?? '']);
    }
  }
  const text = await runCli([
    'fewshot',
    '--model',
    model,
    '--train',
    join(work, 'train.csv'),
    '--method',
    'knn',
    '--k',
    '1',
    original('car'),
  ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /car_image\.jpg: car {2}\(car 100\.0%/);
});

test('fewshot errors: a bad query is named and the rest still printed; an emptied class and an empty manifest exit 2', async () => {
  const bad = join(work, 'broken.jpg');
  const [query, emptied] = await Promise.all([
    runCli([
      'fewshot',
      '--model',
      model,
      '--train',
      join(work, 'train.csv'),
      '--method',
      'knn',
      '--k',
      '1',
      '--json',
      original('dog'),
      bad,
    ]),
    (async () => {
      writeFileSync(join(work, 'emptied.csv'), `dog-flip.png,dog\nbroken.jpg,car\n`);
      return runCli(['fewshot', '--model', model, '--train', join(work, 'emptied.csv'), original('dog')]);
    })(),
  ]);
  assert.equal(query.code, 2);
  assert.match(query.stderr, /failed: .*broken\.jpg/);
  assert.match(query.stderr, /FEWSHOT_QUERY_FAILED/);
  const rows = JSON.parse(query.stdout) as Row[];
  assert.equal(rows[0].label, 'dog');
  assert.equal(rows[1].label, null);
  assert.match(rows[1].error?.message ?? '', /broken\.jpg/);

  assert.equal(emptied.code, 2);
  assert.match(emptied.stderr, /FEWSHOT_CLASS_EMPTY/);
  assert.match(emptied.stderr, /"car"/);
  assert.match(emptied.stderr, /broken\.jpg/);

  writeFileSync(join(work, 'empty.csv'), 'path,label\n');
  const empty = await runCli(['fewshot', '--model', model, '--train', join(work, 'empty.csv'), original('dog')]);
  assert.equal(empty.code, 2);
  assert.match(empty.stderr, /FEWSHOT_EMPTY.*empty\.csv/);
  const missing = await runCli(['fewshot', '--model', model, '--train', join(work, 'nope.csv'), original('dog')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.csv/);
});

test('locate --text: a PNG of the image size and a box inside the image', async () => {
  const out = join(work, 'heat.png');
  const r = await runCli([
    'locate',
    '--model',
    model,
    '--text',
    'a dog',
    '--out',
    out,
    '--json',
    ref('assets', 'dog_image.jpg'),
  ]);
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as {
    image: string;
    box: { x: number; y: number; w: number; h: number };
    score: number;
    heatmap: string;
    width: number;
    height: number;
  };
  assert.equal(res.image, ref('assets', 'dog_image.jpg'));
  assert.equal(res.heatmap, out);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['png', 640, 848]);
  assert.deepEqual([res.width, res.height], [640, 848]);
  const { x, y, w, h } = res.box;
  assert.ok(x >= 0 && y >= 0 && w > 0 && h > 0 && x + w <= 640 && y + h <= 848, JSON.stringify(res.box));
  assert.ok(Number.isFinite(res.score) && res.score >= -1 && res.score <= 1);
});

test('locate errors: no query, unreadable image', async () => {
  const [noQuery, badImage] = await Promise.all([
    runCli(['locate', '--model', model, ref('assets', 'dog_image.jpg')]),
    runCli(['locate', '--model', model, '--text', 'a dog', join(work, 'broken.jpg')]),
  ]);
  assert.equal(noQuery.code, 2);
  assert.match(noQuery.stderr, /LOCATE_NO_QUERY/);
  assert.equal(badImage.code, 2);
  assert.match(badImage.stderr, /broken\.jpg/);
});
