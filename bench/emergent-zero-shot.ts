/**
 * The paper's table in miniature, from the shipped weights: emergent X→text zero-shot top-1 on a
 * held-out split of the synthetic world, next to chance and the text-paired upper bound.
 * Writes bench/emergent-zero-shot.md and bench/results/emergent-zero-shot.json.
 *
 *   npx tsx bench/emergent-zero-shot.ts [--model models/mini] [--seed 12345] [--n 320]
 * (the same numbers as `imagebind eval-emergent --seed 12345 --n 320 --json`)
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMERGENT_MODALITIES, evaluateEmergent } from '../src/apps/emergent.ts';
import { ImageBind } from '../src/embed/imagebind.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const dir = flag('--model', join(root, 'models/mini'));
const seed = Number(flag('--seed', '12345'));
const n = Number(flag('--n', '320'));
const main = await ImageBind.load(dir);
const upper = existsSync(join(dir, 'upper-bound', 'manifest.json'))
  ? await ImageBind.load(join(dir, 'upper-bound'))
  : null;
const report = await evaluateEmergent(main, upper, { seed, n });
// The test suite re-measures this slice (the set's first samples) and compares it with the table.
const { n: sliceN, seed: _s, ...slice } = await evaluateEmergent(main, upper, { seed, n: 96 });
await main.close();
await upper?.close();

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(1)}%`);
const rows = EMERGENT_MODALITIES.map((m) => {
  const r = report[m];
  const ratio = r.upper_bound_top1 ? r.emergent_top1 / r.upper_bound_top1 : null;
  return {
    modality: m,
    ...r,
    x_chance: r.emergent_top1 / r.chance,
    of_upper_bound: ratio,
    meets_targets: r.emergent_top1 >= 5 * r.chance && (ratio ?? 0) >= 0.7,
  };
});
writeFileSync(
  join(root, 'bench/results/emergent-zero-shot.json'),
  `${JSON.stringify({ benchmark: 'emergent-zero-shot', machine: machineInfo(), model: main.manifest.name, seed, n, vision_text_top1: report.vision_text_top1, rows, slice: { n: sliceN, ...slice } }, null, 2)}\n`,
);
const md = [
  '# Emergent zero-shot classification: the ImageBind table in miniature',
  '',
  `Model: \`models/mini\` (imagebind-mini, trained by \`npx tsx scripts/train-mini.ts\`). Held-out set: ${n} samples per modality from the synthetic world's test split, world seed ${seed}, 16 classes, class-balanced.`,
  'Reproduce: `npx imagebind eval-emergent --seed ' +
    seed +
    ' --n ' +
    n +
    ' --json` (or `npx tsx bench/emergent-zero-shot.ts`).',
  '',
  'Each X encoder was bound to the frozen image encoder with X–image pairs only: it never saw text. Zero-shot X→text picks the class whose prompt-ensemble text embedding is nearest.',
  'The upper bound is the same X encoder architecture trained on X–text pairs (`models/mini/upper-bound/`). Targets: emergent ≥ 5× chance and ≥ 70% of the upper bound.',
  '',
  '| X | emergent X→text top-1 | chance | × chance | text-paired upper bound | emergent / upper bound | targets met |',
  '|---|---:|---:|---:|---:|---:|:---:|',
  ...rows.map(
    (r) =>
      `| ${r.modality} | ${pct(r.emergent_top1)} | ${pct(r.chance)} | ${r.x_chance.toFixed(1)}× | ${pct(r.upper_bound_top1)} | ${r.of_upper_bound === null ? '–' : `${(100 * r.of_upper_bound).toFixed(0)}%`} | ${r.meets_targets ? 'yes' : 'no'} |`,
  ),
  '',
  `Image→text zero-shot top-1 (the pair the model was trained on): **${pct(report.vision_text_top1)}**.`,
  '',
].join('\n');
writeFileSync(join(root, 'bench/emergent-zero-shot.md'), md);
console.log(md);
