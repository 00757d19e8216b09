/**
 * What the .pth and safetensors readers share: the index of tensors by name and the dtype
 * conversions on top of each format's `readRaw`.
 */
import { toFloat32, toInt64 } from './dtypes.ts';
import { checkpointError } from './fail.ts';
import type { RandomAccessFile } from './file.ts';
import type { RawCheckpointReader, TensorInfo } from './types.ts';

export abstract class IndexedReader<T extends TensorInfo> implements RawCheckpointReader {
  abstract readonly format: 'pth' | 'safetensors';
  private readonly infos: readonly TensorInfo[];
  private readonly byName = new Map<string, TensorInfo>();
  private closed = false;

  protected constructor(
    protected readonly file: RandomAccessFile,
    protected readonly index: ReadonlyMap<string, T>,
  ) {
    // Copies, so callers cannot reach into the reader's own descriptors.
    this.infos = [...index.values()].map((t) =>
      Object.freeze({ name: t.name, dtype: t.dtype, shape: Object.freeze([...t.shape]) }),
    );
    for (const t of this.infos) this.byName.set(t.name, t);
  }

  get path(): string {
    return this.file.path;
  }

  list(): readonly TensorInfo[] {
    return this.infos;
  }

  has(name: string): boolean {
    return this.index.has(name);
  }

  info(name: string): TensorInfo {
    const t = this.byName.get(name);
    if (t === undefined) throw this.missing(name);
    return t;
  }

  private missing(name: string): Error {
    return checkpointError(
      'TENSOR_MISSING',
      this.path,
      `has no tensor named '${name}' (it has ${this.infos.length} tensors)`,
      'Check the key name, or that this checkpoint belongs to the model being built.',
    );
  }

  /** The format's descriptor for `name`; throws for unknown names and after close(). */
  protected entry(name: string): T {
    const t = this.index.get(name);
    if (t === undefined) throw this.missing(name);
    if (this.closed)
      throw checkpointError(
        'READER_CLOSED',
        this.path,
        `was closed before tensor '${name}' was read`,
        'Read tensors before calling close().',
      );
    return t;
  }

  abstract readRaw(name: string): Promise<Uint8Array>;

  async readFloat32(name: string): Promise<Float32Array> {
    const t = this.entry(name);
    return toFloat32(await this.readRaw(name), t.dtype, this.path, name);
  }

  async readInt64(name: string): Promise<BigInt64Array> {
    const t = this.entry(name);
    return toInt64(await this.readRaw(name), t.dtype, this.path, name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.file.close();
  }
}
