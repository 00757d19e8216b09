/**
 * The library's entry object: a loaded model directory with one lazily opened encoder per
 * modality. `embed` takes files, bytes and strings through the official preprocessing;
 * `embedTensor` runs an already preprocessed tensor. The directory is read through
 * runtime/model-dir.ts, as ImageBindWeb reads its URL.
 */
import { join } from 'node:path';
import type { FileKind, Modality } from '../core/modalities.ts';
import type { Float32Tensor, Tensor } from '../core/tensor.ts';
import type { Manifest } from '../model/manifest.ts';
import { type LoaderOptions, loadBytes, loadFile } from '../preprocess/loaders.ts';
import type { SessionOptions } from '../runtime/backend.ts';
import { type Device, type ResolvedDevice, requestedDevice, resolveDevice } from '../runtime/device.ts';
import type { EncodeResult, Encoder } from '../runtime/encoder.ts';
import { manifestModalities, openEncoder, readModelManifest } from '../runtime/model-dir.ts';
import { NodeModelDirectory } from '../runtime/model-dir-node.ts';
import type { PlacementReport } from '../runtime/placement.ts';
import type { ClipTokenizer } from '../preprocess/text/index.ts';
import { type EmbedBackend, type EmbedInputs, type EmbedOptions, type EmbedOutput, embedInputs } from './embed.ts';
import { defaultModelDir } from './default-model.ts';
import { loadTokenizer } from './tokenizer.ts';
import { DenseVisionEncoder } from './dense-vision.ts';
import type { DenseMode } from '../model/dense-head.ts';
import type { QueryPart } from './compose.ts';
import { openDecoder, readDecoderManifest } from './decoder.ts';
import { type GenerateOptions, type GeneratedImage, generateImages } from './generate.ts';
import type { ImageDecoder } from '../runtime/diffusion/image-decoder.ts';
import { StableUnclipDecoder } from '../runtime/diffusion/stable-unclip.ts';

export interface LoadOptions extends Omit<SessionOptions, 'device'> {
  /**
   * Where the encoders run: 'cpu' (the default, or $IMAGEBIND_DEVICE), 'webgpu', 'cuda', or 'auto'
   * (the first GPU provider that starts, else the CPU). A GPU that cannot start fails the load with
   * DEVICE_UNAVAILABLE, naming the provider and what to install.
   */
  readonly device?: Device;
  /** Told when `device: 'auto'` falls back to the CPU (default: a process warning). */
  readonly onNotice?: (message: string) => void;
  /** Items per encoder run; larger batches use more memory. */
  readonly batchSize?: number;
  /** BPE merges for text, when the model directory has no tokenizer/. */
  readonly vocab?: string;
  /** The image decoder for `generate` (default `<dir>/decoder`). */
  readonly decoder?: string;
}

export class ImageBind implements EmbedBackend {
  private readonly encoders = new Map<Modality, Promise<Encoder>>();
  private readonly dense = new Map<DenseMode, Promise<DenseVisionEncoder>>();
  private tokenizerPromise: Promise<ClipTokenizer> | null = null;
  private decoderPromise: Promise<ImageDecoder> | null = null;
  private readonly placements = new Map<Modality, PlacementReport>();

  private constructor(
    private readonly directory: NodeModelDirectory,
    readonly manifest: Manifest,
    private readonly opts: LoadOptions,
    /** The device the encoders run on (`auto` resolved). */
    readonly device: ResolvedDevice,
  ) {}

  /** Loads a model directory; with no `dir`, the embedded mini model that ships with the package. */
  static async load(dir?: string, opts: LoadOptions = {}): Promise<ImageBind> {
    const path = dir ?? defaultModelDir();
    const manifest = await readModelManifest(new NodeModelDirectory(path));
    const { device, note } = await resolveDevice(requestedDevice(opts.device));
    if (note) (opts.onNotice ?? ((m: string) => process.emitWarning(m, { code: 'IMAGEBIND_DEVICE_FALLBACK' })))(note);
    // Sessions open on the resolved device: the directory passes these options to each one.
    return new ImageBind(new NodeModelDirectory(path, { ...opts, device }), manifest, opts, device);
  }

  /** The model directory's path. */
  get dir(): string {
    return this.directory.location;
  }

  get batchSize(): number {
    return this.opts.batchSize ?? 8;
  }

  /** Embedding-space identity (see the manifest): vectors from different identities don't mix. */
  get identity(): string {
    return this.manifest.identity;
  }

