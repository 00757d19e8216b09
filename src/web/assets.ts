/**
 * The web UI's files, kept for the life of the process. The built package ships them pre-bundled
 * (`ui/` beside this module, written by `npm run build`); from sources they are bundled with esbuild
 * from `client/` the first time the server asks (set IMAGEBIND_WEB_DEV=1 to rebuild on every call
 * while working on the UI). Everything the page needs is in these files: no CDN, fonts or remote URLs.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTENT_TYPES, UI_FILES, type WebAsset, bundleWebUi } from './bundle.ts';

export type { WebAsset } from './bundle.ts';

const CLIENT_DIR = fileURLToPath(new URL('./client/', import.meta.url));
const PREBUILT_DIR = fileURLToPath(new URL('./ui/', import.meta.url));

let cached: Promise<Map<string, WebAsset>> | undefined;

async function readPrebuilt(): Promise<Map<string, WebAsset>> {
  const assets = new Map<string, WebAsset>();
  for (const name of UI_FILES) {
    const body = await readFile(`${PREBUILT_DIR}${name.slice(1)}`).catch((e: Error) => {
      throw new Error(`the pre-built web UI is incomplete (${e.message}); reinstall the package or run npm run build`);
    });
    assets.set(name, { contentType: CONTENT_TYPES[extname(name)] ?? 'application/octet-stream', body });
  }
  return assets;
}

function load(): Promise<Map<string, WebAsset>> {
  // Sources win when present (a clone, where the UI may have changed since the last build).
  if (existsSync(`${CLIENT_DIR}main.ts`)) return bundleWebUi(CLIENT_DIR);
  return readPrebuilt();
}

export function webAssets(): Promise<Map<string, WebAsset>> {
  if (process.env.IMAGEBIND_WEB_DEV === '1') return load();
  // A failed build is not cached, so a fixed environment recovers without a restart.
  cached ??= load().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}
