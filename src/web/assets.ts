/**
 * The web UI's files, built in memory with esbuild from `client/` the first time the server asks
 * and kept for the life of the process (set IMAGEBIND_WEB_DEV=1 to rebuild on every call while
 * working on the UI). Everything the page needs is in these files: no CDN, fonts or remote URLs.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export interface WebAsset {
  contentType: string;
  body: Buffer;
}

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

let cached: Promise<Map<string, WebAsset>> | undefined;

type EsbuildModule = typeof import('esbuild');

async function loadEsbuild(): Promise<EsbuildModule> {
  try {
    return await import('esbuild');
  } catch (e) {
    throw new Error(
      `the web UI is bundled with esbuild, which is not installed (${(e as Error).message}). Install dev dependencies: npm install --include=dev`,
      { cause: e },
    );
  }
}

async function build(): Promise<Map<string, WebAsset>> {
  const esbuild = await loadEsbuild();
  const result = await esbuild.build({
    entryPoints: [
      { in: `${CLIENT_DIR}main.ts`, out: 'app' },
      { in: `${CLIENT_DIR}styles/app.css`, out: 'app' },
      // The in-browser embedder (onnxruntime-web + preprocessing), fetched only when used.
      { in: `${CLIENT_DIR}local/entry.ts`, out: 'local' },
    ],
    outdir: '/web', // virtual: write is false, the path only names the outputs
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    legalComments: 'none',
    // onnxruntime-web then loads its WASM glue from wasmPaths (/ort/) instead of inlining it, so
    // its worker threads start from that small file rather than from the whole local.js.
    conditions: ['onnxruntime-web-use-extern-wasm'],
    logLevel: 'silent',
  });
  const assets = new Map<string, WebAsset>();
  const hash = createHash('sha256');
  for (const out of result.outputFiles) {
    const name = out.path.slice(out.path.lastIndexOf('/'));
    const ext = name.slice(name.lastIndexOf('.'));
    const body = Buffer.from(out.contents);
    hash.update(body);
    assets.set(name, { contentType: TYPES[ext] ?? 'application/octet-stream', body });
  }
  for (const need of ['/app.js', '/app.css', '/local.js'])
    if (!assets.has(need)) throw new Error(`web UI build produced no ${need}`);
  // A version query makes browsers refetch after an upgrade even if the server lets them cache.
  const version = hash.digest('hex').slice(0, 12);
  const html = (await readFile(`${CLIENT_DIR}index.html`, 'utf8'))
    .replace('href="app.css"', `href="app.css?v=${version}"`)
    .replace('src="app.js"', `src="app.js?v=${version}"`);
  assets.set('/index.html', { contentType: TYPES['.html'], body: Buffer.from(html) });
  return assets;
}

export function webAssets(): Promise<Map<string, WebAsset>> {
  if (process.env.IMAGEBIND_WEB_DEV === '1') return build();
  // A failed build is not cached, so a fixed environment recovers without a restart.
  cached ??= build().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
