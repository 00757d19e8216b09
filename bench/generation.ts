/**
 * Generation from every modality through the shared space, measured on the shipped mini decoder:
 * class accuracy of images generated from held-out audio, depth, thermal, IMU and text (judged by
 * the independent classifier in models/mini/judge) against chance and the image-conditioned upper
 * bound, seed diversity against real within-class diversity, a PNG grid, sampling time by steps,
 * and the architecture measurements behind the decoder's design.
 * Writes bench/generation.md, bench/generation-grid.png and bench/results/generation.json.
 *
 *   nice -n 10 npx tsx bench/generation.ts [--seed 12345] [--n 96] [--skip-arch] [--skip-sweep]
 *     [--report-only] [--decoder <dir>] [--out <dir>] [--timing-steps 5,10,20,50] [--sweep-n 48] [--arch-from <generation.json>]
 *
 * --decoder measures another decoder directory (e.g. an intermediate checkpoint exported with
 * scripts/train-decoder.ts --export-checkpoint --out <dir>); --out writes the three files under
 * <dir> instead of bench/ (a smoke run that must not replace the committed ones); --arch-from
 * reuses the architecture table of an earlier run's JSON instead of measuring it again.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { SOURCE_MODALITIES, evaluateGeneration } from '../src/apps/generate/eval.ts';
import { imageGrid } from '../src/apps/generate/grid.ts';
import { Judge } from '../src/apps/generate/judge.ts';
import { ImageBind } from '../src/embed/imagebind.ts';
import { readDecoderManifest } from '../src/embed/decoder.ts';
import { imageRngs } from '../src/runtime/diffusion/denoise.ts';
import { renderImages } from '../src/synth/decoder/data.ts';
import { World } from '../src/synth/world/world.ts';
import { type ArchRow, architectureMeasurements } from './generation-arch.ts';
import { machineInfo } from './machine.ts';
import { type GenerationResult, renderReport } from './generation-report.ts';

const args = process.argv.slice(2);
const flag = (n: string, d: string) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const root = new URL('..', import.meta.url).pathname;
const seed = Number(flag('--seed', '12345'));
const n = Number(flag('--n', '96'));
const modelDir = join(root, 'models/mini');
const outDir = flag('--out', join(root, 'bench'));
mkdirSync(join(outDir, 'results'), { recursive: true });
const decoderArg = args.includes('--decoder') ? flag('--decoder', '') : undefined;
const sweepN = Number(flag('--sweep-n', '48'));
const timingSteps = flag('--timing-steps', '5,10,20,50').split(',').map(Number);
/** How class-specific each source's embedding is (the mini encoders' X→text zero-shot), for context. */
function readEmergent(): Record<string, number> | undefined {
  const file = join(root, 'bench/results/emergent-zero-shot.json');
  if (!existsSync(file)) return undefined;
  const rows = (JSON.parse(readFileSync(file, 'utf8')) as { rows: { modality: string; emergent_top1: number }[] }).rows;
  return Object.fromEntries(rows.map((x) => [x.modality, x.emergent_top1]));
}

// --report-only: rewrite the markdown from the JSON (after a change to the report's wording).
if (args.includes('--report-only')) {
  const saved = JSON.parse(readFileSync(join(outDir, 'results/generation.json'), 'utf8')) as GenerationResult;
  const result = { ...saved, emergentTop1: saved.emergentTop1 ?? readEmergent() };
  writeFileSync(join(outDir, 'results/generation.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'generation.md'), renderReport(result));
  process.exit(0);
}
const model = await ImageBind.load(modelDir, { decoder: decoderArg });
const judge = await Judge.load(join(modelDir, 'judge'));
const decoderManifest = await readDecoderManifest(model.decoderDir);
const log = (s: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// 1. The table (the same numbers as `imagebind eval-generation --seed <seed> --n <n> --json`).
log(`evaluating on ${n} held-out samples per modality ...`);
const ev = await evaluateGeneration(model, judge, { seed, n, onProgress: (m) => log(`  ${m}`) });

// 2. The grid: one held-out sample per class (columns); rows: the real image, then samples
// conditioned on its image, audio, depth, thermal, IMU and caption.
const world = new World(seed);
const firstOfClass = Array.from({ length: 16 }, (_, c) => ev.labels.indexOf(c)).filter((i) => i >= 0);
const real = renderImages(
  world,
  firstOfClass.map((i) => world.split('test').index(i)),
  64,
);
const realRow = firstOfClass.map((_, j) => ({
  width: 64,
  height: 64,
  data: real.pixels.subarray(j * 12288, (j + 1) * 12288),
}));
const rows = [
  realRow,
  ...(['image', ...SOURCE_MODALITIES] as const).map((m) => firstOfClass.map((i) => ev.samples[m][i])),
];
const grid = imageGrid(rows);
// sharp's deflate at level 9 with adaptive filtering: the same pixels in about half the bytes.
await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } })
  .png({ compressionLevel: 9, adaptiveFiltering: true, palette: false })
  .toFile(join(outDir, 'generation-grid.png'));

