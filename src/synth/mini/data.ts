/**
 * Training data for the mini model, rendered once from the synthetic world into memory through
 * the project's real preprocessing (so training sees exactly what inference will).
 */
import { type Float32Tensor, type Int64Tensor, type Tensor, numel } from '../../core/tensor.ts';
import type { ClipTokenizer } from '../../preprocess/text/index.ts';
import { type Dataset, imagesToClips, takeRows } from '../../train/data.ts';
import type { World } from '../world/world.ts';
import { worldInput } from '../world/tensors.ts';

export type SensorModality = 'audio' | 'depth' | 'thermal' | 'imu';

/** Renders `indices` of one modality into one [N, ...] tensor (audio as one 2 s clip). */
export function renderStack(
  world: World,
  indices: readonly number[],
  modality: 'image' | SensorModality,
  onItem?: (i: number) => void,
): Float32Tensor {
  let out: Float32Array | null = null;
  let shape: readonly number[] = [];
  indices.forEach((index, i) => {
    const t = worldInput(world, index, modality, { audioClips: 1 }) as Float32Tensor;
    const item = modality === 'audio' ? { ...t, shape: t.shape.slice(1) } : t;
    if (!out) {
      shape = item.shape;
      out = new Float32Array(indices.length * numel(shape));
    }
    out.set(item.data, i * numel(shape));
    onItem?.(i);
  });
  return { dtype: 'float32', shape: [indices.length, ...shape], data: out ?? new Float32Array(0) };
}

export function captionIds(world: World, indices: readonly number[], tokenizer: ClipTokenizer): Int64Tensor {
  return tokenizer.tokenize(indices.map((i) => world.render(i, 'text')));
}

/** Image–text pairs for the joint stage; still images become 2-frame clips per batch. */
export function imageTextDataset(images: Float32Tensor, ids: Int64Tensor, frames: number): Dataset {
  return {
    size: images.shape[0],
    get: async (idx) => ({
      inputs: { vision: imagesToClips(takeRows(images, idx), frames), text: takeRows(ids, idx) },
    }),
  };
}

export function sensorDataset(modality: SensorModality, inputs: Tensor): Dataset {
  return { size: inputs.shape[0], get: async (idx) => ({ inputs: { [modality]: takeRows(inputs, idx) } }) };
}
