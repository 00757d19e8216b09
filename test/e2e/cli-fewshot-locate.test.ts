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

test('locate --text: a PNG of the image width with a legend below, boxes inside the image', async () => {
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
  type B = { x: number; y: number; w: number; h: number };
  const res = JSON.parse(r.stdout) as {
    image: string;
    method: string;
    box: B;
    score: number;
    boxes: { box: B; score: number }[];
    peak: { x: number; y: number };
    heatmap: string;
    width: number;
    height: number;
  };
  assert.equal(res.image, ref('assets', 'dog_image.jpg'));
  assert.equal(res.method, 'proposals');
  assert.equal(res.heatmap, out);
  const meta = await sharp(out).metadata();
  assert.deepEqual([meta.format, meta.width], ['png', 640]);
  assert.ok(meta.height! > 848 && meta.height! < 848 + 60, `legend strip: height ${meta.height}`);
  assert.deepEqual([res.width, res.height], [640, 848]);
  const inside = (b: B) => b.x >= 0 && b.y >= 0 && b.w > 0 && b.h > 0 && b.x + b.w <= 640 && b.y + b.h <= 848;
  assert.ok(inside(res.box), JSON.stringify(res.box));
  assert.deepEqual(res.boxes[0].box, res.box);
  assert.ok(res.boxes.every((b) => inside(b.box) && b.score <= res.score));
  assert.ok(res.peak.x >= 0 && res.peak.x <= 640 && res.peak.y >= 0 && res.peak.y <= 848);
  assert.ok(Number.isFinite(res.score) && res.score >= -1 && res.score <= 1);
  // The earlier crop scoring stays available.
  const w = await runCli([
    'locate',
    '--model',
    model,
    '--method',
    'windows',
    '--text',
    'a dog',
    '--json',
    ref('assets', 'dog_image.jpg'),
  ]);
  assert.equal(w.code, 0, w.stderr);
  assert.equal(JSON.parse(w.stdout).method, 'windows');
});

test('eval-localization --json: the contract keys on a converted (tiny reference) model', async () => {
  const r = await runCli(
    ['eval-localization', '--model', model, '--n', '2', '--queries', 'audio,text,image', '--json'],
    {
      timeoutMs: 300_000,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  const res = JSON.parse(r.stdout) as Record<string, { pointing: number; iou50: number; center_baseline: number }> & {
    ms_per_image: number;
  };
  assert.deepEqual(Object.keys(res).sort(), ['audio', 'image', 'ms_per_image', 'text']);
  for (const q of ['audio', 'text', 'image']) {
    for (const k of ['pointing', 'iou50', 'center_baseline'] as const)
      assert.ok(res[q][k] >= 0 && res[q][k] <= 1, `${q}.${k} = ${res[q][k]}`);
  }
  assert.ok(res.ms_per_image > 0);
  const bad = await runCli(['eval-localization', '--model', model, '--queries', 'smell', '--json']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /BAD_ARGUMENT.*smell/);
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
