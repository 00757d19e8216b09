/**
 * Binding a new sensor to an existing embedding space, ImageBind's recipe: the base model's vision
 * encoder stays frozen, its embeddings of the paired images are the targets, and a fresh encoder of
 * one of the official families (audio-, depth-, thermal- or IMU-style) learns to land next to them
 * with symmetric InfoNCE. The output directory holds the base's encoders plus the new one; its
 * space identity is the base's, so vectors from both mix in one index.
 */
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ImageBindError, TrainingError } from '../../core/errors.ts';
import { type Float32Tensor, stack } from '../../core/tensor.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { modalityArch } from '../../model/architecture.ts';
import { type ImageBindConfig, resolveConfig } from '../../model/config.ts';
import { spaceIdentity } from '../../model/convert.ts';
import type { Manifest } from '../../model/manifest.ts';
import { removeManifest, writeManifest } from '../../model/manifest-file.ts';
import { type LoaderOptions, loadFile } from '../../preprocess/loaders.ts';
import { takeRows } from '../../train/data.ts';
import { saveModel } from '../../train/export.ts';
import { initParams } from '../../train/params.ts';
import { computeTargets, withTargets } from '../../train/targets.ts';
import { type StepResult, Trainer } from '../../train/trainer.ts';
import type { KindOverrides } from '../media-kind.ts';
import type { Device } from '../../runtime/device.ts';
import { type PairProblem, findPairs } from './pairs.ts';

export const BIND_FAMILIES = ['audio', 'depth', 'thermal', 'imu'] as const;
export type BindFamily = (typeof BIND_FAMILIES)[number];

export interface BindOptions {
  readonly base: string;
  readonly source: string;
  readonly as: BindFamily;
  readonly outDir: string;
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly seed?: number;
  /** Overrides for the new encoder's `<family>_*` config keys (e.g. a smaller trunk). */
  readonly encoder?: Record<string, number>;
  /**
   * Fixed InfoNCE temperature τ (0.01–1) instead of the family's official one (audio 0.05, thermal
   * 0.1, depth and IMU 0.2). The bound encoder's outputs are then scaled by 1/τ, as the official
   * encoders' are by theirs; cosine similarity is unaffected.
   */
  readonly temperature?: number;
  readonly checkpointDir?: string;
  readonly overrides?: KindOverrides;
  readonly loaders?: LoaderOptions;
  /** Where the frozen base encoders run (see ImageBind.load); training itself runs on the CPU. */
  readonly device?: Device;
  readonly onNotice?: (message: string) => void;
  readonly onStep?: (s: StepResult) => void;
  readonly log?: (line: string) => void;
}

export interface BindReport {
  readonly pairs: number;
  readonly samples: number;
  readonly skipped: PairProblem[];
  readonly finalLoss: number;
  readonly manifest: Manifest;
}

function mergedConfig(
  base: ImageBindConfig,
  family: BindFamily,
  encoder: Record<string, number> = {},
): ImageBindConfig {
  for (const k of Object.keys(encoder)) {
    if (!k.startsWith(`${family}_`))
      throw new ConfigError(
        'BAD_ARGUMENT',
        `encoder override "${k}" does not belong to the ${family} encoder (keys start with ${family}_).`,
      );
  }
  return resolveConfig({ ...base, ...encoder }, 'bind encoder config');
}

/** Sensor items as [N, ...itemShape]; audio files give 3 clips each, used as 3 samples. */
function flattenClips(family: BindFamily, t: Float32Tensor): Float32Tensor[] {
  if (family !== 'audio') return [t];
  const per = t.data.length / t.shape[0];
  return Array.from({ length: t.shape[0] }, (_, i) => ({
    dtype: 'float32',
    shape: t.shape.slice(1),
    data: t.data.slice(i * per, (i + 1) * per),
  }));
}

