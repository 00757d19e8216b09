/**
 * ImageBind in a browser: the same model directory, read over HTTP from any base URL (the
 * imagebind server exposes its own at `/v1/model/`) through runtime/model-dir.ts as ImageBind
 * reads a folder, run by onnxruntime-web, with the official preprocessing in pure TypeScript and
 * the same `embed({...})` call. What needs a canvas or WebAudio (JPEG, compressed audio) stays with
 * the caller, who passes decoded pixels, waveforms or tensors; PNG, BMP and WAV bytes are decoded
 * here. Importable, and testable, in Node.
 */
import { MediaError } from '../core/errors.ts';
import type { FileKind, Modality } from '../core/modalities.ts';
import { type Float32Tensor, type Tensor, stack } from '../core/tensor.ts';
import type { Manifest } from '../model/manifest.ts';
import { type DecodedAudio, decodeWav, looksLikeWav } from '../preprocess/audio/wav.ts';
import { type AudioOptions, preprocessWaveform } from '../preprocess/audio/pipeline.ts';
import { type RgbImage, decodeBmp } from '../preprocess/image/bmp.ts';
import { decodePng } from '../preprocess/image/png-decode.ts';
import { rawToRgb } from '../preprocess/image/raw-rgb.ts';
import type { LoaderOptions } from '../preprocess/loaders.ts';
import type { ClipTokenizer } from '../preprocess/text/tokenizer.ts';
import { preprocessVisionRgb } from '../preprocess/vision/transform.ts';
import { type WebRuntime, type WebRuntimeOptions, configureWebRuntime } from '../runtime/backend-web.ts';
import type { Encoder } from '../runtime/encoder.ts';
import { type DownloadProgress, HttpModelDirectory } from '../runtime/model-dir-http.ts';
import { manifestModalities, openEncoder, readDirectoryTokenizer, readModelManifest } from '../runtime/model-dir.ts';
import { type EmbedBackend, type EmbedInputs, type EmbedOptions, type EmbedOutput, embedInputs } from './embed.ts';

export type { DownloadProgress } from '../runtime/model-dir-http.ts';

export interface WebLoadOptions extends WebRuntimeOptions {
  /** Sent with every model request (e.g. `Authorization: Bearer …`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly batchSize?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
}

export class ImageBindWeb implements EmbedBackend {
  private readonly encoders = new Map<Modality, Promise<Encoder>>();
  /** The last run queued on each encoder: onnxruntime-web sessions must not run concurrently. */
  private readonly lastRun = new Map<Modality, Promise<unknown>>();
  private tokenizerPromise: Promise<ClipTokenizer> | null = null;

  private constructor(
    private readonly directory: HttpModelDirectory,
    readonly manifest: Manifest,
    readonly runtime: WebRuntime,
    private readonly opts: WebLoadOptions,
  ) {}

  /**
   * `baseUrl` is the model directory's URL (a trailing slash is added if missing). The runtime
   * options (execution providers, threads, wasmPaths) are global to onnxruntime-web: the first
   * load in a page sets them.
   */
  static async load(baseUrl: string, opts: WebLoadOptions = {}): Promise<ImageBindWeb> {
    const directory = new HttpModelDirectory(baseUrl, opts);
    const runtime = await configureWebRuntime(opts);
    return new ImageBindWeb(directory, await readModelManifest(directory), runtime, opts);
  }

  /** The model directory's URL, ending in `/`. */
  get baseUrl(): string {
    return this.directory.location;
  }

  get identity(): string {
    return this.manifest.identity;
  }

  get modalities(): Modality[] {
    return manifestModalities(this.manifest);
  }

  get batchSize(): number {
    return this.opts.batchSize ?? 8;
  }

  /** Bytes this modality's encoder downloads (its weights), for a size warning before loading. */
  weightBytes(modality: Modality): number {
    return this.manifest.modalities[modality]?.weightBytes ?? 0;
  }

