/**
 * A learnable toy task for tests and benchmarks: K classes, each with a random prototype input
 * and a random unit target embedding; item i is its class prototype plus noise.
 */
import { Rng } from '../../src/core/random.ts';
import { type Float32Tensor, type Tensor, numel } from '../../src/core/tensor.ts';
import { modalityArch } from '../../src/model/architecture.ts';
import type { ImageBindConfig, Modality } from '../../src/model/config.ts';
import { type Dataset, tensorDataset } from '../../src/train/data.ts';
import { randomInput } from './train-configs.ts';

export function classDataset(
  config: ImageBindConfig,
  modalities: readonly Modality[],
  size: number,
  classes: number,
  seed = 5,
  withTargets = true,
): Dataset {
  const rng = new Rng(seed);
  const label = Array.from({ length: size }, (_, i) => i % classes);
  const inputs: Partial<Record<Modality, Tensor>> = {};
  for (const m of modalities) {
    const arch = modalityArch(config, m);
    const protos = randomInput(arch, classes, rng);
    const per = numel(arch.itemShape);
    if (protos.dtype === 'int64') {
      inputs[m] = {
        dtype: 'int64',
        shape: [size, ...arch.itemShape],
        data: BigInt64Array.from(
          { length: size * per },
          (_, k) => (protos.data as BigInt64Array)[label[Math.floor(k / per)] * per + (k % per)],
        ),
      };
    } else {
      const p = protos.data as Float32Array;
      inputs[m] = {
        dtype: 'float32',
        shape: [size, ...arch.itemShape],
        data: Float32Array.from(
          { length: size * per },
          (_, k) => p[label[Math.floor(k / per)] * per + (k % per)] + 0.3 * rng.normal(),
        ),
      };
    }
  }
  if (!withTargets) return tensorDataset(inputs);
  const d = config.out_embed_dim;
  const centers = rng.fillNormal(new Float32Array(classes * d));
  const targets: Float32Tensor = {
    dtype: 'float32',
    shape: [size, d],
    data: Float32Array.from({ length: size * d }, (_, k) => centers[label[Math.floor(k / d)] * d + (k % d)]),
  };
  return tensorDataset(inputs, targets);
}
