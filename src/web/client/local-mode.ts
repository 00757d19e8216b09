/**
 * "Embed queries in this browser": text, image and audio query inputs are embedded client-side by
 * the server's own model (fetched from /v1/model/, run by onnxruntime-web), and only the vectors
 * are sent. The embedder is a separate bundle (local.js), loaded the first time the mode is used.
 */
import type { LocalModel } from './local/entry.ts';
import type { QueryInput } from './state.ts';
import { authHeaders } from './token.ts';

type LocalModule = typeof import('./local/entry.ts');

const PREF = 'imagebind.localEmbedding';
/** WebAssembly memory is 4 GiB at most; a larger encoder cannot load in a tab. */
const MAX_ENCODER_BYTES = 1.5 * 1024 ** 3;

export interface LocalModeView {
  readonly toggle: HTMLInputElement;
  readonly status: HTMLElement;
  readonly onChange: () => void;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
}

export class LocalMode {
  private loading: Promise<LocalModel> | null = null;

  constructor(private readonly v: LocalModeView) {
    let on = false;
    try {
      on = localStorage.getItem(PREF) === '1';
    } catch {
      /* storage disabled: default off */
    }
    v.toggle.checked = on;
    v.toggle.addEventListener('change', () => {
      try {
        localStorage.setItem(PREF, v.toggle.checked ? '1' : '0');
      } catch {
        /* see above */
      }
      if (v.toggle.checked) void this.model().catch(() => undefined);
      else this.say('');
      v.onChange();
    });
    if (on) void this.model().catch(() => undefined);
  }

  get enabled(): boolean {
    return this.v.toggle.checked;
  }

  /**
   * Inputs this mode embeds locally: text, JPEG/PNG images (decoded here exactly as on the server)
   * and audio (WAV exactly; other formats through WebAudio, close but not identical). The rest
   * (other image formats, video, depth, thermal, IMU, indexed items) still go to the server.
   */
  handles(input: QueryInput): boolean {
    if (input.kind === 'text') return input.text !== undefined;
    if (!input.file) return false;
    if (input.kind === 'audio') return true;
    const name = input.file instanceof File ? input.file.name.toLowerCase() : '';
    return input.kind === 'vision' && (/^image\/(jpeg|png)$/.test(input.file.type) || /\.(jpe?g|png)$/.test(name));
  }

  private say(text: string): void {
    this.v.status.textContent = text;
    this.v.status.hidden = !text;
  }

  model(): Promise<LocalModel> {
    this.loading ??= this.load().catch((e: unknown) => {
      this.loading = null;
      this.say(`Could not start in-browser embedding: ${(e as Error).message}`);
      throw e;
    });
    return this.loading;
  }

  private async load(): Promise<LocalModel> {
    this.say('Loading the in-browser runtime…');
    const base = new URL('./', location.href);
    // A runtime URL keeps the bundler from inlining local.js (and onnxruntime-web) into app.js;
    // app.js's own ?v= (the build's hash) makes an upgraded app load the matching local.js.
    const mod = (await import(new URL(`local.js${new URL(import.meta.url).search}`, base).href)) as LocalModule;
    const model = await mod.loadLocalModel({
      modelUrl: new URL('v1/model/', base).href,
      wasmPaths: new URL('ort/', base).href,
      headers: authHeaders(),
      onProgress: (p) =>
        this.say(`Downloading ${p.file}… ${p.total ? `${Math.round((100 * p.loaded) / p.total)}%` : mib(p.loaded)}`),
    });
    this.say(`Embedding in this browser · ${model.backend}`);
    return model;
  }

  /**
   * The input's vector, or null when it cannot be embedded here (the model is too large for a tab,
   * the format did not decode, the model could not be fetched): the caller then sends the input
   * itself and the server embeds it, so a query never fails only because this mode is on.
   */
  async vectorFor(input: QueryInput): Promise<Float32Array | null> {
    let m: LocalModel;
    try {
      m = await this.model();
    } catch {
      return null; // model() already said why
    }
    const modality = input.kind === 'text' ? 'text' : input.kind === 'vision' ? 'vision' : 'audio';
    const bytes = m.model.weightBytes(modality);
    if (bytes > MAX_ENCODER_BYTES) {
      this.say(
        `The ${modality} encoder is ${mib(bytes)}, too large for a browser tab; the server embeds ${modality} queries.`,
      );
      return null;
    }
    try {
      if (input.kind === 'text') return await m.embedText(input.text ?? '');
      if (input.kind === 'vision') return await m.embedImage(input.file!);
      return await m.embedAudio(input.file!);
    } catch (e) {
      this.say(`${input.label} could not be embedded here (${(e as Error).message}); the server embedded it.`);
      return null;
    } finally {
      // First use of an encoder downloads it, and the status showed that progress.
      if (this.v.status.textContent?.startsWith('Downloading')) this.say(`Embedding in this browser · ${m.backend}`);
    }
  }

  identity(): Promise<string> {
    return this.model().then((m) => m.identity);
  }
}
