/**
 * A checkpoint of random weights for any config, served through the same `CheckpointReader`
 * interface as a real `.pth`. Used by `convert --random-init` (benchmarks) and by tests that need
 * configurations no fixture covers. Values follow the official initialisers' scales: trunc-normal
 * (0.02) weights, LayerNorm 1/0, the causal text mask, and the official logit-scale inits.
 */
import type { CheckpointReader, TensorInfo } from '../checkpoint/types.ts';
import { CheckpointError } from '../core/errors.ts';
import { numel } from '../core/tensor.ts';
import { Rng } from '../core/random.ts';
import { modalityArch } from './architecture.ts';
import { buildEncoder } from './build.ts';
import { type ImageBindConfig, type Modality, MODALITIES } from './config.ts';
import type { WeightRole } from './graph.ts';

export const LOGIT_SCALE_INIT: Record<string, number> = { text: 1 / 0.07, audio: 20, depth: 5, thermal: 10, imu: 5 };

type Info = TensorInfo & { role: WeightRole };

function hashKey(key: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function randomCheckpoint(
  config: ImageBindConfig,
  seed = 0,
  modalities: readonly Modality[] = MODALITIES,
): CheckpointReader {
  const infos = new Map<string, Info>();
  for (const m of modalities) {
    for (const init of buildEncoder(modalityArch(config, m)).initializers) {
      if (init.source.kind === 'checkpoint')
        infos.set(init.name, { name: init.name, dtype: 'float32', shape: init.shape, role: init.role ?? 'weight' });
    }
  }
  const info = (name: string): Info => {
    const i = infos.get(name);
    if (!i) throw new CheckpointError('TENSOR_MISSING', `<random-init>: no tensor "${name}"`);
    return i;
  };
  return {
    path: '<random-init>',
    format: 'safetensors',
    list: () => [...infos.values()],
    has: (name) => infos.has(name),
    info,
    async readFloat32(name) {
      const { shape, role } = info(name);
      const out = new Float32Array(numel(shape));
      // Each tensor has its own stream so values do not depend on read order. Norms and biases
      // are perturbed away from 1/0 so that tests exercise every parameter.
      const rng = new Rng(hashKey(name, seed));
      switch (role) {
        case 'logit_scale':
          out[0] = Math.log(LOGIT_SCALE_INIT[name.split('.')[1]] ?? 1);
          break;
        case 'causal_mask': {
          const n = shape[0];
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) out[i * n + j] = -Infinity;
          break;
        }
        case 'norm_weight':
          rng.fillNormal(out, 0.1, 1);
          break;
        case 'norm_bias':
        case 'bias':
          rng.fillNormal(out, 0.02);
          break;
        case 'weight':
          rng.fillTruncNormal(out, 0.02);
          break;
      }
      return out;
    },
    async readInt64() {
      throw new CheckpointError('TENSOR_DTYPE', '<random-init> has no int64 tensors');
    },
    async close() {},
  };
}
