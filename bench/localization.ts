/**
 * Localisation on synthetic scenes with ground-truth boxes: the proposals method (dense patch
 * similarity + verified proposals, `imagebind locate`'s default) against the earlier sliding-window
 * crop scoring, the bare dense map of each dense mode, and centre/random baselines, per query
 * modality, with the time per image measured in one run. Writes bench/localization.md and
 * bench/results/localization.json.
 *
 *   npx tsx bench/localization.ts [--model models/mini] [--seed 12345] [--n 100]
 * (the main table is `imagebind eval-localization --seed 12345 --n 100 --compare --json`)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCALIZATION_QUERIES, evaluateLocalization } from '../src/apps/locate/evaluate.ts';
import { ImageBind } from '../src/embed/imagebind.ts';
import { DENSE_MODES } from '../src/model/dense-head.ts';
import { machineInfo } from './machine.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const dir = flag('--model', join(root, 'models/mini'));
const seed = Number(flag('--seed', '12345'));
const n = Number(flag('--n', '100'));
const model = await ImageBind.load(dir);
const progress = (what: string) => (done: number, total: number) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${what} ${done}/${total}`);
};
const main = await evaluateLocalization(model, {
  seed,
  n,
  compareWindows: true,
  denseModes: DENSE_MODES,
  onProgress: progress('scenes'),
});
// The same text targets named by the bare phrase, without locate's "a photo of {}" template.
const raw = await evaluateLocalization(model, { seed, n, queries: ['text'], textTemplate: '{}' });
await model.close();

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const rows = LOCALIZATION_QUERIES.filter((q) => main.rows[q]).map((q) => {
  const r = main.rows[q]!;
  return {
    query: q,
    ...r,
    x_center: r.pointing / Math.max(r.center_baseline, 1e-9),
    // The targets are for audio and text queries.
    meets_targets: q === 'audio' || q === 'text' ? r.pointing >= 0.7 && r.pointing >= 2 * r.center_baseline : null,
  };
});
const speedup = (main.windows_ms_per_image ?? 0) / main.ms_per_image;
const machine = machineInfo();
writeFileSync(
  join(root, 'bench/results/localization.json'),
  `${JSON.stringify({ benchmark: 'localization', machine, model: model.manifest.name, seed, n, scenes: main.scenes, targets: main.targets, ms_per_image: main.ms_per_image, windows_ms_per_image: main.windows_ms_per_image, speedup, rows, text_without_template: raw.rows.text }, null, 2)}\n`,
);
const modeCols = DENSE_MODES.map((m) => `dense ${m}`);
const md = [
  '# Localisation: where in the image is the thing the query names?',
  '',
  `Model: \`${model.manifest.name}\`. ${main.scenes} synthetic scenes (world seed ${seed}, \`src/synth/world/layout.ts\`), each with 2–4 objects of distinct classes and their ground-truth boxes (the tight box of each rendered silhouette); every object is a target, ${main.targets} in all.`,
  'Each target is named by a query of its class rendered from held-out world samples (seed + 1, test split): an audio clip (emergent: the audio encoder never saw images of these scenes nor any text), a phrase such as "a dog" (through `locate`\'s default "a photo of {}" template), another image, a depth map, a thermal image or an IMU log.',
  '',
  'Reproduce: `npx tsx bench/localization.ts` (the main columns: `npx imagebind eval-localization --seed ' +
    seed +
    ' --n ' +
    n +
    ' --compare --json`).',
  '',
  '- **pointing**: the heatmap peak falls inside the target box (no tolerance margin). **IoU≥0.5**: the best box overlaps the target box with IoU ≥ 0.5.',
  "- **proposals** (`locate`'s default): one dense pass (per-patch embeddings, MaskCLIP's value path), selective-search proposals ranked by colour-contrast objectness + mean dense similarity, the top 5 after NMS cropped with 1.3× context and scored by the vision encoder.",
  '- **windows**: the earlier method, 4 scales of square windows (39 crops on these 224×224 images), heatmap = mean of covering windows, box = best window.',
  "- **dense <mode>**: the bare dense map's peak (one forward pass, no crops): `value` = last block's value path (MaskCLIP), `tokens` = trunk output tokens, `self` = last block with self-only attention.",
  '- **targets** (audio and text): pointing ≥ 70% and ≥ 2× the centre baseline.',
  '- **centre**: the image centre; **random**: a uniformly random point (exact expectation). Their box counterparts (a centred box of 30% the side, a random box) reach IoU≥0.5 for ' +
    `${pct(rows[0]?.center_iou50 ?? 0)} and ${pct(rows[0]?.random_iou50 ?? 0)} of targets.`,
  '',
  `| query | pointing | IoU≥0.5 | windows pointing | windows IoU≥0.5 | ${modeCols.join(' | ')} | centre | random | × centre | targets met |`,
  `|---|---:|---:|---:|---:|${DENSE_MODES.map(() => '---:').join('|')}|---:|---:|---:|:---:|`,
  ...rows.map(
    (r) =>
      `| ${r.query} | **${pct(r.pointing)}** | ${pct(r.iou50)} | ${pct(r.windows?.pointing ?? 0)} | ${pct(r.windows?.iou50 ?? 0)} | ${DENSE_MODES.map((m) => pct(r.dense_pointing?.[m] ?? 0)).join(' | ')} | ${pct(r.center_baseline)} | ${pct(r.random_baseline)} | ${r.x_center.toFixed(1)}× | ${r.meets_targets === null ? '–' : r.meets_targets ? 'yes' : 'no'} |`,
  ),
  '',
  `Text named by the bare phrase (no template): pointing ${pct(raw.rows.text?.pointing ?? 0)}, IoU≥0.5 ${pct(raw.rows.text?.iou50 ?? 0)} (with the template: ${pct(main.rows.text?.pointing ?? 0)}, ${pct(main.rows.text?.iou50 ?? 0)}).`,
  '',
  '## Time per image',
  '',
  `| method | ms per image | encoder runs per image |`,
  `|---|---:|---:|`,
  `| proposals | ${main.ms_per_image.toFixed(0)} | 1 dense + 5 crops |`,
  `| windows | ${(main.windows_ms_per_image ?? 0).toFixed(0)} | 39 crops |`,
  '',
  `Proposals are **${speedup.toFixed(1)}×** faster per image. One fresh localisation per scene is timed (image-side work and one query's verification; a further query on the same image reuses the image-side work and costs a few ms), averaged over ${main.scenes} scenes, both methods interleaved scene by scene in one process, after one untimed warm-up run each.`,
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, onnxruntime ${machine.onnxruntime}. The machine was shared with other sessions while this ran, so absolute times are inflated and noisy; the ratio, measured in one run, is the number to read.`,
  '',
  '## How the method was chosen',
  '',
  '- The bare dense map (any mode) points at the target far more often than chance but is coarse: the mini model has 7×7 patches of 32 px on objects of 45–75 px, and was trained on its image embedding only. `value` is the best of the three modes, so the dense graph uses it.',
  '- Crop scoring recognises an object well when the crop is centred on it (choosing among the ground-truth objects by their crops was right 80–90% of the time in development), so the problem is where to crop. Square sliding windows rarely sit on an object, which is why the windows method points poorly and almost never reaches IoU 0.5.',
  "- Selective search finds nearly every object among its few hundred proposals, but scoring all of them costs more than the windows. Ranking them by objectness plus the dense map (query-aware) and verifying the top 5 keeps most of the recall at an eighth of the encoder runs; the heatmap peaks at the best box's centre (the coarse dense maximum points worse).",
  '',
].join('\n');
writeFileSync(join(root, 'bench/localization.md'), md);
console.log(md);