export async function bindModality(o: BindOptions): Promise<BindReport> {
  const log = o.log ?? (() => {});
  const base = await ImageBind.load(o.base, { device: o.device, onNotice: o.onNotice });
  try {
    if (!base.manifest.modalities.vision)
      throw new ConfigError(
        'BASE_NO_VISION',
        `${o.base}: the base model has no vision encoder, which binding needs as the frozen anchor.`,
      );
    const { pairs, problems } = await findPairs(o.source, o.as, o.overrides);
    const skipped = [...problems];
    const images: Float32Tensor[] = [];
    const sensors: Float32Tensor[] = [];
    const owner: number[] = [];
    for (const p of pairs) {
      try {
        const img = await loadFile('vision', p.image, o.loaders);
        const items = flattenClips(o.as, await loadFile(o.as, p.sensor, o.loaders));
        images.push(img);
        for (const s of items) {
          sensors.push(s);
          owner.push(images.length - 1);
        }
      } catch (e) {
        if (!(e instanceof ImageBindError)) throw e;
        skipped.push({ path: `${p.image} + ${p.sensor}`, message: e.message });
      }
    }
    if (sensors.length < 2) {
      throw new TrainingError(
        'EMPTY_DATASET',
        `${o.source}: ${images.length} usable pairs; binding needs at least 2 (InfoNCE contrasts pairs within a batch). ${skipped.length} problems: ${skipped
          .slice(0, 3)
          .map((s) => `${s.path}: ${s.message}`)
          .join('; ')}`,
      );
    }
    log(
      `${images.length} pairs (${sensors.length} samples), ${skipped.length} skipped; embedding the images with the frozen vision encoder ...`,
    );
    const imageStack = stack(images);
    const imageTargets = await computeTargets(base, images.length, async (rows) => takeRows(imageStack, rows), {
      batchSize: 16,
    });
    const targets = takeRows(imageTargets, owner);
    const inputs = stack(sensors);
    const config = mergedConfig(base.manifest.config, o.as, o.encoder);
    const batchSize = Math.min(o.batchSize ?? 32, sensors.length);
    const initialParams = await paramsWithTemperature(config, o);
    const trainer = await Trainer.create({
      config,
      setup: { kind: 'binding', modality: o.as },
      data: withTargets(
        { size: inputs.shape[0], get: async (idx) => ({ inputs: { [o.as]: takeRows(inputs, idx) } }) },
        targets,
      ),
      initialParams,
      batchSize,
      steps: o.steps ?? 300,
      lr: o.lr ?? 1e-3,
      warmupSteps: Math.min(50, Math.floor((o.steps ?? 300) / 10)),
      seed: o.seed ?? 0,
      checkpointDir: o.checkpointDir,
      onStep: o.onStep,
      progress: false,
    });
    let finalLoss = NaN;
    try {
      const steps = await trainer.run();
      finalLoss = steps.at(-1)?.loss ?? NaN;
    } finally {
      await trainer.close();
    }
    const manifest = await writeBoundModel(base, trainer, config, o);
    return { pairs: images.length, samples: sensors.length, skipped, finalLoss, manifest };
  } finally {
    await base.close();
  }
}

/** The graph clamps the logit scale at 100, so τ below 0.01 would not be the temperature trained with. */
const MIN_TEMPERATURE = 0.01;

/** Fresh weights with the chosen temperature in the family's logit-scale weight (frozen while binding). */
async function paramsWithTemperature(config: ImageBindConfig, o: BindOptions) {
  if (o.temperature === undefined) return undefined;
  const tau = o.temperature;
  if (!(Number.isFinite(tau) && tau >= MIN_TEMPERATURE && tau <= 1))
    throw new ConfigError(
      'BAD_ARGUMENT',
      `--temperature must be a number from ${MIN_TEMPERATURE} to 1 (the InfoNCE τ; official: audio 0.05, thermal 0.1, depth and imu 0.2), got ${tau}.`,
    );
  const params = await initParams(config, [o.as], o.seed ?? 0);
  const key = modalityArch(config, o.as).logitScale!;
  params.get(key)!.data[0] = Math.log(1 / tau);
  return params;
}

/** The base's files for every other modality, the new encoder, and a merged manifest (written last). */
async function writeBoundModel(
  base: ImageBind,
  trainer: Trainer,
  config: ImageBindConfig,
  o: BindOptions,
): Promise<Manifest> {
  const tmp = join(o.outDir, '.bind-tmp');
  await mkdir(o.outDir, { recursive: true });
  await removeManifest(o.outDir);
  const params = new Map([...trainer.params].filter(([k]) => k.includes(`.${o.as}.`)));
  const fresh = await saveModel(params, { config, modalities: [o.as], outDir: tmp });
  const entry = fresh.modalities[o.as]!;
  for (const f of [entry.graph, entry.weights]) await rename(join(tmp, f), join(o.outDir, f));
  await rm(tmp, { recursive: true, force: true });
  const modalities = { ...base.manifest.modalities, [o.as]: entry };
  for (const [m, e] of Object.entries(base.manifest.modalities)) {
    if (m === o.as) continue;
    for (const f of [e.graph, e.weights]) await copyFile(join(base.dir, f), join(o.outDir, f));
  }
  if (base.manifest.tokenizer) {
    await mkdir(join(o.outDir, 'tokenizer'), { recursive: true });
    await copyFile(join(base.dir, base.manifest.tokenizer.merges), join(o.outDir, base.manifest.tokenizer.merges));
  }
  const manifest: Manifest = {
    ...base.manifest,
    name: `${base.manifest.name}+${o.as}`,
    config,
    modalities,
    identity: spaceIdentity(modalities),
    source: {
      checkpoint: base.manifest.source.checkpoint,
      createdBy: `imagebind-ts train (bound ${o.as} to ${base.manifest.name})`,
      createdAt: new Date().toISOString(),
    },
  };
  await writeManifest(o.outDir, manifest);
  return manifest;
}
