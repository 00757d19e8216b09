/**
 * Bundles the web UI (`client/`) with esbuild into the files the server serves: app.js, app.css,
 * local.js (the in-browser embedder, fetched only when used) and index.html with a version query.
 * The package build runs this once and ships the result (`dist/web/ui/`); from sources the server
 * runs it at start-up. esbuild is a dev dependency, so it is imported only here.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface WebAsset {
  contentType: string;
  body: Buffer;
}

export const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The files a complete UI has; a build or a pre-built folder missing one of them is refused. */
export const UI_FILES = ['/index.html', '/app.js', '/app.css', '/local.js'] as const;

type EsbuildModule = typeof import('esbuild');

async function loadEsbuild(): Promise<EsbuildModule> {
  try {
    return await import('esbuild');
  } catch (e) {
    throw new Error(
      `the web UI is bundled with esbuild, which is not installed (${(e as Error).message}). Install dev dependencies (npm install --include=dev) or use the built package (npm run build)`,
      { cause: e },
    );
  }
}

export async function bundleWebUi(clientDir: string): Promise<Map<string, WebAsset>> {
  const esbuild = await loadEsbuild();
  const result = await esbuild.build({
    entryPoints: [
      { in: join(clientDir, 'main.ts'), out: 'app' },
      { in: join(clientDir, 'styles/app.css'), out: 'app' },
      // The in-browser embedder (onnxruntime-web + preprocessing), fetched only when used.
      { in: join(clientDir, 'local/entry.ts'), out: 'local' },
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
    assets.set(name, { contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream', body });
  }
  // A version query makes browsers refetch after an upgrade even if the server lets them cache.
  const version = hash.digest('hex').slice(0, 12);
  const html = (await readFile(join(clientDir, 'index.html'), 'utf8'))
    .replace('href="app.css"', `href="app.css?v=${version}"`)
    .replace('src="app.js"', `src="app.js?v=${version}"`);
  assets.set('/index.html', { contentType: CONTENT_TYPES['.html']!, body: Buffer.from(html) });
  for (const need of UI_FILES) if (!assets.has(need)) throw new Error(`web UI build produced no ${need}`);
  return assets;
}

/** Writes a bundle into `outDir` (replaced as a whole: built beside it, then renamed). */
export async function writeWebUi(clientDir: string, outDir: string): Promise<string[]> {
  const assets = await bundleWebUi(clientDir);
  const tmp = `${outDir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  for (const [name, asset] of assets) await writeFile(join(tmp, name), asset.body);
  await rm(outDir, { recursive: true, force: true });
  await rename(tmp, outDir);
  return [...assets.keys()];
}
