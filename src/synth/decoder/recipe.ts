/**
 * How the embedded mini decoder (`models/mini/decoder/`) is made, the unCLIP way: world images at
 * 64², each conditioned on its frozen mini image embedding (never on audio, text or any other
 * modality: those directions are emergent), with condition dropout for guidance and noise
 * augmentation of the embedding. Writes the EMA weights as dit.onnx + dit.weights + manifest.json.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageBind } from '../../embed/imagebind.ts';
import {
  DECODER_FORMAT,
  DECODER_VERSION,
  type MiniDecoderManifest,
  type SamplingDefaults,
} from '../../model/diffusion/decoder-manifest.ts';
import type { DitSpec } from '../../model/diffusion/dit-spec.ts';
import { buildDitGraph } from '../../model/diffusion/dit.ts';
import type { DiffusionObjective } from '../../train/diffusion/batch.ts';
import { DiffusionTrainer } from '../../train/diffusion/trainer.ts';
import { writeGraphWithWeights } from '../../train/export-graph.ts';
import type { NoiseSchedule } from '../../runtime/diffusion/schedule.ts';
import { World } from '../world/world.ts';
import { decoderDataset, diffusionData, embeddingStats } from './data.ts';
import decoderConfig from './decoder-config.json' with { type: 'json' };

export interface DecoderRecipeOptions {
  readonly modelDir: string;
  /** The decoder directory to write (default `<modelDir>/decoder`). */
  readonly outDir: string;
  /** Cache and checkpoints; a run with the same work directory resumes. */
  readonly workDir: string;
  readonly seed?: number;
  readonly images?: number;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly spec?: DitSpec;
  readonly checkpointEvery?: number;
  readonly threads?: number;
  readonly log?: (line: string) => void;
  /** Called with the trainer's EMA weights every `checkpointEvery` steps (e.g. to sample a preview). */
  readonly onCheckpoint?: (step: number) => void | Promise<void>;
  /**
   * Write the decoder from the last checkpoint as it is, without training further (a run stopped
   * early by its time budget). The checkpoint must exist; the manifest records the steps it had.
   */
  readonly exportCheckpoint?: boolean;
}

/** Where the decoder's images come from: the world's train split, past the ranges the mini encoders used. */
export const DECODER_TRAIN_OFFSET = 300_000;