// 3. Sampling time per image by steps (one image with guidance, and per image in a batch of 16).
const decoder = await model.decoder();
const cond = (await model.embed({ text: ['a red ball'] }, { normalize: true })).text![0]!;
const timing: { steps: number; batch1_ms: number; batch16_ms_per_image: number }[] = [];
for (const steps of timingSteps) {
  const o = {
    sampler: decoderManifest.defaults.sampler,
    steps,
    guidance: decoderManifest.defaults.guidance,
    noiseLevel: 0,
  };
  const once = async (count: number) => {
    const t0 = performance.now();
    await decoder.decode(Array(count).fill(cond), imageRngs(1, count), o);
    return performance.now() - t0;
  };
  await once(1);
  const b1 = Math.min(await once(1), await once(1), await once(1));
  const b16 = (await once(16)) / 16;
  timing.push({ steps, batch1_ms: b1, batch16_ms_per_image: b16 });
  log(`  ${steps} steps: ${b1.toFixed(0)} ms for one image, ${b16.toFixed(0)} ms per image in a batch of 16`);
}

// 4. Guidance and noise-level sweep on a smaller slice (how the decoder's defaults were chosen).
const sweep: { guidance: number; noiseLevel: number; image: number; audio: number; depth: number }[] = [];
if (!args.includes('--skip-sweep')) {
  for (const [guidance, noiseLevel] of [
    [1, 0],
    [2, 0],
    [3, 0],
    [5, 0],
    [3, 100],
    [3, 300],
  ]) {
    const r = await evaluateGeneration(model, judge, {
      seed: seed + 1,
      n: sweepN,
      guidance,
      noiseLevel,
      // The sweep only needs the upper bound and two emergent directions.
      sources: ['image', 'audio', 'depth'],
      diversityConditions: 1,
      diversitySeeds: 2,
    });
    sweep.push({
      guidance,
      noiseLevel,
      image: r.imageAccuracy,
      audio: r.report.audio.accuracy,
      depth: r.report.depth.accuracy,
    });
    log(`  sweep g=${guidance} s=${noiseLevel}: image ${r.imageAccuracy} audio ${r.report.audio.accuracy}`);
  }
}

const archFrom = args.includes('--arch-from') ? flag('--arch-from', '') : undefined;
const arch = archFrom
  ? ((JSON.parse(readFileSync(archFrom, 'utf8')) as { architecture: ArchRow[] | null }).architecture ?? null)
  : args.includes('--skip-arch')
    ? null
    : await architectureMeasurements(log);
await judge.close();
await model.close();

const emergentTop1 = readEmergent();
const machine = machineInfo();
const training = (decoderManifest.kind === 'mini-dit' ? decoderManifest.training : {}) ?? {};
const result = {
  benchmark: 'generation',
  machine,
  seed,
  n,
  decoder: { ...decoderManifest, noiseAugmentation: undefined },
  judge: {
    spec: judge.manifest.spec,
    validationAccuracy: judge.manifest.validationAccuracy,
    training: judge.manifest.training,
  },
  report: ev.report,
  imageAccuracy: ev.imageAccuracy,
  evalSeconds: ev.seconds,
  timing,
  sweepN,
  sweep,
  architecture: arch,
  emergentTop1,
  architectureFrom: archFrom ? relative(root, archFrom) : undefined,
};
writeFileSync(join(outDir, 'results/generation.json'), `${JSON.stringify(result, null, 2)}\n`);

const md = renderReport(result);
writeFileSync(join(outDir, 'generation.md'), md);
log(`wrote generation.md, generation-grid.png and results/generation.json under ${outDir}`);
