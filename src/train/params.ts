/**
 * Parameters by official key, as the in-memory state dict that `memoryCheckpoint` wraps.
 * Initial values come from `randomCheckpoint` (official initialiser scales, seeded per key).
 */
import type { MemoryTensor } from '../checkpoint/memory.ts';
import type { ImageBindConfig, Modality } from '../model/config.ts';
import type { InitializerDef } from '../model/graph.ts';
import { randomCheckpoint } from '../model/random-init.ts';

export type ParamMap = Map<string, MemoryTensor>;

export async function initParams(
  config: ImageBindConfig,
  modalities: readonly Modality[],
  seed: number,
): Promise<ParamMap> {
  const reader = randomCheckpoint(config, seed, modalities);
  const out: ParamMap = new Map();
  for (const info of reader.list())
    out.set(info.name, { shape: info.shape, data: await reader.readFloat32(info.name) });
  return out;
}

/**
 * Decoupled weight decay applies to matrices only: not to biases, norms, logit scales, the cls
 * token or position embeddings (the usual ViT/CLIP exclusions).
 */
export function decays(init: InitializerDef): boolean {
  if (init.role && init.role !== 'weight') return false;
  return !/(^|\.)(cls_token|pos_embed)$|pos_embedding_helper/.test(init.name);
}

export function cloneParams(p: ParamMap): ParamMap {
  return new Map([...p].map(([k, t]) => [k, { shape: [...t.shape], data: t.data.slice() }]));
}
