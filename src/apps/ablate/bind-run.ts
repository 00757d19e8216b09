/**
 * One binding run of a study: a fresh sensor encoder trained against a stage-1 base with
 * sensor–image pairs only (symmetric InfoNCE), then its emergent sensor→text top-1 measured on the
 * held-out set through the inference engine. The settings vary what the paper's ablations vary:
 * the temperature (fixed or learned), batch size, encoder capacity, training length, and whether
 * the image encoder stays frozen or is fine-tuned alongside.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageBind } from '../../embed/imagebind.ts';
import { type ImageBindConfig, resolveConfig } from '../../model/config.ts';
import type { InitializerDef } from '../../model/graph.ts';
import { type Dataset, imagesToClips, takeRows } from '../../train/data.ts';
import { saveModel } from '../../train/export.ts';
import { defaultTrainable } from '../../train/graph.ts';
import { type ParamMap, initParams } from '../../train/params.ts';
import { computeTargets, withTargets } from '../../train/targets.ts';
import { type StepResult, Trainer } from '../../train/trainer.ts';
import { type SensorModality, sensorDataset } from '../../synth/mini/data.ts';
import { type TrainedBase, bindRange, loadBaseParams } from './base.ts';
import type { HeldOut } from './held-out.ts';
import { type BindSettings, type EncoderSize, LEARNED_TEMPERATURE_INIT } from './settings.ts';
import { type Uint8Tensor, type WorldCache, imageRows, rangeKey } from './world-cache.ts';

export interface BindContext {
  readonly cache: WorldCache;
  readonly base: TrainedBase;
  /** The base loaded for inference: it embeds the target images and the class prompts. */
  readonly baseModel: ImageBind;
  readonly heldOut: HeldOut;
  /** onnxruntime intra-op threads for training and evaluation. */
  readonly threads: number;
}

export interface BindRunResult {
  /** Emergent sensor→text top-1 on the held-out set. */
  readonly top1: number;
  /** Image→text top-1 of the image encoder after the run (changes only when it was fine-tuned). */
  readonly imageTextTop1: number | null;
  readonly finalLoss: number;
  /** The temperature at the end of training (differs from the start only when learned). */
  readonly temperature: number;
  /** Training wall time (excludes data loading and evaluation). */
  readonly trainSeconds: number;
  readonly seconds: number;
  /** The trained sensor weights, when asked to keep them. */
  readonly params?: ParamMap;
}

export function logitScaleKey(m: SensorModality): string {
  return `modality_postprocessors.${m}.1.log_logit_scale`;
}

export function encoderConfig(base: ImageBindConfig, m: SensorModality, e: EncoderSize | null): ImageBindConfig {
  if (!e) return base;
  return resolveConfig(
    { ...base, [`${m}_embed_dim`]: e.dim, [`${m}_num_blocks`]: e.blocks, [`${m}_num_heads`]: e.heads },
    `${m} encoder ${e.name}`,
  );
}

export async function bindOnce(
  ctx: BindContext,
  modality: SensorModality,
  s: BindSettings,
  seed: number,
  o: { keepParams?: boolean; onStep?: (r: StepResult) => void } = {},
): Promise<BindRunResult> {
  const t0 = performance.now();
  const range = bindRange(ctx.base.settings, s.pairs);
  const inputs = await ctx.cache.sensor(range, modality, 1);
  // Raw images are only read when needed: fine-tuning, or targets not yet cached for this base.
  let raw: Promise<Uint8Tensor> | null = null;
  const images = (): Promise<Uint8Tensor> => (raw ??= ctx.cache.images(range));
  const config = encoderConfig(ctx.base.config, modality, s.encoder);
  const params = await initParams(config, [modality], seed);
  const scaleKey = logitScaleKey(modality);
  if (s.temperature !== 'official') {
    const tau = s.temperature === 'learned' ? LEARNED_TEMPERATURE_INIT : s.temperature;
    params.get(scaleKey)!.data[0] = Math.log(1 / tau);
  }
  let data: Dataset;
  if (s.fineTuneVision) {
    for (const [k, t] of await loadBaseParams(ctx.base)) if (k.includes('.vision.')) params.set(k, t);
    const all = await images();
    data = {
      size: s.pairs,
      get: async (idx) => ({
        inputs: {
          [modality]: takeRows(inputs, idx),
          vision: imagesToClips(imageRows(all, idx), config.video_frames),
        },
      }),
    };
  } else {
    const targets = await computeTargets(ctx.baseModel, s.pairs, async (r) => imageRows(await images(), r), {
      batchSize: 32,
      cachePath: join(ctx.base.dir, `targets-${rangeKey(range)}.npy`),
    });
    data = withTargets(sensorDataset(modality, inputs), targets);
  }
  const trainable =
    s.temperature === 'learned'
      ? (init: InitializerDef) => defaultTrainable(init) || init.name === scaleKey
      : undefined;
  const trainer = await Trainer.create({
    config,
    setup: s.fineTuneVision ? { kind: 'joint', query: modality, key: 'vision' } : { kind: 'binding', modality },
    data,
    initialParams: params,
    trainable,
    lrScale: s.visionLrScale === undefined ? undefined : (n) => (n.includes('.vision.') ? s.visionLrScale! : 1),
    batchSize: s.batchSize,
    steps: s.steps,
    lr: s.lr,
    warmupSteps: Math.min(50, Math.floor(s.steps / 10)),
    seed,
    threads: ctx.threads,
    progress: false,
    onStep: o.onStep,
  });
  const tTrain = performance.now();
  let finalLoss = NaN;
  try {
    finalLoss = (await trainer.run()).at(-1)?.loss ?? NaN;
  } finally {
    await trainer.close();
  }
  const trainSeconds = (performance.now() - tTrain) / 1000;
  const mods = s.fineTuneVision ? ([modality, 'vision'] as const) : ([modality] as const);
  const trained: ParamMap = new Map([...params].filter(([k]) => mods.some((m) => k.includes(`.${m}.`))));
  const dir = join(ctx.cache.dir, 'runs', randomBytes(6).toString('hex'));
  let top1 = NaN,
    imageTextTop1: number | null = null;
  try {
    await saveModel(trained, { config, modalities: [...mods], outDir: dir });
    const model = await ImageBind.load(dir, { batchSize: 32, threads: ctx.threads });
    try {
      top1 = await ctx.heldOut.zeroShot(model, modality, ctx.baseModel);
      if (s.fineTuneVision) imageTextTop1 = await ctx.heldOut.zeroShot(model, 'vision', ctx.baseModel);
    } finally {
      await model.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return {
    top1,
    imageTextTop1,
    finalLoss,
    temperature: 1 / Math.exp(params.get(scaleKey)!.data[0]),
    trainSeconds,
    seconds: (performance.now() - t0) / 1000,
    ...(o.keepParams ? { params: trained } : {}),
  };
}
