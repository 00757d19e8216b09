/**
 * The library's entry object: a loaded model directory with one lazily opened encoder per
 * modality. `embedTensor` runs an already preprocessed tensor; file/string inputs go through
 * `preprocess/` first (see `embed()` once the preprocessors are wired in).
 */
import { ConfigError } from '../core/errors.ts';
import type { Float32Tensor, Tensor } from '../core/tensor.ts';
import { type Modality, isModality } from '../model/config.ts';
import { type Manifest, readManifest } from '../model/manifest.ts';
import type { SessionOptions } from '../runtime/backend.ts';
import { type EncodeResult, Encoder } from '../runtime/encoder.ts';

export interface LoadOptions extends SessionOptions {
  /** Items per encoder run; larger batches use more memory. */
  readonly batchSize?: number;
}

export class ImageBind {
  private readonly encoders = new Map<Modality, Promise<Encoder>>();

  private constructor(readonly dir: string, readonly manifest: Manifest, private readonly opts: LoadOptions) {}

  static async load(dir: string, opts: LoadOptions = {}): Promise<ImageBind> {
    return new ImageBind(dir, await readManifest(dir), opts);
  }

  get modalities(): Modality[] {
    return Object.keys(this.manifest.modalities).filter(isModality);
  }

  encoder(modality: Modality): Promise<Encoder> {
    let e = this.encoders.get(modality);
    if (!e) {
      const entry = this.manifest.modalities[modality];
      if (!entry) {
        throw new ConfigError('MODALITY_MISSING', `${this.dir}: this model directory has no ${modality} encoder (it has: ${this.modalities.join(', ') || 'none'}). Convert it with --modalities ${modality}.`);
      }
      e = Encoder.open(this.dir, modality, entry, this.opts);
      this.encoders.set(modality, e);
    }
    return e;
  }

  /** What the official `model({modality: tensor})[modality]` returns, as [B, outputDim]. */
  async embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor> {
    return (await this.encodeWithStages(modality, input)).output;
  }

  async encodeWithStages(modality: Modality, input: Tensor): Promise<EncodeResult> {
    return (await this.encoder(modality)).encode(input);
  }

  async close(): Promise<void> {
    const all = [...this.encoders.values()];
    this.encoders.clear();
    await Promise.all(all.map(async (e) => (await e).release()));
  }
}
