/**
 * The localisation benchmark: fresh scenes from the synthetic world with 2–4 objects and their
 * ground-truth boxes (synth/world/layout.ts); every object is a target, named by a query of its
 * class in each modality (an audio clip, a phrase, another image of the class, depth, thermal,
 * IMU), rendered from held-out world samples. Per query modality: pointing-game accuracy (the
 * heatmap's peak inside the target's box), the rate of best boxes with IoU ≥ 0.5, and centre and
 * random baselines; and the time per image. `compareWindows` also runs the earlier crop scoring.
 */
import { type Float32Tensor, type Tensor, stack } from '../../core/tensor.ts';
import { Rng } from '../../core/random.ts';
import type { ImageBind } from '../../embed/imagebind.ts';
import type { Modality } from '../../model/config.ts';
import { preprocessVisionRgb } from '../../preprocess/vision/index.ts';
import { CLASSES } from '../../synth/world/classes.ts';
import { type LayoutObject, layoutScene, renderLayoutImage } from '../../synth/world/layout.ts';
import { hashInts } from '../../synth/world/rand.ts';
import { worldInput } from '../../synth/world/tensors.ts';
import { World } from '../../synth/world/world.ts';
import { l2normalize } from '../../core/vector-math.ts';
import { applyTemplate } from './app.ts';
import { contains, iou } from './boxes.ts';
import { PreparedImage, type DetectOptions } from './detect.ts';
import { heatmapPeak, type ScoredBox } from './heatmap.ts';
import { DenseMap } from './dense-map.ts';
import type { DenseMode } from '../../model/dense-head.ts';
import { cropRgb, windowsResult } from './locate.ts';
import { slidingWindows } from './windows.ts';

export const LOCALIZATION_QUERIES = ['audio', 'text', 'image', 'depth', 'thermal', 'imu'] as const;
export type LocalizationQuery = (typeof LOCALIZATION_QUERIES)[number];

export interface MethodScores {
  readonly pointing: number;
  readonly iou50: number;
}

export interface LocalizationRow extends MethodScores {
  readonly center_baseline: number;
  readonly random_baseline: number;
  readonly center_iou50: number;
  readonly random_iou50: number;
  /** Targets measured (every object of every scene). */
  readonly n: number;
  /** The earlier crop scoring on the same targets, when compared. */
  readonly windows?: MethodScores;
  /** Pointing with the dense map's own peak alone (no proposals), per dense mode, when asked. */
  readonly dense_pointing?: Partial<Record<DenseMode, number>>;
}

export interface LocalizationReport {
  readonly rows: Partial<Record<LocalizationQuery, LocalizationRow>>;
  /** Mean wall time of one fresh localisation (image-side work and one query's verification). */
  readonly ms_per_image: number;
  readonly windows_ms_per_image?: number;
  readonly scenes: number;
  readonly targets: number;
  readonly seed: number;
}

