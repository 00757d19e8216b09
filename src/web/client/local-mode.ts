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
    try { on = localStorage.getItem(PREF) === '1'; } catch { /* storage disabled: default off */ }
    v.toggle.checked = on;
    v.toggle.addEventListener('change', () => {
      try { localStorage.setItem(PREF, v.toggle.checked ? '1' : '0'); } catch { /* see above */ }
      if (v.toggle.checked) void this.model().catch(() => undefined);
      else this.say('');
      v.onChange();
    });
    if (on) void this.model().catch(() => undefined);
  }

  get enabled(): boolean {
    return this.v.toggle.checked;
  }

  /** Inputs this mode embeds locally; the rest (video, depth, indexed items…) still go to the server. */
  handles(input: QueryInput): boolean {
    if (input.kind === 'text') return input.text !== undefined;
    return (input.kind === 'vision' || input.kind === 'audio') && input.file !== undefined;
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
    // A runtime URL keeps the bundler from inlining local.js (and onnxruntime-web) into app.js.
    const mod = (await import(new URL('local.js', base).href)) as LocalModule;
    const model = await mod.loadLocalModel({
      modelUrl: new URL('v1/model/', base).href,
      wasmPaths: new URL('ort/', base).href,
      headers: authHeaders(),
      onProgress: (p) => this.say(`Downloading ${p.file}… ${p.total ? `${Math.round((100 * p.loaded) / p.total)}%` : mib(p.loaded)}`),
    });
    this.say(`Embedding in this browser · ${model.backend}`);
    return model;
  }

  async vectorFor(input: QueryInput): Promise<Float32Array> {
    const m = await this.model();
    const modality = input.kind === 'text' ? 'text' : input.kind === 'vision' ? 'vision' : 'audio';
    const bytes = m.model.weightBytes(modality);
    if (bytes > MAX_ENCODER_BYTES) {
      throw new Error(`the ${modality} encoder is ${mib(bytes)}, too large to run in a browser tab; turn off “Embed queries in this browser” or serve an int8 model.`);
    }
    try {
      if (input.kind === 'text') return await m.embedText(input.text ?? '');
      if (input.kind === 'vision') return await m.embedImage(input.file!);
      return await m.embedAudio(input.file!);
    } catch (e) {
      throw new Error(`${input.label}: could not be embedded in this browser (${(e as Error).message}).`, { cause: e });
    } finally {
      // First use of an encoder downloads it, and the status showed that progress.
      this.say(`Embedding in this browser · ${m.backend}`);
    }
  }

  identity(): Promise<string> {
    return this.model().then((m) => m.identity);
  }
}
