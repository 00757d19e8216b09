/**
 * The generation benchmark's judge: a small ViT classifier trained with the project's training
 * engine on real world images only (64², the decoder's resolution), with flips, brightness jitter
 * and pixel noise so that it reads shapes and textures rather than exact pixels. It never sees
 * an ImageBind embedding or a generated image. Writes judge.onnx + judge.weights + judge.json.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from '../../core/random.ts';
import { type ClassifierSpec, buildClassifierGraph } from '../../model/classifier.ts';
import { argmaxRows, trainClassifier } from '../../train/classifier.ts';
import { writeGraphWithWeights } from '../../train/export-graph.ts';
import { createSession } from '../../runtime/backend.ts';
import { CLASS_NAMES, NUM_CLASSES } from '../world/classes.ts';
import { World } from '../world/world.ts';
import { type ImageSet, cachedImages } from './data.ts';

export const JUDGE_FORMAT = 'imagebind-ts/judge';
export const JUDGE_TRAIN_OFFSET = 500_000;

export interface JudgeManifest {
  readonly format: typeof JUDGE_FORMAT;
  readonly spec: ClassifierSpec;
  readonly classes: readonly string[];
  readonly graph: string;
  readonly weights: string;
  readonly validationAccuracy: number;
  readonly training: Record<string, unknown>;
}

export interface JudgeOptions {
  readonly outDir: string;
  readonly workDir: string;
  readonly seed?: number;
  readonly images?: number;
  readonly steps?: number;
  readonly log?: (s: string) => void;
}

const SPEC: ClassifierSpec = { imageSize: 64, patch: 8, dim: 64, depth: 3, heads: 4, classes: NUM_CLASSES };

/** Images of `set` as [n, 3, S, S] in [-1, 1]: optionally flipped, brightness-jittered and noised. */
export function toModelImages(set: ImageSet, rows: readonly number[], rng?: Rng): Float32Array {
  const S = set.size,
    plane = S * S;
  const out = new Float32Array(rows.length * 3 * plane);
  rows.forEach((r, i) => {
    const flip = rng ? rng.next() < 0.5 : false;
    const gain = rng ? 0.85 + 0.3 * rng.next() : 1;
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const src = (r * plane + y * S + (flip ? S - 1 - x : x)) * 3;
        for (let c = 0; c < 3; c++) {
          const v = (set.pixels[src + c] / 127.5 - 1) * gain + (rng ? 0.06 * rng.normal() : 0);
          out[i * 3 * plane + c * plane + y * S + x] = v;
        }
      }
  });
  return out;
}

export async function trainJudge(o: JudgeOptions): Promise<JudgeManifest> {
  const log = o.log ?? (() => {});
  const seed = o.seed ?? 1;
  const world = new World(seed);
  const n = o.images ?? 9600;
  const steps = o.steps ?? 1500;
  const batch = 64;
  log(`judge: rendering ${n} training and 800 validation images ...`);
  const train = await cachedImages(
    world,
    world.split('train').indices(n, JUDGE_TRAIN_OFFSET),
    SPEC.imageSize,
    o.workDir,
    'judge-train',
  );
  const val = await cachedImages(world, world.split('val').indices(800), SPEC.imageSize, o.workDir, 'judge-val');
  const t0 = Date.now();
  let accSum = 0,
    lossSum = 0;
  const params = await trainClassifier({
    spec: SPEC,
    steps,
    lr: 1e-3,
    warmupSteps: 100,
    seed,
    batch: (step) => {
      const rng = new Rng(seed * 7919 + step);
      const rows = Array.from({ length: batch }, () => rng.int(train.count));
      return {
        image: {
          dtype: 'float32',
          shape: [batch, 3, SPEC.imageSize, SPEC.imageSize],
          data: toModelImages(train, rows, rng),
        },
        labels: Int32Array.from(rows, (r) => train.labels[r]),
      };
    },
    onStep: (step, loss, acc) => {
      lossSum += loss;
      accSum += acc;
      if (step % 100 === 0 || step === steps) {
        log(
          `judge: step ${step}/${steps} loss ${(lossSum / (step % 100 || 100)).toFixed(3)} train accuracy ${((100 * accSum) / (step % 100 || 100)).toFixed(1)}%`,
        );
        lossSum = accSum = 0;
      }
    },
  });
  const trainSeconds = (Date.now() - t0) / 1000;
  const tmp = `${o.outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const graph = buildClassifierGraph(SPEC);
  const files = await writeGraphWithWeights(
    graph,
    params,
    tmp,
    'judge',
    'imagebind-ts generation judge (ViT classifier)',
  );
  const validationAccuracy = await classifyAccuracy(join(tmp, files.graph), val);
  log(`judge: validation accuracy on ${val.count} real held-out images: ${(100 * validationAccuracy).toFixed(1)}%`);
  const manifest: JudgeManifest = {
    format: JUDGE_FORMAT,
    spec: SPEC,
    classes: CLASS_NAMES,
    graph: files.graph,
    weights: files.weights,
    validationAccuracy,
    training: { seed, images: n, steps, batch, trainSeconds, worldOffset: JUDGE_TRAIN_OFFSET },
  };
  await writeFile(join(tmp, 'judge.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await mkdir(join(o.outDir, '..'), { recursive: true });
  const old = `${o.outDir}.old-${process.pid}`;
  await rename(o.outDir, old).catch(() => undefined);
  await rename(tmp, o.outDir);
  await rm(old, { recursive: true, force: true });
  return manifest;
}

async function classifyAccuracy(graphPath: string, set: ImageSet): Promise<number> {
  const session = await createSession(graphPath, { threads: 2 });
  let correct = 0;
  try {
    for (let at = 0; at < set.count; at += 64) {
      const rows = Array.from({ length: Math.min(64, set.count - at) }, (_, i) => at + i);
      const out = await session.run('image', {
        dtype: 'float32',
        shape: [rows.length, 3, set.size, set.size],
        data: toModelImages(set, rows),
      });
      const pred = argmaxRows(out.get('logits')!.data, NUM_CLASSES);
      correct += pred.filter((p, i) => p === set.labels[rows[i]]).length;
    }
  } finally {
    await session.release();
  }
  return correct / set.count;
}
