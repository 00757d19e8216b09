/**
 * Trained weights → a model directory the inference engine reads unchanged: the parameters keep
 * their official keys and go through the same converter as a `.pth`.
 */
import { memoryCheckpoint } from '../checkpoint/memory.ts';
import type { ImageBindConfig, Modality } from '../model/config.ts';
import { convertCheckpoint } from '../model/convert.ts';
import type { Manifest } from '../model/manifest.ts';
import type { ParamMap } from './params.ts';

export interface SaveModelOptions {
  readonly config: ImageBindConfig;
  readonly modalities: readonly Modality[];
  readonly outDir: string;
  readonly name?: string;
  /** BPE merges for the text encoder's tokenizer, copied into the directory. */
  readonly vocabPath?: string;
}

export function saveModel(params: ParamMap, o: SaveModelOptions): Promise<Manifest> {
  return convertCheckpoint(memoryCheckpoint(params, '<trained>'), {
    config: o.config,
    modalities: o.modalities,
    outDir: o.outDir,
    name: o.name,
    vocabPath: o.vocabPath,
  });
}
