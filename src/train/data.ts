/**
 * Where training data comes from: a `Dataset` of `size` items and a provider that turns item
 * indices into a batch of official input tensors (the synthetic world, folders of files, or
 * tensors already in memory all fit), plus the seeded sample order.
 */
import { TrainingError } from '../core/errors.ts';
import { Rng } from '../core/random.ts';
import { type Float32Tensor, type Tensor, numel } from '../core/tensor.ts';
import type { Modality } from '../model/config.ts';

export interface Batch {
  /**
   * One [B, ...itemShape] tensor per modality the setup trains: vision [B, 3, T, 224, 224] clips
   * (see `imagesToClips`), text int64 [B, 77], audio [B, 1, mels, frames], depth/thermal
   * [B, 1, 224, 224], IMU [B, 6, 2000].
   */
  readonly inputs: Partial<Record<Modality, Tensor>>;
  /** [B, outDim] frozen target embeddings (binding setup). */
  readonly targets?: Float32Tensor;
}

export type DataProvider = (indices: readonly number[]) => Promise<Batch>;

export interface Dataset {
  readonly size: number;
  readonly get: DataProvider;
}

/**
 * Still images [B, 3, H, W] → the [B, 3, T, H, W] clips the vision encoder trains on (PadIm2Video
 * with pad_type "repeat", as the inference engine does for images).
 */
export function imagesToClips(t: Float32Tensor, frames: number): Float32Tensor {
  const [n, c, h, w] = t.shape;
  const plane = h * w;
  const out = new Float32Array(n * c * frames * plane);
  for (let i = 0; i < n * c; i++) {
    for (let f = 0; f < frames; f++) out.set(t.data.subarray(i * plane, (i + 1) * plane), (i * frames + f) * plane);
  }
  return { dtype: 'float32', shape: [n, c, frames, h, w], data: out };
}

/** Rows `indices` of a [N, ...] tensor. */
export function takeRows<T extends Tensor>(t: T, indices: readonly number[]): T {
  const per = numel(t.shape.slice(1));
  const Ctor = t.data.constructor as new (n: number) => T['data'];
  const out = new Ctor(indices.length * per) as Float32Array;
  indices.forEach((r, i) => out.set((t.data as Float32Array).subarray(r * per, (r + 1) * per), i * per));
  return { dtype: t.dtype, shape: [indices.length, ...t.shape.slice(1)], data: out } as unknown as T;
}

/** A dataset over tensors already in memory (row i of each is item i). */
export function tensorDataset(inputs: Partial<Record<Modality, Tensor>>, targets?: Float32Tensor): Dataset {
  const sizes = [...Object.values(inputs), ...(targets ? [targets] : [])].map((t) => t.shape[0]);
  if (sizes.some((s) => s !== sizes[0]))
    throw new TrainingError(
      'DATA_MISMATCH',
      `tensor dataset: every tensor needs the same number of rows, got ${sizes.join(', ')}.`,
    );
  return {
    size: sizes[0] ?? 0,
    get: async (idx) => ({
      inputs: Object.fromEntries(Object.entries(inputs).map(([m, t]) => [m, takeRows(t, idx)])),
      ...(targets ? { targets: takeRows(targets, idx) } : {}),
    }),
  };
}

/** The permutation of epoch `epoch` (Fisher–Yates on a stream derived from seed and epoch). */
export function epochOrder(size: number, seed: number, epoch: number): Uint32Array {
  const rng = new Rng((Math.imul(seed ^ 0x5bd1e995, 2654435761) + epoch) >>> 0);
  const order = Uint32Array.from({ length: size }, (_, i) => i);
  for (let i = size - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/**
 * The items of training step `step`: epochs of whole batches (the ragged tail of each epoch is
 * dropped, as InfoNCE's in-batch negatives want equal batches). A function of (seed, step) only,
 * so resuming at a step needs no other random state.
 */
export function batchIndices(size: number, batchSize: number, seed: number, step: number): number[] {
  const perEpoch = Math.floor(size / batchSize);
  const epoch = Math.floor(step / perEpoch);
  const at = (step % perEpoch) * batchSize;
  return Array.from(epochOrder(size, seed, epoch).subarray(at, at + batchSize));
}
