/**
 * A model directory served over HTTP (the imagebind server exposes its own at `/v1/model/`):
 * files fetched relative to the base URL with the caller's headers, never from outside it;
 * sessions by onnxruntime-web over the fetched graph and weights. Browser-safe.
 */
import { ConfigError } from '../core/errors.ts';
import type { Manifest, ModalityEntry } from '../model/manifest.ts';
import { createWebSession } from './backend-web.ts';
import type { ModelDirectory } from './model-dir.ts';
import type { BackendSession } from './session.ts';

export interface DownloadProgress {
  readonly file: string;
  readonly loaded: number;
  /** From Content-Length; 0 when the server does not say. */
  readonly total: number;
}

export interface HttpDirectoryOptions {
  /** Sent with every model request (e.g. `Authorization: Bearer …`). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly fetch?: typeof fetch;
  readonly onProgress?: (p: DownloadProgress) => void;
}

export class HttpModelDirectory implements ModelDirectory {
  /** `baseUrl` gains a trailing slash if it has none. */
  readonly location: string;

  constructor(
    baseUrl: string,
    private readonly opts: HttpDirectoryOptions = {},
  ) {
    this.location = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  describe(name: string): string {
    return `${this.location}${name}`;
  }

  readFile(name: string): Promise<Uint8Array> {
    return download(this.location, name, this.opts);
  }

  async openSession(entry: ModalityEntry, _manifest: Manifest): Promise<BackendSession> {
    const [graph, weights] = await Promise.all([this.readFile(entry.graph), this.readFile(entry.weights)]);
    return createWebSession(graph, { path: entry.weights, data: weights }, this.describe(entry.graph));
  }
}

async function download(base: string, file: string, opts: HttpDirectoryOptions): Promise<Uint8Array> {
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