  tokenizer(): Promise<ClipTokenizer> {
    this.tokenizerPromise ??= readDirectoryTokenizer(this.directory, this.manifest);
    // A failed download may be retried by the next call rather than cached.
    this.tokenizerPromise.catch(() => (this.tokenizerPromise = null));
    return this.tokenizerPromise;
  }

  encoder(modality: Modality): Promise<Encoder> {
    let e = this.encoders.get(modality);
    if (!e) {
      e = openEncoder(this.directory, this.manifest, modality, this.batchSize);
      // A failed download may be retried by the next call rather than cached.
      e.catch(() => this.encoders.delete(modality));
      this.encoders.set(modality, e);
    }
    return e;
  }

  /**
   * The same call as `ImageBind.embed`: strings for text; for the other kinds, preprocessed item
   * tensors or file bytes that decode without a canvas (PNG and BMP images, WAV audio). Decode
   * other formats in the page (canvas, WebAudio) and pass tensors, or use embedImages/embedWaveforms.
   */
  embed<I extends EmbedInputs>(inputs: I, opts: EmbedOptions = {}): Promise<EmbedOutput<I>> {
    return embedInputs(this, inputs, opts);
  }

  /** Bytes a browser decodes without a canvas, through the official transforms. */
  async loadItem(kind: FileKind, input: string | Uint8Array, name: string, _loaders?: LoaderOptions): Promise<Tensor> {
    if (typeof input === 'string')
      throw new MediaError(
        'FILE_UNREADABLE',
        `${input}: a browser has no file paths; pass the file's bytes or a tensor.`,
      );
    if (kind === 'vision') {
      if (input[0] === 0x89 && input[1] === 0x50) return preprocessVisionRgb(rawToRgb(decodePng(input, name)));
      if (input[0] === 0x42 && input[1] === 0x4d) return preprocessVisionRgb(decodeBmp(input, name));
    }
    if (kind === 'audio' && looksLikeWav(input)) {
      const a = decodeWav(input, name);
      return preprocessWaveform(a.channels, a.sampleRate, {}, name);
    }
    throw new MediaError(
      'IMAGE_UNSUPPORTED_FORMAT',
      `${name}: in a browser, ${kind} bytes are decoded here only as PNG or BMP images and WAV audio; decode it in the page (canvas, WebAudio) and pass a tensor.`,
    );
  }

  /** What the official `model({modality: x})[modality]` returns, as [B, outputDim]. Runs queue per encoder. */
  embedTensor(modality: Modality, input: Tensor): Promise<Float32Tensor> {
    const run = async () => (await (await this.encoder(modality)).encode(input)).output;
    const next = (this.lastRun.get(modality) ?? Promise.resolve()).then(run, run);
    this.lastRun.set(
      modality,
      next.catch(() => undefined),
    );
    return next;
  }

  async embedText(texts: readonly string[]): Promise<Float32Tensor> {
    return this.embedTensor('text', (await this.tokenizer()).tokenize(texts));
  }

  /** Decoded RGB images (e.g. from a canvas) through the official vision transform. */
  embedImages(images: readonly RgbImage[]): Promise<Float32Tensor> {
    return this.embedTensor('vision', stack(images.map(preprocessVisionRgb)));
  }

  /** One waveform per item (channels at `sampleRate`): resampled to 16 kHz, clipped, fbank'd, averaged. */
  embedWaveforms(items: readonly DecodedAudio[], opts: AudioOptions = {}): Promise<Float32Tensor> {
    return this.embedTensor(
      'audio',
      stack(items.map((a, i) => preprocessWaveform(a.channels, a.sampleRate, opts, `<audio ${i}>`))),
    );
  }

  /** WAV file bytes, decoded exactly as in Node. */
  embedWavs(files: readonly Uint8Array[], opts: AudioOptions = {}): Promise<Float32Tensor> {
    return this.embedWaveforms(
      files.map((b, i) => decodeWav(b, `<wav ${i}>`)),
      opts,
    );
  }

  async close(): Promise<void> {
    const all = [...this.encoders.values()];
    this.encoders.clear();
    await Promise.all(all.map(async (e) => (await e.catch(() => null))?.release()));
  }
}
