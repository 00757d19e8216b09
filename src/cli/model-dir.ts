import { defaultModelDir } from '../embed/default-model.ts';

/** The model directory a command uses: --model, else $IMAGEBIND_MODEL, else the embedded mini model. */
export async function resolveModelDir(flag: string | undefined): Promise<string> {
  return flag ?? process.env.IMAGEBIND_MODEL ?? defaultModelDir();
}