  tokenizer(): Promise<ClipTokenizer> {
    this.tokenizerPromise ??= loadTokenizer({ vocab: this.opts.vocab, modelDir: this.dir, manifest: this.manifest });
    return this.tokenizerPromise;
  }

  /**
   * Embeds strings (text) and files, bytes or preprocessed item tensors (other kinds). Outputs keep
   * the official scales (text/audio/depth/thermal/IMU are multiplied by their logit scales; averaged
   * clips are not unit-norm) unless `normalize: true`. Failed items are null, with the reason in `errors`.
   */
  embed<I extends EmbedInputs>(inputs: I, opts: EmbedOptions = {}): Promise<EmbedOutput<I>> {
    return embedInputs(this, inputs, opts);
  }

  /** Paths and bytes of every kind through the official preprocessing (preprocess/loaders.ts). */
  loadItem(kind: FileKind, input: string | Uint8Array, name: string, loaders?: LoaderOptions): Promise<Tensor> {
    return typeof input === 'string' ? loadFile(kind, input, loaders) : loadBytes(kind, input, name, loaders);
  }

  get modalities(): Modality[] {
    return manifestModalities(this.manifest);
  }

  encoder(modality: Modality): Promise<Encoder> {
    let e = this.encoders.get(modality);
    if (!e) {
      e = openEncoder(this.directory, this.manifest, modality, this.batchSize, (session) => {
        if (session.placement) this.placements.set(modality, session.placement);
      });
      // Only encoders the directory has are kept; asking for another one is refused each time.
      if (this.manifest.modalities[modality]) this.encoders.set(modality, e);
    }
    return e;
  }

  /**
   * Where onnxruntime placed each node of an encoder (profiled on its first run): recorded for GPU
   * devices, or on the CPU when loaded with `checkPlacement: true`; null otherwise.
   */
  async placement(modality: Modality): Promise<PlacementReport | null> {
    await this.encoder(modality);
    return this.placements.get(modality) ?? null;
  }

  /** What the official `model({modality: tensor})[modality]` returns, as [B, outputDim]. */
  async embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor> {
    return (await this.encodeWithStages(modality, input)).output;
  }

  async encodeWithStages(modality: Modality, input: Tensor): Promise<EncodeResult> {
    return (await this.encoder(modality)).encode(input);
  }

  /** The vision encoder with per-patch embeddings as a second output (dense localisation). */
  denseVision(mode: DenseMode = 'value'): Promise<DenseVisionEncoder> {
    let d = this.dense.get(mode);
    if (!d) {
      d = DenseVisionEncoder.open(this.dir, this.manifest, mode, {
        ...this.opts,
        device: this.device,
        batchSize: this.batchSize,
      });
      this.dense.set(mode, d);
      d.catch(() => this.dense.delete(mode));
    }
    return d;
  }

  /** The image decoder directory `generate` uses. */
  get decoderDir(): string {
    return this.opts.decoder ?? join(this.dir, 'decoder');
  }

  /** The image decoder (opened once; refused when it was made for another embedding space). */
  decoder(): Promise<ImageDecoder> {
    this.decoderPromise ??= openDecoder(this.decoderDir, this.manifest, {
      threads: this.opts.threads,
      inWorker: this.opts.inWorker,
    }).then((d) => {
      if (d instanceof StableUnclipDecoder) d.setTokenizer(async (p) => (await this.tokenizer()).tokenize(p));
      return d;
    });
    this.decoderPromise.catch(() => (this.decoderPromise = null));
    return this.decoderPromise;
  }

  /**
   * Images from any inputs: `query` is composed like search (each input normalised, weighted,
   * negated for minus, summed, normalised) or is a ready condition vector of this space.
   * `count` images use seeds seed, seed + 1, …; the same seed gives the same pixels.
   */
  async generate(query: readonly QueryPart[] | Float32Array, opts: GenerateOptions = {}): Promise<GeneratedImage[]> {
    const decoder = await this.decoder();
    const { defaults } = await readDecoderManifest(this.decoderDir);
    return generateImages(this, decoder, defaults, query, opts);
  }

  async close(): Promise<void> {
    const all = [...this.encoders.values(), ...this.dense.values()];
    this.encoders.clear();
    this.dense.clear();
    const decoder = this.decoderPromise;
    this.decoderPromise = null;
    await Promise.all([
      ...all.map(async (e) => (await (e as Promise<{ release(): Promise<void> }>).catch(() => null))?.release()),
      decoder?.then(
        (d) => d.close(),
        () => undefined,
      ),
    ]);
  }
}