const COSINE: NoiseSchedule = { trainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2' };

export async function trainMiniDecoder(o: DecoderRecipeOptions): Promise<MiniDecoderManifest> {
  const log = o.log ?? (() => {});
  const seed = o.seed ?? 1;
  const spec = o.spec ?? (decoderConfig.spec as DitSpec);
  const model = await ImageBind.load(o.modelDir, { batchSize: 32 });
  const world = new World(seed);
  const n = o.images ?? decoderConfig.images;
  const t0 = Date.now();
  const data = await decoderDataset(
    world,
    world.split('train').indices(n, DECODER_TRAIN_OFFSET),
    spec.imageSize,
    model,
    o.workDir,
    log,
  );
  const renderSeconds = (Date.now() - t0) / 1000;
  await model.close();
  const stats = embeddingStats(data.embeddings);
  const objective: DiffusionObjective = {
    schedule: COSINE,
    prediction: decoderConfig.prediction as DiffusionObjective['prediction'],
    noiseAugmentation: { schedule: COSINE, mean: Float32Array.from(stats.mean), std: Float32Array.from(stats.std) },
    noiseAugMaxLevel: decoderConfig.noiseAugMaxLevel,
    condDropout: decoderConfig.condDropout,
    minSnrGamma: decoderConfig.minSnrGamma,
  };
  const opts = {
    spec,
    objective,
    data: diffusionData(data),
    batchSize: o.batchSize ?? decoderConfig.batchSize,
    steps: o.steps ?? decoderConfig.steps,
    lr: o.lr ?? decoderConfig.lr,
    warmupSteps: decoderConfig.warmupSteps,
    emaDecay: decoderConfig.emaDecay,
    seed,
    threads: o.threads,
  };
  const ckpt = join(o.workDir, 'checkpoint');
  const trainer = o.exportCheckpoint
    ? await DiffusionTrainer.resume(ckpt, opts)
    : await DiffusionTrainer.resume(ckpt, opts).catch(() => DiffusionTrainer.create(opts));
  if (trainer.step > 0) log(`resumed at step ${trainer.step}`);
  const recipeSteps = opts.steps;
  if (o.exportCheckpoint) {
    opts.steps = trainer.step;
    log(`exporting the checkpoint at step ${trainer.step} of the recipe's ${recipeSteps}`);
  }
  const t1 = Date.now();
  const cpu1 = process.cpuUsage();
  const startStep = trainer.step;
  // Wall and CPU time of the training loop, summed over resumed runs (rendering is separate).
  const spent = () => {
    const c = process.cpuUsage(cpu1);
    return {
      wallSeconds: trainer.spentBefore.wallSeconds + (Date.now() - t1) / 1000,
      cpuSeconds: trainer.spentBefore.cpuSeconds + (c.user + c.system) / 1e6,
    };
  };
  let lossSum = 0,
    lossCount = 0;
  try {
    while (trainer.step < opts.steps) {
      const s = await trainer.trainStep();
      lossSum += s.loss;
      lossCount++;
      if (s.step % 25 === 0 || s.step === opts.steps) {
        log(
          `step ${s.step}/${opts.steps} loss ${(lossSum / lossCount).toFixed(4)} lr ${s.lr.toExponential(2)} |g| ${s.gradNorm.toFixed(2)} ${s.samplesPerSecond.toFixed(1)} samples/s`,
        );
        lossSum = lossCount = 0;
      }
      if (s.step % (o.checkpointEvery ?? 200) === 0 || s.step === opts.steps) {
        await trainer.saveCheckpoint(ckpt, spent());
        await o.onCheckpoint?.(s.step);
      }
    }
  } finally {
    await trainer.close();
  }
  const total = spent();
  const manifest = await writeMiniDecoder(trainer, o.outDir, {
    identity: model.identity,
    stats,
    training: {
      seed,
      images: n,
      steps: opts.steps,
      ...(opts.steps < recipeSteps ? { recipeSteps, stoppedEarly: true } : {}),
      batchSize: opts.batchSize,
      lr: opts.lr,
      condDropout: objective.condDropout,
      noiseAugMaxLevel: objective.noiseAugMaxLevel,
      minSnrGamma: objective.minSnrGamma,
      prediction: objective.prediction,
      emaDecay: opts.emaDecay,
      renderSeconds,
      trainSeconds: total.wallSeconds,
      cpuSeconds: total.cpuSeconds,
      stepsThisRun: opts.steps - startStep,
    },
  });
  log(`wrote ${o.outDir}`);
  return manifest;
}

/** Writes the EMA weights and the manifest to `outDir` (replacing a previous decoder whole). */
export async function writeMiniDecoder(
  trainer: DiffusionTrainer,
  outDir: string,
  meta: { identity: string; stats: { mean: number[]; std: number[] }; training: Record<string, unknown> },
): Promise<MiniDecoderManifest> {
  const spec = trainer.opts.spec;
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const files = await writeGraphWithWeights(
    buildDitGraph(spec),
    trainer.ema,
    tmp,
    'dit',
    'imagebind-ts mini unCLIP decoder (DiT)',
  );
  const manifest: MiniDecoderManifest = {
    format: DECODER_FORMAT,
    formatVersion: DECODER_VERSION,
    kind: 'mini-dit',
    name: 'imagebind-mini-decoder',
    identity: meta.identity,
    embeddingDim: spec.condDim,
    spec,
    graph: files.graph,
    weights: files.weights,
    weightsSha256: files.weightsSha256,
    scheduler: {
      schedule: COSINE,
      prediction: decoderConfig.prediction as MiniDecoderManifest['scheduler']['prediction'],
      spacing: 'trailing',
      setAlphaToOne: true,
    },
    noiseAugmentation: { schedule: COSINE, mean: meta.stats.mean, std: meta.stats.std },
    defaults: decoderConfig.defaults as SamplingDefaults,
    training: meta.training,
  };
  await writeFile(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const old = `${outDir}.old-${process.pid}`;
  await rename(outDir, old).catch(() => undefined);
  await rename(tmp, outDir);
  await rm(old, { recursive: true, force: true });
  return manifest;
}
