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

test(
  'the emergent zero-shot table re-measures from the shipped weights (held-out slice)',
  { timeout: 300_000 },
  async () => {
    const table = JSON.parse(readFileSync(join(repoDir, 'bench/results/emergent-zero-shot.json'), 'utf8')) as {
      seed: number;
      slice: { n: number; vision_text_top1: number } & Record<
        string,
        { emergent_top1: number; upper_bound_top1: number | null }
      >;
    };
    const { n } = table.slice;
    const report = await evaluateEmergent(main, upper, { seed: table.seed, n });
    // The same samples and weights give the same answers, up to a sample flipped by thread-order rounding.
    const tol = 1.5 / n;
    for (const m of EMERGENT_MODALITIES) {
      const row = table.slice[m];
      console.log(
        `# ${m}: emergent ${report[m].emergent_top1.toFixed(3)} (table ${row.emergent_top1.toFixed(3)}), upper bound ${report[m].upper_bound_top1?.toFixed(3)} (table ${row.upper_bound_top1?.toFixed(3)}), chance ${report[m].chance.toFixed(3)}`,
      );
      assert.ok(
        Math.abs(report[m].emergent_top1 - row.emergent_top1) <= tol,
        `${m} emergent ${report[m].emergent_top1} vs table ${row.emergent_top1}`,
      );
      assert.ok(Math.abs((report[m].upper_bound_top1 ?? 0) - (row.upper_bound_top1 ?? 0)) <= tol, `${m} upper bound`);
      assert.ok(
        report[m].emergent_top1 >= 2 * report[m].chance,
        `${m} emergent ${report[m].emergent_top1} is not well above chance`,
      );
    }
    assert.ok(Math.abs(report.vision_text_top1 - table.slice.vision_text_top1) <= tol);
  },
);

test(
  'main job: `imagebind demo` indexes a world demo set and finds the right class across modalities',
  { timeout: 300_000 },
  async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'imagebind-demo-')), 'demo');
    const r = await runCli(['demo', '--dir', dir, '--per-class', '2', '-k', '5', '--json'], { timeoutMs: 280_000 });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as {
      indexed: number;
      k: number;
      top1_class_match: number;
      within_top_k_class_match: number;
      queries: { description: string; hits: { correct: boolean }[] }[];
    };
    assert.equal(report.indexed, 16 * 2 * 5);
    const byKind = (prefix: string) => report.queries.filter((q) => q.description.startsWith(prefix));
    for (const prefix of ['text "a photo', 'text "the sound', 'audio']) {
      const qs = byKind(prefix);
      const hit5 = qs.filter((q) => q.hits.some((h) => h.correct)).length / qs.length;
      console.log(`# demo ${prefix}…: right class in top 5 for ${(100 * hit5).toFixed(0)}% of ${qs.length} queries`);
    }
    // 2 of 32 items per modality share the query's class: chance of a hit in the top 5 is ≈ 29%.
    const { top1_class_match: top1, within_top_k_class_match: top5 } = report;
    console.log(`# demo overall: top-1 ${(100 * top1).toFixed(0)}%, top-5 ${(100 * top5).toFixed(0)}%`);
    assert.equal(report.k, 5);
    assert.ok(top5 >= 0.55, `top-5 class match ${top5}`);
    assert.ok(top1 >= 0.3, `top-1 class match ${top1}`);
  },
);

test(
  'cross-modal search with the mini model: audio→image, text→audio and depth→image find the right class in the top 5 for most held-out queries',
  { timeout: 300_000 },
  async () => {
    const { World } = await import('../../src/synth/world/world.ts');
    const { writeSampleFiles, baseName, FILE_SUFFIX } = await import('../../src/synth/world/files.ts');
    const { CLASSES, NUM_CLASSES } = await import('../../src/synth/world/classes.ts');
    const { indexPaths } = await import('../../src/apps/indexer.ts');
    const { openModelStore } = await import('../../src/apps/model-store.ts');
    const { searchStore } = await import('../../src/apps/query.ts');
    const root = mkdtempSync(join(tmpdir(), 'imagebind-retrieval-'));
    const world = new World(99);
    const split = world.split('test');
    const corpus = split.indices(NUM_CLASSES * 3);
    for (const i of corpus) await writeSampleFiles(join(root, 'corpus'), world.sample(i), ['image', 'audio']);
    const held = split.indices(NUM_CLASSES, corpus.length);
    for (const i of held) await writeSampleFiles(join(root, 'queries'), world.sample(i), ['audio', 'depth']);
    const store = openModelStore(main, join(root, 'index.db'), { create: true });
    try {
      const report = await indexPaths(main, store, [join(root, 'corpus')]);
      assert.equal(report.failed.length, 0);
      const classOf = (path: string) => path.split('/').pop()!.split('.')[0].replace(/^\d+-/, '').replace(/-/g, ' ');
      const rate = async (
        queries: { kind: 'audio' | 'depth' | 'text'; input: string; expected: string }[],
        target: string,
      ) => {
        let hits = 0;
        for (const q of queries) {
          const res = await searchStore(main, store, {
            parts: [{ kind: q.kind, input: q.input }],
            k: 5,
            modalities: [target],
          });
          if (res.some((h) => classOf(h.path) === q.expected)) hits++;
        }
        return hits / queries.length;
      };
      const file = (i: number, m: 'audio' | 'depth') =>
        join(root, 'queries', `${baseName({ index: i, className: CLASSES[world.classOf(i)].name })}${FILE_SUFFIX[m]}`);
      const results = {
        'audio→image': await rate(
          held.map((i) => ({
            kind: 'audio' as const,
            input: file(i, 'audio'),
            expected: CLASSES[world.classOf(i)].name,
          })),
          'vision',
        ),
        'depth→image': await rate(
          held.map((i) => ({
            kind: 'depth' as const,
            input: file(i, 'depth'),
            expected: CLASSES[world.classOf(i)].name,
          })),
          'vision',
        ),
        'text→audio': await rate(
          CLASSES.map((c) => ({
            kind: 'text' as const,
            input: `the sound of a ${c.caption.nouns[0]}`,
            expected: c.name,
          })),
          'audio',
        ),
      };
      // 3 of the 48 items of the target modality share the query's class: a random top 5 hits ≈ 28% of the time.
      for (const [direction, r] of Object.entries(results)) {
        console.log(
          `# ${direction}: right class in the top 5 for ${(100 * r).toFixed(0)}% of ${NUM_CLASSES} held-out queries (chance ≈ 28%)`,
        );
        assert.ok(r > 0.5, `${direction}: ${r}`);
      }
    } finally {
      store.close();
    }
  },
);
