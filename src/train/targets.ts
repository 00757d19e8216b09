/**
 * Frozen target embeddings for the binding setup: every item's image embedded once by the frozen
 * vision encoder through the inference engine, kept in memory and optionally cached as .npy.
 */
import { ShapeError, TrainingError } from '../core/errors.ts';
import { readNpy, writeNpy } from '../core/npy.ts';
import type { Float32Tensor, Tensor } from '../core/tensor.ts';
import type { Modality } from '../model/config.ts';
import type { Dataset } from './data.ts';

/** What targets need of a loaded model (ImageBind has it): one encoder run on a preprocessed batch. */
export interface TensorEncoder {
  embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor>;
}

export interface TargetOptions {
  /** Items per encoder call. */
  readonly batchSize?: number;
  /** Read from here when it holds [size, dim] float32; otherwise compute and write it. */
  readonly cachePath?: string;
  readonly modality?: Modality;
}

export async function computeTargets(
  model: TensorEncoder,
  size: number,
  images: (indices: readonly number[]) => Promise<Tensor>,
  o: TargetOptions = {},
): Promise<Float32Tensor> {
  const modality = o.modality ?? 'vision';
  if (o.cachePath) {
    const cached = await readNpy(o.cachePath).catch(() => null);
    if (cached && cached.dtype === 'float32' && cached.shape.length === 2 && cached.shape[0] === size)
      return cached as Float32Tensor;
  }
  if (size === 0) throw new TrainingError('EMPTY_DATASET', 'cannot compute target embeddings for an empty dataset.');
  const bs = o.batchSize ?? 16;
  const rows: Float32Array[] = [];
  let dim = 0;
  for (let at = 0; at < size; at += bs) {
    const idx = Array.from({ length: Math.min(bs, size - at) }, (_, i) => at + i);
    const out = await model.embedTensor(modality, await images(idx));
    if (out.shape[0] !== idx.length)
      throw new ShapeError(
        'TARGET_SHAPE',
        `${modality} provider returned ${out.shape[0]} embeddings for ${idx.length} items.`,
      );
    dim = out.shape[1];
    rows.push(out.data);
  }
  const data = new Float32Array(size * dim);
  rows.reduce((off, r) => (data.set(r, off), off + r.length), 0);
  const t: Float32Tensor = { dtype: 'float32', shape: [size, dim], data };
  if (o.cachePath) await writeNpy(o.cachePath, t);
  return t;
}

/** `data` with each batch's `targets` filled from the cached rows. */
export function withTargets(data: Dataset, targets: Float32Tensor): Dataset {
  if (targets.shape[0] !== data.size)
    throw new TrainingError('DATA_MISMATCH', `${targets.shape[0]} target embeddings for ${data.size} items.`);
  const dim = targets.shape[1];
  return {
    size: data.size,
    get: async (idx) => {
      const batch = await data.get(idx);
      const out = new Float32Array(idx.length * dim);
      idx.forEach((r, i) => out.set(targets.data.subarray(r * dim, (r + 1) * dim), i * dim));
      return { ...batch, targets: { dtype: 'float32', shape: [idx.length, dim], data: out } };
    },
  };
}
