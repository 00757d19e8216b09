/**
 * Zero-shot evaluation on a fixed held-out set, through the inference engine (a saved model
 * directory loaded by `ImageBind`), exactly as `imagebind eval-emergent` measures it: the same
 * test-split samples, audio as the official three clips, class prompts from `classPrompts`. At
 * the same seed and n the numbers equal `eval-emergent --seed S --n N`.
 */
import type { Tensor } from '../../core/tensor.ts';
import { takeRows } from '../../train/data.ts';
import type { ImageBind } from '../../embed/imagebind.ts';
import type { Modality } from '../../model/config.ts';
import type { SensorModality } from '../../synth/mini/data.ts';
import { World } from '../../synth/world/world.ts';
import { classTextEmbeddings, top1 } from '../emergent.ts';
import type { HeldOutSettings } from './settings.ts';
import { type WorldCache, type WorldRange, imageRows, rangeIndices } from './world-cache.ts';

export class HeldOut {
  readonly range: WorldRange;
  readonly labels: number[];
  private readonly classes = new Map<string, Promise<Float32Array[]>>();

  constructor(
    private readonly cache: WorldCache,
    readonly settings: HeldOutSettings,
  ) {
    const world = new World(settings.seed);
    this.range = { world, split: 'test', offset: 0, count: settings.n };
    this.labels = rangeIndices(this.range).map((i) => world.classOf(i));
  }

  /** Class text embeddings of a model's text encoder (computed once per model directory). */
  classVectors(textModel: ImageBind): Promise<Float32Array[]> {
    let c = this.classes.get(textModel.dir);
    if (!c) {
      c = classTextEmbeddings(textModel);
      this.classes.set(textModel.dir, c);
    }
    return c;
  }

  /** X→text top-1 of `model`'s `modality` encoder against the text encoder of `textModel`. */
  async zeroShot(model: ImageBind, modality: SensorModality | 'vision', textModel: ImageBind): Promise<number> {
    const classes = await this.classVectors(textModel);
    if (modality === 'vision') {
      const raw = await this.cache.images(this.range);
      return top1(await embedRows(model, 'vision', this.settings.n, (r) => imageRows(raw, r)), this.labels, classes);
    }
    const inputs = await this.cache.sensor(this.range, modality, 3);
    return top1(await embedRows(model, modality, this.settings.n, (r) => takeRows(inputs, r)), this.labels, classes);
  }
}

async function embedRows(
  model: ImageBind,
  modality: Modality,
  n: number,
  rows: (r: number[]) => Tensor,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < n; s += 32) {
    const r = Array.from({ length: Math.min(32, n - s) }, (_, i) => s + i);
    const emb = await model.embedTensor(modality, rows(r));
    const dim = emb.shape[1];
    for (let i = 0; i < r.length; i++) out.push(emb.data.slice(i * dim, (i + 1) * dim));
  }
  return out;
}
