/** Reads a model directory's manifest.json from disk (Node); the format itself is manifest.ts. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import { type Manifest, parseManifest } from './manifest.ts';

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new ConfigError(
      'MODEL_DIR_INVALID',
      `${dir}: not a model directory (no manifest.json). Create one with \`imagebind convert <checkpoint.pth> --out ${dir}\`.`,
    );
  }
  return parseManifest(text, path);
}