export interface LocalizationOptions {
  readonly seed: number;
  /** Scenes (each has 2–4 targets). */
  readonly n: number;
  readonly queries?: readonly LocalizationQuery[];
  readonly compareWindows?: boolean;
  /** Also measure pointing with the bare dense map of each of these modes (model/dense-head.ts). */
  readonly denseModes?: readonly DenseMode[];
  /** Prompt around text queries (default: locate's, "a photo of {}"). */
  readonly textTemplate?: string;
  readonly detect?: DetectOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

const ENCODER: Record<LocalizationQuery, Modality> = {
  audio: 'audio',
  text: 'text',
  image: 'vision',
  depth: 'depth',
  thermal: 'thermal',
  imu: 'imu',
};

/** What a user would type: "a dog", "an engine" (the class's nouns in turn). */
export function classPhrase(classId: number, k: number): string {
  const nouns = CLASSES[classId].caption.nouns;
  const noun = nouns[k % nouns.length];
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** One unit query per target, from held-out world samples of the target's class. */
async function queryVectors(
  model: ImageBind,
  modality: LocalizationQuery,
  classes: readonly number[],
  world: World,
  template: string | undefined,
): Promise<Float32Array[]> {
  const split = world.split('test');
  const sampleOf = (t: number, c: number): number => {
    // Blocks of 16 consecutive test samples hold every class once.
    for (let k = 0; k < world.numClasses; k++) {
      const i = split.index(t * world.numClasses + k);
      if (world.classOf(i) === c) return i;
    }
    throw new RangeError(`class ${c} missing from block ${t}`);
  };
  const out: Float32Array[] = [];
  const tokenizer = modality === 'text' ? await model.tokenizer() : null;
  for (let s = 0; s < classes.length; s += 32) {
    const part = classes.slice(s, s + 32);
    let batch: Tensor;
    // Text goes through the same prompt template as `locate --text`.
    if (tokenizer) batch = tokenizer.tokenize(part.map((c, j) => applyTemplate(classPhrase(c, s + j), template)));
    else {
      const raw = modality as Exclude<LocalizationQuery, 'text'>;
      batch = stack(part.map((c, j) => worldInput(world, sampleOf(s + j, c), raw) as Float32Tensor));
    }
    const emb = await model.embedTensor(ENCODER[modality], batch);
    const dim = emb.shape[1];
    for (let j = 0; j < part.length; j++) out.push(l2normalize(emb.data.slice(j * dim, (j + 1) * dim)));
  }
  return out;
}

function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

interface Tally {
  pointing: number;
  iou50: number;
}

export async function evaluateLocalization(model: ImageBind, opts: LocalizationOptions): Promise<LocalizationReport> {
  const queries = (opts.queries ?? LOCALIZATION_QUERIES).filter((q) => model.modalities.includes(ENCODER[q]));
  const scenes = Array.from({ length: opts.n }, (_, i) => layoutScene(opts.seed, i));
  const targets: { scene: number; object: LayoutObject }[] = [];
  scenes.forEach((l, i) => l.objects.forEach((object) => targets.push({ scene: i, object })));
  const world = new World(opts.seed + 1, { scene: { distractorProb: 0 } });
  const vectors = new Map<LocalizationQuery, Float32Array[]>();
  for (const q of queries)
    vectors.set(
      q,
      await queryVectors(
        model,
        q,
        targets.map((t) => t.object.classId),
        world,
        opts.textTemplate,
      ),
    );

  const dense = await model.denseVision();
  const denseFn = (batch: Float32Tensor) => dense.encode(batch);
  const embedCrops = (batch: Float32Tensor) => model.embedTensor('vision', batch);
  const tally = new Map(queries.map((q) => [q, { pointing: 0, iou50: 0 }] as [LocalizationQuery, Tally]));
  const windowsTally = new Map(queries.map((q) => [q, { pointing: 0, iou50: 0 }] as [LocalizationQuery, Tally]));
  let ms = 0,
    windowsMs = 0;
  const denseModes = opts.denseModes ?? [];
  const modeEncoders = await Promise.all(denseModes.map((m) => model.denseVision(m)));
  const denseTally = new Map(queries.map((q) => [q, denseModes.map(() => 0)] as [LocalizationQuery, number[]]));
  // One untimed run first, so onnxruntime's first-run allocations are not billed to a scene.
  if (scenes.length > 0 && targets.length > 0) {
    const first = renderLayoutImage(scenes[0], opts.seed, 0);
    const warm = await PreparedImage.prepare(first, denseFn, opts.detect);
    await warm.locate(vectors.get(queries[0])![0], embedCrops, opts.detect);
    if (opts.compareWindows)
      await embedCrops(
        stack(slidingWindows(first.width, first.height).map((b) => preprocessVisionRgb(cropRgb(first, b)))),
      );
  }
  for (const [i, l] of scenes.entries()) {
    const img = renderLayoutImage(l, opts.seed, i);
    const mine = targets.map((t, k) => ({ ...t, k })).filter((t) => t.scene === i);
    // A fresh run for the first target's first query is timed; the other queries reuse the image-side work.
    const timedQuery = vectors.get(queries[0])![mine[0].k];
    let start = performance.now();
    const prepared = await PreparedImage.prepare(img, denseFn, opts.detect);
    await prepared.locate(timedQuery, embedCrops, opts.detect);
    ms += performance.now() - start;
    for (const q of queries) {
      const t = tally.get(q)!;
      for (const target of mine) {
        const r = await prepared.locate(vectors.get(q)![target.k], embedCrops, opts.detect);
        if (contains(target.object.box, r.peak.x, r.peak.y)) t.pointing++;
        if (iou(r.box, target.object.box) >= 0.5) t.iou50++;
      }
    }
    for (const [m, enc] of modeEncoders.entries()) {
      const out = await enc.encode(stack([preprocessVisionRgb(img)]));
      for (const q of queries)
        for (const target of mine) {
          const map = DenseMap.fromPatches(
            out.patches.data,
            out.grid,
            vectors.get(q)![target.k],
            img.width,
            img.height,
          );
          const peak = heatmapPeak(map.toHeatmap(112), img.width, img.height);
          if (contains(target.object.box, peak.x, peak.y)) denseTally.get(q)![m]++;
        }
    }
    if (opts.compareWindows) {
      start = performance.now();
      const windows = slidingWindows(img.width, img.height);
      const emb = await embedCrops(stack(windows.map((b) => preprocessVisionRgb(cropRgb(img, b)))));
      const dim = emb.shape[1];
      const rows = windows.map((_, j) => l2normalize(emb.data.slice(j * dim, (j + 1) * dim)));
      const score = (v: Float32Array): ScoredBox[] => windows.map((box, j) => ({ box, score: cosine(rows[j], v) }));
      heatmapPeak(windowsResult(img.width, img.height, score(timedQuery)).heatmap, img.width, img.height);
      windowsMs += performance.now() - start;
      for (const q of queries) {
        const t = windowsTally.get(q)!;
        for (const target of mine) {
          const r = windowsResult(img.width, img.height, score(vectors.get(q)![target.k]));
          const peak = heatmapPeak(r.heatmap, img.width, img.height);
          if (contains(target.object.box, peak.x, peak.y)) t.pointing++;
          if (iou(r.box, target.object.box) >= 0.5) t.iou50++;
        }
      }
    }
    opts.onProgress?.(i + 1, scenes.length);
  }
  const base = baselines(
    targets.map((t) => t.object),
    scenes[0]?.size ?? 224,
    opts.seed,
  );
  const n = targets.length;
  const rows: Partial<Record<LocalizationQuery, LocalizationRow>> = {};
  for (const q of queries) {
    const t = tally.get(q)!,
      w = windowsTally.get(q)!;
    rows[q] = {
      pointing: t.pointing / n,
      iou50: t.iou50 / n,
      ...base,
      n,
      ...(opts.compareWindows ? { windows: { pointing: w.pointing / n, iou50: w.iou50 / n } } : {}),
      ...(denseModes.length > 0
        ? { dense_pointing: Object.fromEntries(denseModes.map((m, k) => [m, denseTally.get(q)![k] / n])) }
        : {}),
    };
  }
  return {
    rows,
    ms_per_image: ms / scenes.length,
    ...(opts.compareWindows ? { windows_ms_per_image: windowsMs / scenes.length } : {}),
    scenes: scenes.length,
    targets: n,
    seed: opts.seed,
  };
}

/**
 * Query-blind answers: the image centre (and a centred box of 30 % the side), and a uniformly
 * random point (its exact expected hit rate: the box's share of the image) and random box.
 */
function baselines(objects: readonly LayoutObject[], size: number, seed: number) {
  const rng = new Rng(hashInts(seed, 0x10ca1e));
  const side = Math.round(0.3 * size);
  const centreBox = { x: Math.round((size - side) / 2), y: Math.round((size - side) / 2), w: side, h: side };
  let centre = 0,
    random = 0,
    centreIou = 0,
    randomIou = 0;
  for (const o of objects) {
    if (contains(o.box, size / 2, size / 2)) centre++;
    random += (o.box.w * o.box.h) / (size * size);
    if (iou(centreBox, o.box) >= 0.5) centreIou++;
    const w = Math.round(size * (0.1 + 0.4 * rng.next())),
      h = Math.round(size * (0.1 + 0.4 * rng.next()));
    const box = { x: Math.floor(rng.next() * (size - w)), y: Math.floor(rng.next() * (size - h)), w, h };
    if (iou(box, o.box) >= 0.5) randomIou++;
  }
  const n = Math.max(1, objects.length);
  return {
    center_baseline: centre / n,
    random_baseline: random / n,
    center_iou50: centreIou / n,
    random_iou50: randomIou / n,
  };
}
