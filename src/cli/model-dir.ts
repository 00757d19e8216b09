import { ConfigError } from '../core/errors.ts';

/**
 * The model directory a command uses: the --model flag, else $IMAGEBIND_MODEL. The embedded mini
 * model becomes the default once it ships.
 */
export async function resolveModelDir(flag: string | undefined): Promise<string> {
  const dir = flag ?? process.env.IMAGEBIND_MODEL;
  if (dir) return dir;
  throw new ConfigError('MODEL_REQUIRED', 'no model directory: pass --model <dir> (create one with `imagebind convert`) or set IMAGEBIND_MODEL.');
}
