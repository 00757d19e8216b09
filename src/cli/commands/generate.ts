import type { Command } from 'commander';
import { writeImages } from '../../apps/generate/output.ts';
import { ConfigError } from '../../core/errors.ts';
import { MAX_COUNT } from '../../embed/generate.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { SAMPLERS, type SamplerKind } from '../../runtime/diffusion/samplers.ts';
import { resolveModelDir } from '../model-dir.ts';
import { Progress } from '../progress.ts';
import { QUERY_FLAGS, addQueryFlags, rewriteArgv } from '../query-flags.ts';

export { rewriteArgv };

interface Flags {
  model?: string;
  decoder?: string;
  weights?: string;
  seed?: string;
  steps?: string;
  guidance?: string;
  count?: string;
  sampler?: string;
  noiseLevel?: string;
  prompt?: string;
  out: string;
  json?: boolean;
}

/** A number flag as given: validation (and its typed error) happens in the library. */
const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

/** Any other --flag is a modality this command does not know (or a typo): say which ones exist. */
function refuseUnknown(args: readonly string[]): void {
  const at = args.findIndex((a) => a.startsWith('-'));
  if (at < 0) {
    if (args.length > 0)
      throw new ConfigError(
        'BAD_ARGUMENT',
        `unexpected argument "${args[0]}": every input needs its flag, e.g. --audio ${args[0]}.`,
      );
    return;
  }
  const flag = args[at] === '--minus' && args[at + 1] ? `${args[at + 1]} (after --minus)` : args[at];
  if (flag.startsWith('--'))
    throw new ConfigError(
      'UNKNOWN_MODALITY',
      `unknown input ${flag}: generate takes ${QUERY_FLAGS.map(([f]) => `--${f}`).join(', ')} (and --minus --<kind> x).`,
    );
  throw new ConfigError('BAD_ARGUMENT', `unknown option ${flag} (see imagebind generate --help).`);
}

export function register(program: Command): void {
  const cmd = program
    .command('generate')
    .description(
      'make images from any inputs (sound, text, depth, thermal, IMU, images) through the shared embedding space',
    )
    .option('--model <dir>', 'model directory (default: $IMAGEBIND_MODEL, else the embedded mini model)')
    .option('--decoder <dir>', 'image decoder directory (default: <model>/decoder)')
    .option('--weights <list>', 'weights for the positive inputs, in command-line order, e.g. 1,0.5')
    .option('--seed <n>', 'random seed of the first image; image k uses seed + k (default 0)')
    .option('--steps <n>', "sampling steps (default: the decoder's, 20 for the mini decoder)")
    .option('--guidance <g>', "classifier-free guidance scale; 1 = none (default: the decoder's)")
    .option('--count <n>', `images to make, 1 to ${MAX_COUNT} (default 1)`)
    .option('--sampler <name>', `${SAMPLERS.join(' | ')} (default: the decoder's)`)
    .option('--noise-level <n>', "unCLIP noise augmentation of the condition (default: the decoder's)")
    .option('--prompt <text>', 'Stable unCLIP only: a text prompt next to the embedding (default empty)')
    .requiredOption('--out <file.png|dir>', 'a .png file (one image) or a folder (image-<seed>.png per image)')
    .option('--json', 'print {"files": [...], "seed", "count"} on stdout')
    .allowUnknownOption(true)
    .allowExcessArguments(true);
  const queryParts = addQueryFlags(cmd);
  cmd.addHelpText(
    'after',
    `
The inputs are embedded, normalised, weighted and summed exactly as in \`imagebind search\`; the
normalised sum conditions the decoder. The mini decoder only ever trained on image embeddings:
sound, text, depth, thermal and IMU work because ImageBind put them in the image space.
The same --seed gives byte-identical PNGs; different seeds give different images.

Examples:
  imagebind generate --audio bark.wav --out dog.png
  imagebind generate --text "a red ball" --count 4 --seed 7 --out balls/
  imagebind generate --image beach.png --audio rain.wav --weights 1,0.5 --out rainy-beach.png
  imagebind generate --image dog.png --minus --text "a dog" --text "a cat" --out cat.png`,
  );
  cmd.action(async (flags: Flags) => {
    refuseUnknown(cmd.args);
    const query = queryParts(flags.weights);
    if (query.length === 0)
      throw new ConfigError(
        'QUERY_EMPTY',
        'no inputs: give at least one of --audio, --text, --image, --video, --depth, --thermal, --imu.',
      );
    const model = await ImageBind.load(await resolveModelDir(flags.model), { decoder: flags.decoder });
    try {
      const seed = num(flags.seed) ?? 0;
      let progress: Progress | null = null;
      const images = await model.generate(query, {
        seed,
        count: num(flags.count),
        steps: num(flags.steps),
        guidance: num(flags.guidance),
        sampler: flags.sampler as SamplerKind | undefined,
        noiseLevel: num(flags.noiseLevel),
        prompt: flags.prompt,
        onStep: (done, total) => {
          progress ??= new Progress('generating', total, 'steps');
          progress.update(done);
        },
      });
      (progress as Progress | null)?.done();
      const files = await writeImages(images, flags.out, seed);
      if (flags.json) process.stdout.write(`${JSON.stringify({ files, seed, count: images.length })}\n`);
      else for (const f of files) process.stdout.write(`${f}\n`);
    } finally {
      await model.close();
    }
  });
}
