/**
 * An in-memory state dict behind the `CheckpointReader` interface, so freshly trained weights go
 * through the same converter as a `.pth` and keep their official key names.
 */
import { CheckpointError } from '../core/errors.ts';
import { formatShape, numel } from '../core/tensor.ts';
import type { CheckpointReader, TensorInfo } from './types.ts';

export interface MemoryTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function memoryCheckpoint(tensors: ReadonlyMap<string, MemoryTensor>, path = '<memory>'): CheckpointReader {
  for (const [name, t] of tensors) {
    if (t.data.length !== numel(t.shape)) {
      throw new CheckpointError(
        'TENSOR_SHAPE',
        `${path}: "${name}" has ${t.data.length} values for shape ${formatShape(t.shape)}.`,
      );
    }
  }
  const get = (name: string): MemoryTensor => {
    const t = tensors.get(name);
    if (!t) throw new CheckpointError('TENSOR_MISSING', `${path}: no tensor "${name}".`);
    return t;
  };
  return {
    path,
    format: 'safetensors',
    list: (): TensorInfo[] => [...tensors].map(([name, t]) => ({ name, dtype: 'float32', shape: t.shape })),
    has: (name) => tensors.has(name),
    info: (name) => ({ name, dtype: 'float32', shape: get(name).shape }),
    readFloat32: async (name) => get(name).data.slice(),
    readInt64: async (name) => {
      throw new CheckpointError('DTYPE_MISMATCH', `${path}: "${name}" is float32, not int64.`);
    },
    close: async () => {},
  };
}
