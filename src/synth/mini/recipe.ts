/**
 * How the embedded mini ImageBind is made, the ImageBind way:
 *  1. learn a BPE vocabulary from the world's captions;
 *  2. train vision + text jointly on image–caption pairs (CLIP-style symmetric InfoNCE);
 *  3. freeze vision and bind audio, depth, thermal and IMU with X–image pairs only (never X–text);
 *  4. for the upper bounds, train the same encoders on X–text pairs instead.
 * Writes `<out>/` (all six encoders + tokenizer) and `<out>/upper-bound/` (the text-paired encoders).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Float32Tensor } from '../../core/tensor.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { type ImageBindConfig, resolveConfig } from '../../model/config.ts';
import miniConfig from '../../model/configs/mini.json' with { type: 'json' };
import { ClipTokenizer } from '../../preprocess/text/index.ts';
import { serializeMerges } from '../../preprocess/text/bpe-vocab.ts';
import { takeRows } from '../../train/data.ts';
import { Trainer } from '../../train/trainer.ts';
import { computeTargets, withTargets } from '../../train/targets.ts';
import { saveModel } from '../../train/export.ts';
import type { ParamMap } from '../../train/params.ts';
import { learnWorldMerges } from '../world/vocab.ts';
import { World } from '../world/world.ts';
import { type SensorModality, captionIds, imageTextDataset, renderStack, sensorDataset } from './data.ts';

export interface RecipeOptions {
  readonly outDir: string;
  readonly seed?: number;
  /** Image–caption pairs for stage 2, and X–image pairs per modality for stage 3. */
  readonly jointSamples?: number;
  readonly bindSamples?: number;
  readonly jointSteps?: number;
  readonly bindSteps?: number;
  readonly batchSize?: number;
  readonly jointLr?: number;
  readonly bindLr?: number;
  readonly merges?: number;
  readonly log?: (line: string) => void;
  readonly onStats?: (stage: string, samplesPerSecond: number, finalLoss: number) => void;
}

const SENSORS: readonly SensorModality[] = ['audio', 'depth', 'thermal', 'imu'];

export function miniModelConfig(vocabSize: number): ImageBindConfig {
  return resolveConfig({ ...miniConfig.kwargs, text_vocab_size: vocabSize }, 'mini.json');
}

async function train(label: string, trainer: Trainer, o: RecipeOptions): Promise<ParamMap> {
  let last = { loss: NaN, samplesPerSecond: 0 };
  let sum = 0,
    count = 0;
  while (trainer.step < trainer.opts.steps) {
    const s = await trainer.trainStep();
    last = s;
    sum += s.samplesPerSecond;
    count++;
    if (s.step % 50 === 0 || s.step === trainer.opts.steps)
      o.log?.(
        `${label}: step ${s.step}/${trainer.opts.steps} loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(2)} ${s.samplesPerSecond.toFixed(0)} samples/s`,
      );
  }
  o.onStats?.(label, sum / Math.max(1, count), last.loss);
  return trainer.params;
}

export async function trainMiniModel(o: RecipeOptions): Promise<void> {
  const seed = o.seed ?? 1;
  const world = new World(seed);
  const bs = o.batchSize ?? 64;
  const log = o.log ?? (() => {});
  const train0 = world.split('train');

  log('learning the BPE vocabulary from world captions ...');
  const merges = learnWorldMerges(world, o.merges ?? 700, 4000);
  const work = join(o.outDir, '.work');
  await mkdir(work, { recursive: true });
  const mergesPath = join(work, 'world_bpe_merges.txt');
  await writeFile(mergesPath, serializeMerges(merges));
  const tokenizer = ClipTokenizer.fromMerges(merges);
  const config = miniModelConfig(tokenizer.vocabSize);

  const nJoint = o.jointSamples ?? 3200;
  log(`rendering ${nJoint} image–caption pairs ...`);
  const jointIdx = train0.indices(nJoint);
  const images = renderStack(world, jointIdx, 'image');
  const ids = captionIds(world, jointIdx, tokenizer);
  const joint = await Trainer.create({
    config,
    setup: { kind: 'joint', query: 'text', key: 'vision' },
    data: imageTextDataset(images, ids, config.video_frames),
    batchSize: bs,
    steps: o.jointSteps ?? 800,
    lr: o.jointLr ?? 3e-4,
    warmupSteps: 100,
    seed,
    progress: false,
  });
  const visionText = await train('vision+text', joint, o);
  await joint.close();

  const stage1Dir = join(work, 'stage1');
  await saveModel(visionText, { config, modalities: ['vision', 'text'], outDir: stage1Dir, vocabPath: mergesPath });
  const frozen = await ImageBind.load(stage1Dir, { batchSize: 32 });
  const all: ParamMap = new Map(visionText);
  const upper: ParamMap = new Map();
  const nBind = o.bindSamples ?? 3200;
  for (const [k, m] of SENSORS.entries()) {
    // Each sensor gets its own pairs, as each of ImageBind's datasets pairs one modality with images.
    const idx = train0.indices(nBind, nJoint + k * nBind);
    log(`rendering ${nBind} ${m}–image pairs ...`);
    const inputs = renderStack(world, idx, m);
    const pairedImages = renderStack(world, idx, 'image');
    const imageTargets = await computeTargets(frozen, nBind, async (r) => takeRows(pairedImages, r), { batchSize: 32 });
    const captionTargets = await computeTargets(
      frozen,
      nBind,
      async (r) =>
        captionIds(
          world,
          r.map((i) => idx[i]),
          tokenizer,
        ),
      { batchSize: 64, modality: 'text' },
    );
    for (const [kind, targets, sink] of [
      ['image', imageTargets, all],
      ['text', captionTargets, upper],
    ] as const) {
      const trainer = await Trainer.create({
        config,
        setup: { kind: 'binding', modality: m },
        data: withTargets(sensorDataset(m, inputs), targets as Float32Tensor),
        batchSize: bs,
        steps: o.bindSteps ?? 600,
        lr: o.bindLr ?? 5e-4,
        warmupSteps: 50,
        seed: seed + k + 1,
        progress: false,
      });
      const p = await train(`${m} (${kind}-paired)`, trainer, o);
      for (const [name, t] of p) if (name.includes(`.${m}.`)) sink.set(name, t);
      await trainer.close();
    }
  }
  await frozen.close();
  await saveModel(all, {
    config,
    modalities: ['vision', 'text', 'audio', 'depth', 'thermal', 'imu'],
    outDir: o.outDir,
    name: 'imagebind-mini',
    vocabPath: mergesPath,
  });
  await saveModel(upper, {
    config,
    modalities: SENSORS,
    outDir: join(o.outDir, 'upper-bound'),
    name: 'imagebind-mini-text-paired',
  });
  await rm(work, { recursive: true, force: true });
  log(`wrote ${o.outDir}`);
}
