import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { plotSvg } from './plot.ts';
import { type StudyResult, runStudy } from './runner.ts';
import { QUICK_SCALE } from './settings.ts';
import { meanStd, risesBeyondSpread, summarize } from './summary.ts';

test('error bars: mean and sample standard deviation over seeds, per point and series', () => {
  const rows = summarize(
    [
      { point: 'a', series: 'depth', seed: 0, value: 0.5 },
      { point: 'a', series: 'depth', seed: 1, value: 0.6 },
      { point: 'a', series: 'depth', seed: 2, value: 0.7 },
      { point: 'b', series: 'depth', seed: 0, value: 0.9 },
      { point: 'a', series: 'audio', seed: 0, value: 0.2 },
    ],
    ['b', 'a'],
  );
  assert.deepEqual(
    rows.map((r) => [r.point, r.series, r.n]),
    [
      ['b', 'depth', 1],
      ['a', 'depth', 3],
      ['a', 'audio', 1],
    ],
  );
  const a = rows[1];
  assert.ok(Math.abs(a.mean - 0.6) < 1e-12 && Math.abs(a.std - 0.1) < 1e-12);
  assert.deepEqual([a.min, a.max], [0.5, 0.7]);
  assert.equal(rows[0].std, 0);
  assert.ok(Number.isNaN(meanStd([]).mean));
  assert.equal(risesBeyondSpread(a, { ...a, mean: 0.85, std: 0.04 }), true);
  assert.equal(risesBeyondSpread(a, { ...a, mean: 0.72, std: 0.04 }), false);
});

test('the plot draws an error bar (bar + two caps) for each point with spread and a dot per seed', () => {
  const svg = plotSvg({
    title: 'T & <t>',
    subtitle: 's',
    xLabel: 'x',
    points: ['a', 'b'],
    rows: summarize(
      [
        { point: 'a', series: 'depth', seed: 0, value: 0.5 },
        { point: 'a', series: 'depth', seed: 1, value: 0.7 },
        { point: 'b', series: 'depth', seed: 0, value: 0.8 },
        { point: 'b', series: 'depth', seed: 1, value: 0.8 },
      ],
      ['a', 'b'],
    ),
    chance: 1 / 16,
  });
  assert.match(svg, /T &amp; &lt;t&gt;/);
  assert.equal((svg.match(/stroke-width="1.5"/g) ?? []).length, 3, 'one error bar: point a only (b has no spread)');
  assert.equal((svg.match(/r="1.8"/g) ?? []).length, 4, 'one dot per seed and point');
  assert.match(svg, /chance/);
});

test('a quick study runs end to end: JSON with every run and its summary, a PNG plot, and a resumable result', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'ablate-test-'));
  try {
    const lines: string[] = [];
    const opts = {
      outDir: join(dir, 'out'),
      cacheDir: join(dir, 'cache'),
      seeds: 2,
      scale: QUICK_SCALE,
      modalities: ['thermal'] as const,
      log: (l: string) => lines.push(l),
    };
    const r = await runStudy('image-encoder', opts);
    const onDisk = JSON.parse(await readFile(join(dir, 'out', 'image-encoder.json'), 'utf8')) as StudyResult;
    assert.equal(onDisk.complete, true);
    assert.deepEqual(onDisk.summary, r.summary);
    assert.equal(r.runs.length, 4, '2 points × 2 seeds × 1 modality');
    assert.deepEqual(r.runs.map((x) => [x.point, x.seed]).sort(), [
      ['fine-tuned (lr ×0.1)', 0],
      ['fine-tuned (lr ×0.1)', 1],
      ['frozen', 0],
      ['frozen', 1],
    ]);
    for (const x of r.runs) {
      assert.ok(x.top1 >= 0 && x.top1 <= 1 && Number.isFinite(x.final_loss));
      // Only the fine-tuned runs change (and so re-measure) the image encoder.
      assert.equal(x.image_text_top1 === null, x.point === 'frozen');
    }
    for (const point of ['frozen', 'fine-tuned (lr ×0.1)']) {
      const row = r.summary.find((s) => s.point === point && s.series === 'thermal')!;
      const values = r.runs.filter((x) => x.point === point).map((x) => x.top1);
      const mean = (values[0] + values[1]) / 2;
      assert.deepEqual(row.values, values);
      assert.ok(Math.abs(row.mean - mean) < 1e-12);
      assert.ok(Math.abs(row.std - Math.abs(values[0] - values[1]) / Math.SQRT2) < 1e-12);
      assert.ok(r.summary.some((s) => s.point === point && s.series === 'image→text (thermal run)' && s.n === 2));
    }
    const png = await sharp(join(dir, 'out', 'image-encoder.png')).metadata();
    assert.deepEqual([png.format, png.width, png.height], ['png', 1640, 1012]);
    assert.ok(lines.some((l) => l.startsWith('[4/4] image-encoder fine-tuned (lr ×0.1) thermal seed 1')));

    // Re-running with the same settings trains nothing and reports the same runs.
    lines.length = 0;
    const again = await runStudy('image-encoder', opts);
    assert.deepEqual(again.runs, r.runs);
    assert.ok(!lines.some((l) => l.startsWith('[')), lines.join('\n'));

    // Another study with a point of identical settings (steps at the scale's default = "frozen")
    // reuses that run instead of training it again, and trains the others.
    lines.length = 0;
    const steps = await runStudy('steps', { ...opts, seeds: 1 });
    const defaultSteps = String(QUICK_SCALE.bind.steps);
    assert.deepEqual(
      steps.runs.map((x) => [x.point, x.reused ?? false]),
      ['2', '3', '6', '12'].map((p) => [p, p === defaultSteps]),
    );
    const frozen0 = r.runs.find((x) => x.point === 'frozen' && x.seed === 0)!;
    const reused = steps.runs.find((x) => x.point === defaultSteps)!;
    assert.deepEqual([reused.top1, reused.final_loss], [frozen0.top1, frozen0.final_loss]);
    assert.equal(lines.filter((l) => l.endsWith(', reused)')).length, 1, lines.join('\n'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
