/** Shared by the training tests and benchmarks: tiny configs and random official-shaped inputs. */
import { Rng } from '../../src/core/random.ts';
import { type Tensor, numel } from '../../src/core/tensor.ts';
import type { ModalityArch } from '../../src/model/architecture.ts';
import { type ImageBindConfig, resolveConfig } from '../../src/model/config.ts';

export function tinyConfig(over: Record<string, unknown> = {}): ImageBindConfig {
  return resolveConfig({
    out_embed_dim: 16,
    video_frames: 2,
    kernel_size: [2, 56, 56],
    vision_embed_dim: 16,
    vision_num_blocks: 1,
    vision_num_heads: 2,
    text_embed_dim: 16,
    text_num_blocks: 1,
    text_num_heads: 2,
    text_vocab_size: 64,
    audio_embed_dim: 16,
    audio_num_blocks: 1,
    audio_num_heads: 2,
    audio_kernel_size: 16,
    audio_stride: 16,
    audio_num_mel_bins: 32,
    audio_target_len: 48,
    depth_embed_dim: 16,
    depth_num_blocks: 1,
    depth_num_heads: 2,
    depth_kernel_size: 56,
    thermal_embed_dim: 16,
    thermal_num_blocks: 1,
    thermal_num_heads: 2,
    thermal_kernel_size: 56,
    imu_embed_dim: 16,
    imu_num_blocks: 1,
    imu_num_heads: 2,
    ...over,
  });
}

/** Random inputs of one item's official shape; text gets ids < vocab − 1 and one EOT (vocab − 1). */
export function randomInput(arch: ModalityArch, batch: number, rng: Rng): Tensor {
  const shape = [batch, ...arch.itemShape];
  if (arch.inputDType === 'int64') {
    const vocab = arch.stem.kind === 'text' ? arch.stem.vocabSize : 2;
    const len = arch.itemShape[0];
    const ids = new BigInt64Array(numel(shape));
    for (let b = 0; b < batch; b++) {
      const eot = 2 + rng.int(len - 2);
      for (let t = 0; t < len; t++)
        ids[b * len + t] = t < eot ? BigInt(1 + rng.int(vocab - 2)) : t === eot ? BigInt(vocab - 1) : 0n;
    }
    return { dtype: 'int64', shape, data: ids };
  }
  return { dtype: 'float32', shape, data: rng.fillNormal(new Float32Array(numel(shape))) };
}
