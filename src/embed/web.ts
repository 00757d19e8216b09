/**
 * ImageBind in a browser: the same model directory, fetched over HTTP from any base URL (the
 * imagebind server exposes its own at `/v1/model/`), run by onnxruntime-web, with the official
 * preprocessing in pure TypeScript. Decoding stays with the caller (canvas, WebAudio), so this
 * module takes decoded pixels and waveforms and is also importable, and testable, in Node.
 */
import { ConfigError } from '../core/errors.ts';
import { type Float32Tensor, type Tensor, stack } from '../core/tensor.ts';
import { type Modality, isModality } from '../model/config.ts';
import { type Manifest, parseManifest } from '../model/manifest.ts';
import { type DecodedAudio, decodeWav } from '../preprocess/audio/wav.ts';
import { type AudioOptions, preprocessWaveform } from '../preprocess/audio/pipeline.ts';
import type { RgbImage } from '../preprocess/image/bmp.ts';
import { ClipTokenizer } from '../preprocess/text/tokenizer.ts';
import { preprocessVisionRgb } from '../preprocess/vision/transform.ts';
import {
  type WebRuntime,
  type WebRuntimeOptions,
  configureWebRuntime,
  createWebSession,
} from '../runtime/backend-web.ts';
import { Encoder } from '../runtime/encoder.ts';

export interface DownloadProgress {
  readonly file: string;
  readonly loaded: number;
  /** From Content-Length; 0 when the server does not say. */
  readonly total: number;
}

export interface WebLoadOptions extends WebRuntimeOptions {
  /** Sent with every model request (e.g. `Authorization: Bearer …`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly batchSize?: number;
  readonly onProgress?: (p: DownloadProgress) => void;
}

export class ImageBindWeb {
  private readonly encoders = new Map<Modality, Promise<Encoder>>();
  /** The last run queued on each encoder: onnxruntime-web sessions must not run concurrently. */
  private readonly lastRun = new Map<Modality, Promise<unknown>>();
  private tokenizerPromise: Promise<ClipTokenizer> | null = null;

  private constructor(
    readonly baseUrl: string,
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
    const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
    const runtime = await configureWebRuntime(opts);
    const bytes = await download(base, 'manifest.json', opts);
    const manifest = parseManifest(new TextDecoder().decode(bytes), `${base}manifest.json`);
    return new ImageBindWeb(base, manifest, runtime, opts);
  }

  get identity(): string {
    return this.manifest.identity;
  }

  get modalities(): Modality[] {
    return Object.keys(this.manifest.modalities).filter(isModality);
  }

  /** Bytes this modality's encoder downloads (its weights), for a size warning before loading. */
  weightBytes(modality: Modality): number {
    return this.manifest.modalities[modality]?.weightBytes ?? 0;
  }

  tokenizer(): Promise<ClipTokenizer> {
    const t = this.manifest.tokenizer;
    if (!t)
      return Promise.reject(
        new ConfigError(
          'VOCAB_REQUIRED',
          `${this.baseUrl}: this model directory has no tokenizer/; convert it with --vocab to embed text.`,
        ),
      );
    this.tokenizerPromise ??= download(this.baseUrl, t.merges, this.opts).then((bytes) =>
      ClipTokenizer.fromBuffer(bytes, { source: `${this.baseUrl}${t.merges}`, contextLength: t.contextLength }),
    );
    return this.tokenizerPromise;
  }

  encoder(modality: Modality): Promise<Encoder> {
    let e = this.encoders.get(modality);
    if (!e) {
      const entry = this.manifest.modalities[modality];
      if (!entry) {
        return Promise.reject(
          new ConfigError(
            'MODALITY_MISSING',
            `${this.baseUrl}: this model directory has no ${modality} encoder (it has: ${this.modalities.join(', ') || 'none'}).`,
          ),
        );
      }
      e = (async () => {
        const [graph, weights] = await Promise.all([
          download(this.baseUrl, entry.graph, this.opts),
          download(this.baseUrl, entry.weights, this.opts),
        ]);
        const session = await createWebSession(
          graph,
          { path: entry.weights, data: weights },
          `${this.baseUrl}${entry.graph}`,
        );
        return Encoder.create(modality, entry, session, this.opts.batchSize ?? 8);
      })();
      // A failed download may be retried by the next call rather than cached.
      e.catch(() => this.encoders.delete(modality));
      this.encoders.set(modality, e);
    }
    return e;
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

async function download(base: string, file: string, opts: WebLoadOptions): Promise<Uint8Array> {
  const url = new URL(file, base).href;
  // parseManifest already refuses names that leave the directory; the token must never leave it either.
  if (!url.startsWith(base))
    throw new ConfigError(
      'MODEL_DIR_INVALID',
      `${base}: "${file}" is outside the model directory; refusing to fetch it.`,
    );
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(url, { headers: { ...opts.headers } });
  } catch (e) {
    throw new ConfigError(
      'MODEL_FETCH_FAILED',
      `${url}: could not be fetched (${(e as Error).message}). Check the model URL and that the server is reachable.`,
      { cause: e },
    );
  }
  if (!res.ok) {
    const hint = res.status === 401 ? ' The server wants an access token: pass it in `headers`.' : '';
    throw new ConfigError('MODEL_FETCH_FAILED', `${url}: the server answered ${res.status}.${hint}`);
  }
  const total = Number(res.headers.get('content-length') ?? 0);
  if (!res.body || !opts.onProgress) return new Uint8Array(await res.arrayBuffer());
  const parts: Uint8Array[] = [];
  let loaded = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    opts.onProgress({ file, loaded, total });
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
