/**
 * Stage 1 of the mini recipe for one vision size: a BPE vocabulary from the world's captions, then
 * vision + text trained jointly on image–caption pairs (symmetric InfoNCE, text's logit scale
 * learned). The text encoder recipe is the same for every vision size. Each trained base is kept
 * in the cache directory (a model directory plus its raw weights) and reused by every study and
 * seed that binds against it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openCheckpoint, writeSafetensors } from '../../checkpoint/index.ts';
import { numel } from '../../core/tensor.ts';
import { type ImageBindConfig, resolveConfig } from '../../model/config.ts';
import { serializeMerges } from '../../preprocess/text/bpe-vocab.ts';
import { ClipTokenizer } from '../../preprocess/text/index.ts';
import { imagesToClips, takeRows } from '../../train/data.ts';
import { saveModel } from '../../train/export.ts';
import type { ParamMap } from '../../train/params.ts';
import { Trainer } from '../../train/trainer.ts';
import { captionIds } from '../../synth/mini/data.ts';
import { miniModelConfig } from '../../synth/mini/recipe.ts';
import { learnWorldMerges } from '../../synth/world/vocab.ts';
import { World } from '../../synth/world/world.ts';
import type { BaseSettings, VisionSize } from './settings.ts';
import { type WorldCache, type WorldRange, imageRows, rangeIndices } from './world-cache.ts';

export interface TrainedBase {
  readonly size: VisionSize;
  readonly settings: BaseSettings;
  /** A model directory with the vision and text encoders and the tokenizer. */
  readonly dir: string;
  readonly config: ImageBindConfig;
  readonly mergesPath: string;
  /** Trainable parameters of the vision encoder. */
  readonly visionParams: number;
  /** Wall time of stage 1 when it was trained (not when reused from the cache). */
  readonly seconds: number;
  readonly finalLoss: number;
}

export function visionConfig(base: ImageBindConfig, size: VisionSize): ImageBindConfig {
  return resolveConfig(
    { ...base, vision_embed_dim: size.dim, vision_num_blocks: size.blocks, vision_num_heads: size.heads },
    `vision size ${size.name}`,
  );
}

export function jointRange(s: BaseSettings): WorldRange {
  return { world: new World(s.worldSeed), split: 'train', offset: 0, count: s.jointPairs };
}

/** The sensor–image pairs: the train split right after the image–caption pairs, never overlapping them. */
export function bindRange(s: BaseSettings, pairs: number): WorldRange {
  return { world: new World(s.worldSeed), split: 'train', offset: s.jointPairs, count: pairs };
}

export function countParams(params: ParamMap, modality: string): number {
  let n = 0;
  for (const [k, t] of params) if (k.includes(`.${modality}.`)) n += numel(t.shape);
  return n;
}

function baseDir(cacheDir: string, size: VisionSize, s: BaseSettings): string {
  const key = createHash('sha256').update(JSON.stringify({ size, s })).digest('hex').slice(0, 10);
  return join(cacheDir, `base-${size.name}-${key}`);
}

const PARAMS_FILE = 'params.safetensors';
const INFO_FILE = 'base.json';

async function readBase(dir: string): Promise<TrainedBase | null> {
  try {
    return JSON.parse(await readFile(join(dir, INFO_FILE), 'utf8')) as TrainedBase;
  } catch {
    return null;
  }
}

/** The trained base for `size`, from the cache or trained now (minutes at full scale). */
export async function ensureBase(
  cache: WorldCache,
  size: VisionSize,
  s: BaseSettings,
  log: (line: string) => void = () => {},
  threads = 1,
): Promise<TrainedBase> {
  const dir = baseDir(cache.dir, size, s);
  const hit = await readBase(dir);
  if (hit) return hit;
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  const world = new World(s.worldSeed);
  const merges = learnWorldMerges(world, s.merges, 4000);
  const mergesPath = join(dir, 'world_bpe_merges.txt');
  await writeFile(mergesPath, serializeMerges(merges));
  const tokenizer = ClipTokenizer.fromMerges(merges);
  const config = visionConfig(miniModelConfig(tokenizer.vocabSize), size);
  const range = jointRange(s);
  const images = await cache.images(range);
  const ids = captionIds(world, rangeIndices(range), tokenizer);
  log(`vision ${size.name} (dim ${size.dim}, ${size.blocks} blocks, ${size.heads} heads) + text: training ...`);
  const trainer = await Trainer.create({
    config,
    setup: { kind: 'joint', query: 'text', key: 'vision' },
    data: {
      size: s.jointPairs,
      get: async (idx) => ({
        inputs: { vision: imagesToClips(imageRows(images, idx), config.video_frames), text: takeRows(ids, idx) },
      }),
    },
    batchSize: s.batchSize,
    steps: s.jointSteps,
    lr: s.jointLr,
    warmupSteps: Math.min(100, Math.floor(s.jointSteps / 10)),
    seed: s.worldSeed,
    threads,
    progress: false,
    onStep: (r) => {
      if (r.step % 100 === 0 || r.step === s.jointSteps)
        log(
          `  vision ${size.name}: step ${r.step}/${s.jointSteps} loss ${r.loss.toFixed(3)} ${r.samplesPerSecond.toFixed(0)} samples/s`,
        );
    },
  });
  let finalLoss = NaN;
  try {
    finalLoss = (await trainer.run()).at(-1)?.loss ?? NaN;
  } finally {
    await trainer.close();
  }
  const params = trainer.params;
  await saveModel(params, {
    config,
    modalities: ['vision', 'text'],
    outDir: dir,
    name: `ablate-vision-${size.name}`,
    vocabPath: mergesPath,
  });
  await writeSafetensors(
    join(dir, PARAMS_FILE),
    [...params].map(([name, t]) => ({ name, dtype: 'float32' as const, shape: t.shape, data: t.data })),
  );
  const info: TrainedBase = {
    size,
    settings: s,
    dir,
    config,
    mergesPath,
    visionParams: countParams(params, 'vision'),
    seconds: (performance.now() - t0) / 1000,
    finalLoss,
  };
  await writeFile(join(dir, INFO_FILE), `${JSON.stringify(info, null, 2)}\n`);
  log(`vision ${size.name}: ${info.visionParams} parameters, trained in ${info.seconds.toFixed(0)} s`);
  return info;
}

/** The base's trained vision and text weights (official keys). */
export async function loadBaseParams(base: TrainedBase): Promise<ParamMap> {
  const reader = await openCheckpoint(join(base.dir, PARAMS_FILE));
  try {
    const out: ParamMap = new Map();
    for (const info of reader.list())
      out.set(info.name, { shape: info.shape, data: await reader.readFloat32(info.name) });
    return out;
  } finally {
    await reader.close();
  }
}
