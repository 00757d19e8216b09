/** Checkpoint reading (PyTorch zip .pth, safetensors) and safetensors writing. */
export { openCheckpoint, type OpenCheckpointOptions } from './open.ts';
export type { CheckpointLimits } from './pth.ts';
export { writeSafetensors, type SafetensorsEntry, type StoredArray } from './safetensors-write.ts';
export type { CheckpointReader, RawCheckpointReader, StoredDType, TensorInfo } from './types.ts';
