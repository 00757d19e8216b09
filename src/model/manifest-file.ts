/**
 * Writing a model directory's manifest.json on disk (Node): every writer (convert, bind, training's
 * saves through convert) goes through here, so a manifest is never half-written. Reading goes
 * through runtime/model-dir.ts, for Node and browsers alike; the format itself is manifest.ts.
 */
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { MANIFEST_FILE, type Manifest, manifestFromBytes, serializeManifest } from './manifest.ts';

/** What a folder without a manifest is told. */
export function notAModelDirectory(dir: string): ConfigError {
  return new ConfigError(
    'MODEL_DIR_INVALID',
    `${dir}: not a model directory (no manifest.json). Create one with \`imagebind convert <checkpoint.pth> --out ${dir}\`.`,
  );
}

/** Reads and validates `dir/manifest.json` (the CLI's `preprocess --model` reads only this). */
export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch {
    throw notAModelDirectory(dir);
  }
  return manifestFromBytes(bytes, path);
}

/**
 * Removes the manifest before a directory's files are rewritten: until the new one is in place the
 * folder is not a model directory, rather than one whose manifest names files being replaced.
 */
export async function removeManifest(dir: string): Promise<void> {
  await rm(join(dir, MANIFEST_FILE), { force: true });
}

/** Writes the manifest to a temp file and renames it into place. */
export async function writeManifest(dir: string, manifest: Manifest): Promise<void> {
  const tmp = join(dir, `${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, serializeManifest(manifest));
  await rename(tmp, join(dir, MANIFEST_FILE));
}
