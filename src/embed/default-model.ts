import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/errors.ts';

/** The embedded mini model shipped in the package (`models/mini`), trained by the project itself. */
export function defaultModelDir(): string {
  const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../models/mini');
  if (!existsSync(join(dir, 'manifest.json'))) {
    throw new ConfigError(
      'DEFAULT_MODEL_MISSING',
      `the embedded mini model is missing (${dir}); pass a model directory (--model) made with \`imagebind convert\`.`,
    );
  }
  return dir;
}
