/**
 * The graphs must hold on configurations no fixture covers: other widths, head counts, depths,
 * kernels, strides and batch sizes. Each random config is converted from random weights and
 * checked against an independent float64 implementation of the official forward.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImageBind } from '../../src/embed/imagebind.ts';
import { Rng } from '../../src/core/random.ts';
import { type Tensor, numel } from '../../src/core/tensor.ts';
import { MODALITIES, type Modality, resolveConfig } from '../../src/model/config.ts';
import { convertCheckpoint } from '../../src/model/convert.ts';
import { modalityArch } from '../../src/model/architecture.ts';
import { randomCheckpoint } from '../../src/model/random-init.ts';
import { randomTokenIds } from '../../src/runtime/benchmark.ts';
import { ReferenceForward } from '../helpers/reference-forward.ts';

const configs = [
  {
    out_embed_dim: 24,
    video_frames: 2,
    kernel_size: [2, 16, 16],
    vision_embed_dim: 48,
    vision_num_blocks: 1,
    vision_num_heads: 3,
    text_embed_dim: 40,
    text_num_blocks: 2,
    text_num_heads: 5,
    audio_embed_dim: 36,
    audio_num_blocks: 1,
    audio_num_heads: 6,
    audio_kernel_size: 16,
    audio_stride: 12,
    audio_num_mel_bins: 64,
    audio_target_len: 100,
    depth_embed_dim: 24,
    depth_num_blocks: 1,
    depth_num_heads: 2,
    depth_kernel_size: 32,
    thermal_embed_dim: 40,
    thermal_num_blocks: 2,
    thermal_num_heads: 8,
    thermal_kernel_size: 28,
    imu_embed_dim: 32,
    imu_num_blocks: 3,
    imu_num_heads: 4,
  },
  {
    out_embed_dim: 16,
    video_frames: 2,
    kernel_size: [1, 32, 32],
    vision_embed_dim: 32,
    vision_num_blocks: 2,
    vision_num_heads: 2,
    text_embed_dim: 16,
    text_num_blocks: 1,
    text_num_heads: 1,
    audio_embed_dim: 24,
    audio_num_blocks: 2,
    audio_num_heads: 3,
    audio_kernel_size: 20,
    audio_stride: 20,
    audio_num_mel_bins: 40,
    audio_target_len: 60,
    depth_embed_dim: 16,
    depth_num_blocks: 2,
    depth_num_heads: 4,
    depth_kernel_size: 56,
    thermal_embed_dim: 16,
    thermal_num_blocks: 1,
    thermal_num_heads: 2,
    thermal_kernel_size: 32,
    imu_embed_dim: 24,
    imu_num_blocks: 1,
    imu_num_heads: 6,
  },
];

function randomInput(m: Modality, shape: number[], rng: Rng): Tensor {
  if (m === 'text') return randomTokenIds(rng, shape[0], shape[1], 49408);
  return { dtype: 'float32', shape, data: rng.fillNormal(new Float32Array(numel(shape))) };
}

configs.forEach((kwargs, ci) => {
  test(
    `generalises: random config #${ci + 1} matches the reference forward for every modality`,
    { timeout: 300_000 },
    async () => {
      const config = resolveConfig(kwargs);
      const ckpt = randomCheckpoint(config, 100 + ci);
      const outDir = join(mkdtempSync(join(tmpdir(), 'imagebind-gen-')), 'model');
      await convertCheckpoint(ckpt, { config, modalities: MODALITIES, outDir });
      const model = await ImageBind.load(outDir, { batchSize: 2, threads: 1 });
      const ref = new ReferenceForward(ckpt, config);
      const rng = new Rng(7 + ci);
      try {
        for (const m of MODALITIES) {
          const item = modalityArch(config, m).itemShape;
          const n = ci === 0 ? 5 : 1;
          let shapes: number[][] =
            m === 'text' || m === 'imu'
              ? [[3, ...item]]
              : [
                  [n, ...item],
                  [2, 2, ...item],
                ];
          if (m === 'vision')
            shapes = [
              [n, 3, 224, 224],
              [2, 2, 3, 224, 224],
              [1, 2, ...item],
            ];
          for (const shape of shapes) {
            const input = randomInput(m, shape, rng);
            const got = await model.embedTensor(m, input);
            const groups = shape[0];
            const perGroup = shape.length >= 5 ? shape[1] : 1;
            const itemLen = numel(shape) / (groups * perGroup);
            let maxDiff = 0;
            for (let b = 0; b < groups; b++) {
              const mean = new Float64Array(config.out_embed_dim);
              for (let s = 0; s < perGroup; s++) {
                const k = b * perGroup + s;
                let data = input.data.subarray(k * itemLen, (k + 1) * itemLen) as Float32Array | BigInt64Array;
                if (m === 'vision' && itemLen === 3 * 224 * 224) {
                  const frame = Float64Array.from(data as Float32Array);
                  const hw = 224 * 224;
                  const clip = new Float64Array(3 * 2 * hw);
                  for (let c = 0; c < 3; c++)
                    for (let t = 0; t < 2; t++) clip.set(frame.subarray(c * hw, (c + 1) * hw), (c * 2 + t) * hw);
                  data = clip as unknown as Float32Array;
                }
                const e = await ref.item(
                  m,
                  data instanceof BigInt64Array ? data : Float64Array.from(data as Float32Array),
                );
                e.forEach((v, j) => (mean[j] += v / perGroup));
              }
              mean.forEach(
                (v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - got.data[b * config.out_embed_dim + j]))),
              );
            }
            console.log(`# config ${ci + 1} ${m} [${shape}]: max abs diff ${maxDiff.toExponential(2)}`);
            assert.deepEqual(got.shape, [groups, config.out_embed_dim]);
            assert.ok(maxDiff <= 1e-4, `${m} [${shape}]: max abs diff ${maxDiff}`);
          }
        }
      } finally {
        await model.close();
      }
    },
  );
});
