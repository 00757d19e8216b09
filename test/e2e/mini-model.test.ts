/**
 * The shipped mini model does its job: the emergent zero-shot table re-measures to the committed
 * numbers, cross-modal search finds the right class far above chance, and the README's main-job
 * command runs on a fresh checkout with no user weights.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMERGENT_MODALITIES, evaluateEmergent } from '../../src/apps/emergent.ts';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { runCli } from '../helpers/cli.ts';
import { repoDir } from '../helpers/shared.ts';

let main: ImageBind;
let upper: ImageBind;
before(async () => {
  main = await ImageBind.load();
  upper = await ImageBind.load(join(repoDir, 'models/mini/upper-bound'));
});
after(async () => {
  await main?.close();
  await upper?.close();
});

test('the emergent zero-shot table re-measures from the shipped weights (held-out slice)', { timeout: 300_000 }, async () => {
  const table = JSON.parse(readFileSync(join(repoDir, 'bench/results/emergent-zero-shot.json'), 'utf8')) as {
    seed: number; slice: { n: number; vision_text_top1: number } & Record<string, { emergent_top1: number; upper_bound_top1: number | null }>;
  };
  const { n } = table.slice;
  const report = await evaluateEmergent(main, upper, { seed: table.seed, n });
  // The same samples and weights give the same answers, up to a sample flipped by thread-order rounding.
  const tol = 1.5 / n;
  for (const m of EMERGENT_MODALITIES) {
    const row = table.slice[m];
    console.log(`# ${m}: emergent ${report[m].emergent_top1.toFixed(3)} (table ${row.emergent_top1.toFixed(3)}), upper bound ${report[m].upper_bound_top1?.toFixed(3)} (table ${row.upper_bound_top1?.toFixed(3)}), chance ${report[m].chance.toFixed(3)}`);
    assert.ok(Math.abs(report[m].emergent_top1 - row.emergent_top1) <= tol, `${m} emergent ${report[m].emergent_top1} vs table ${row.emergent_top1}`);
    assert.ok(Math.abs((report[m].upper_bound_top1 ?? 0) - (row.upper_bound_top1 ?? 0)) <= tol, `${m} upper bound`);
    assert.ok(report[m].emergent_top1 >= 2 * report[m].chance, `${m} emergent ${report[m].emergent_top1} is not well above chance`);
  }
  assert.ok(Math.abs(report.vision_text_top1 - table.slice.vision_text_top1) <= tol);
});

test('main job: `imagebind demo` indexes a world demo set and finds the right class across modalities', { timeout: 300_000 }, async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'imagebind-demo-')), 'demo');
  const r = await runCli(['demo', '--dir', dir, '--per-class', '2', '-k', '5', '--json'], { timeoutMs: 280_000 });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { indexed: number; top1: number; top5: number; queries: { description: string; hits: { correct: boolean }[] }[] };
  assert.equal(report.indexed, 16 * 2 * 5);
  const byKind = (prefix: string) => report.queries.filter((q) => q.description.startsWith(prefix));
  for (const prefix of ['text "a photo', 'text "the sound', 'audio']) {
    const qs = byKind(prefix);
    const hit5 = qs.filter((q) => q.hits.some((h) => h.correct)).length / qs.length;
    console.log(`# demo ${prefix}…: right class in top 5 for ${(100 * hit5).toFixed(0)}% of ${qs.length} queries`);
  }
  // 2 of 32 items per modality share the query's class: chance of a hit in the top 5 is ≈ 29%.
  console.log(`# demo overall: top-1 ${(100 * report.top1).toFixed(0)}%, top-5 ${(100 * report.top5).toFixed(0)}%`);
  assert.ok(report.top5 >= 0.55, `top-5 class match ${report.top5}`);
  assert.ok(report.top1 >= 0.3, `top-1 class match ${report.top1}`);
});
