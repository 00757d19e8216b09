/**
 * The checkpoint interface that `model/` consumes. Readers are lazy: they index tensors when
 * opened and read each tensor's bytes by offset only when asked, so a 4.5 GB checkpoint never sits
 * in memory whole.
 */
export type StoredDType =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export interface TensorInfo {
  /** The state-dict key, exactly as in the checkpoint (after unwrapping a `{"model": ...}`-style wrapper). */
  readonly name: string;
  readonly dtype: StoredDType;
  readonly shape: readonly number[];
}

export interface CheckpointReader {
  readonly path: string;
  readonly format: 'pth' | 'safetensors';
  /** All tensors, in checkpoint order. */
  list(): readonly TensorInfo[];
  has(name: string): boolean;
  /** Throws `CheckpointError` (code `TENSOR_MISSING`) naming the key when absent. */
  info(name: string): TensorInfo;
  /** Reads one tensor as contiguous float32 (converting f16/bf16/f64; materialising strided views). */
  readFloat32(name: string): Promise<Float32Array>;
  /** Reads one int64 tensor as contiguous BigInt64Array. */
  readInt64(name: string): Promise<BigInt64Array>;
  close(): Promise<void>;
}

/** A reader that also hands out a tensor's stored bytes unconverted (for re-saving checkpoints). */
export interface RawCheckpointReader extends CheckpointReader {
  /** Contiguous little-endian bytes of the stored dtype, strided views materialised. */
  readRaw(name: string): Promise<Uint8Array>;
}
