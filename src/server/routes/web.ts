/**
 * The web UI's static files. `src/web/assets.ts` (built separately) exports `webAssets()`; it is
 * imported lazily so this server runs, with a plain placeholder page, where the UI is absent.
 */
import type { FastifyInstance } from 'fastify';
import { ISOLATION_HEADERS } from './model.ts';

export type AssetMap = Map<string, { contentType: string; body: Buffer }>;

const PLACEHOLDER = `<!doctype html><meta charset="utf-8"><title>imagebind</title>
<h1>imagebind server</h1><p>The web UI is not built. The API is at <code>/v1/</code>; see <a href="/v1/info">/v1/info</a>.</p>`;

async function loadAssets(log: (msg: string) => void): Promise<AssetMap | null> {
  // A variable specifier keeps tsc and bundlers from requiring the file to exist.
  const spec = '../../web/assets.ts';
  let mod: { webAssets?: () => Promise<AssetMap> };
  try {
    mod = (await import(spec)) as typeof mod;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND') log(`web UI failed to load: ${(e as Error).message}`);
    return null;
  }
  if (typeof mod.webAssets !== 'function') return null;
  try {
    return await mod.webAssets();
  } catch (e) {
    // A UI that fails to build must not take the API down with it: serve the placeholder.
    log(`web UI failed to build: ${(e as Error).message}`);
    return null;
  }
}

/** Paths under which the UI's files are public even when a token is required (the shell only). */
export function isUiPath(url: string): boolean {
  return (
    url === '/' ||
    url === '/index.html' ||
    url === '/app.js' ||
    url === '/app.css' ||
    url === '/local.js' ||
    url.startsWith('/assets/') ||
    url.startsWith('/ort/') ||
    url === '/favicon.ico'
  );
}

export function registerWeb(app: FastifyInstance): void {
  // Not cached here: Node caches the module and webAssets() its build (or rebuilds in UI dev mode).
  const get = () => loadAssets((m) => app.log.error(m));
  const serve = async (key: string, reply: import('fastify').FastifyReply) => {
    const map = await get();
    const asset = map?.get(key);
    if (!asset) {
      if (key === '/index.html') return reply.type('text/html; charset=utf-8').send(PLACEHOLDER);
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no such file: ${key}` } });
    }
    // Isolated, so the in-browser runtime may use WASM threads (see routes/model.ts).
    return reply
      .type(asset.contentType)
      .headers(ISOLATION_HEADERS)
      .header('cache-control', key === '/index.html' ? 'no-cache' : 'public, max-age=300')
      .send(asset.body);
  };
  app.get('/', (_req, reply) => serve('/index.html', reply));
  app.get('/index.html', (_req, reply) => serve('/index.html', reply));
  app.get('/app.js', (_req, reply) => serve('/app.js', reply));
  app.get('/app.css', (_req, reply) => serve('/app.css', reply));
  app.get('/local.js', (_req, reply) => serve('/local.js', reply));
  app.get('/favicon.ico', (_req, reply) => reply.code(204).send());
  // Only exact keys of the asset map are served: no file system lookup, so no traversal.
  app.get<{ Params: { '*': string } }>('/assets/*', (req, reply) => serve(`/assets/${req.params['*']}`, reply));
}
