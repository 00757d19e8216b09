/** Every encoder of a model directory on the same seeded random batch, for comparing load options. */
import { ImageBind, type LoadOptions } from '../../src/embed/imagebind.ts';
import { randomInput } from '../../src/runtime/benchmark.ts';

export async function embedEveryEncoder(
  dir: string,
  opts: LoadOptions = {},
  batch = 2,
  seed = 7,
): Promise<Map<string, Float32Array>> {
  const model = await ImageBind.load(dir, { threads: 1, ...opts });
  const out = new Map<string, Float32Array>();
  try {
    for (const m of model.modalities) {
      const input = randomInput(m, model.manifest.modalities[m]!, batch, seed, model.manifest.config.text_vocab_size);
      out.set(m, (await model.embedTensor(m, input)).data);
    }
  } finally {
    await model.close();
  }
  return out;
}
