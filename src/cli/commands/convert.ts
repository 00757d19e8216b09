import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openCheckpoint } from '../../checkpoint/open.ts';
import type { CheckpointReader } from '../../checkpoint/types.ts';
import { ConfigError } from '../../core/errors.ts';
import { MODALITIES, type ImageBindConfig, presetConfig } from '../../model/config.ts';
import { loadConfigFile } from '../../model/config-file.ts';
import { convertCheckpoint } from '../../model/convert.ts';
import { randomCheckpoint } from '../../model/random-init.ts';
import { PRECISIONS, type Precision } from '../../model/graph.ts';
import { parseModalityList, parsePositiveInt } from '../options.ts';
import { Progress } from '../progress.ts';

interface ConvertFlags {
  out: string;
  config?: string;
  preset?: string;
  modalities?: string;
  vocab?: string;
  randomInit?: boolean;
  seed: number;
  debugStages?: boolean;
  force?: boolean;
  precision: string;
}

export function register(program: Command): void {
  program
    .command('convert')
    .argument('[checkpoint]', 'official checkpoint (.pth, e.g. imagebind_huge.pth) or .safetensors')
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--config <file>', 'ImageBindModel kwargs as JSON ({"kwargs": {...}} or bare); omitted = --preset huge')
    .option('--preset <name>', 'built-in config: huge (the official imagebind_huge)')
    .option('--modalities <list>', `comma-separated subset of ${MODALITIES.join(',')}`, MODALITIES.join(','))
    .option(
      '--vocab <file>',
      "CLIP BPE merges (bpe_simple_vocab_16e6.txt.gz from the official repo's imagebind/bpe/) to ship with the text encoder",
    )
    .option('--random-init', "no checkpoint: random weights of the config's shapes (for benchmarks)")
    .option('--seed <n>', 'seed for --random-init', parsePositiveInt('--seed'), 1)
    .option(
      '--debug-stages',
      'also output intermediate stages (preproc_tokens, block0_out, trunk_out, head_out) for parity checks',
    )
    .option(
      '--precision <p>',
      'fp32 (exact parity) | fp16 (half the size, computed in fp32) | int8 (int8 Linear layers, dynamic activation quantization) | fp16-compute (fp16 weights and activations, for GPUs)',
      'fp32',
    )
    .option('--force', 'overwrite an existing model directory')
    .description('convert an ImageBind checkpoint into a model directory (manifest + one ONNX graph per modality)')
    .addHelpText(
      'after',
      `
Examples:
  imagebind convert imagebind_huge.pth --out models/huge --vocab bpe_simple_vocab_16e6.txt.gz
  imagebind convert tiny.pth --config tiny-config.json --out models/tiny --modalities vision,text
  imagebind convert --random-init --preset huge --out /tmp/huge-random

Tensors stream from the checkpoint one at a time; peak memory stays near the largest tensor.`,
    )
    .action(async (checkpoint: string | undefined, flags: ConvertFlags) => {
      if (flags.config && flags.preset)
        throw new ConfigError('BAD_ARGUMENT', 'give either --config or --preset, not both.');
      if (!checkpoint && !flags.randomInit)
        throw new ConfigError('BAD_ARGUMENT', 'missing <checkpoint> (or pass --random-init for random weights).');
      if (checkpoint && flags.randomInit)
        throw new ConfigError('BAD_ARGUMENT', 'give either a <checkpoint> or --random-init, not both.');
      if (existsSync(join(flags.out, 'manifest.json')) && !flags.force) {
        throw new ConfigError(
          'OUTPUT_EXISTS',
          `${flags.out} already holds a model directory; pass --force to overwrite it.`,
        );
      }
      if (flags.vocab && !existsSync(flags.vocab))
        throw new ConfigError('BAD_ARGUMENT', `--vocab ${flags.vocab}: file not found.`);
      if (!(PRECISIONS as readonly string[]).includes(flags.precision))
        throw new ConfigError(
          'BAD_ARGUMENT',
          `--precision must be one of ${PRECISIONS.join(', ')}, got "${flags.precision}".`,
        );
      const config: ImageBindConfig = flags.config
        ? await loadConfigFile(flags.config)
        : presetConfig(flags.preset ?? 'huge');
      const modalities = parseModalityList(flags.modalities ?? MODALITIES.join(','));
      const reader: CheckpointReader = checkpoint
        ? await openCheckpoint(checkpoint)
        : randomCheckpoint(config, flags.seed, modalities);
      const bars = new Map<string, Progress>();
      try {
        const manifest = await convertCheckpoint(reader, {
          config,
          modalities,
          outDir: flags.out,
          vocabPath: flags.vocab,
          debug: flags.debugStages,
          precision: flags.precision as Precision,
          onProgress: ({ modality, done, total }) => {
            let bar = bars.get(modality);
            if (!bar) {
              bar = new Progress(`convert ${modality.padEnd(7)}`, total, 'tensors');
              bars.set(modality, bar);
            }
            bar.update(done);
            if (done === total) bar.done();
          },
        });
        const mb = Object.values(manifest.modalities).reduce((a, e) => a + e.weightBytes, 0) / 2 ** 20;
        process.stdout.write(
          `wrote ${flags.out}: ${Object.keys(manifest.modalities).join(', ')} (${mb.toFixed(1)} MiB of weights)${manifest.tokenizer ? ', tokenizer' : ''}\n`,
        );
        if (modalities.includes('text') && !manifest.tokenizer) {
          process.stderr.write(
            'note: no --vocab given; text inputs will need --vocab bpe_simple_vocab_16e6.txt.gz at embed time.\n',
          );
        }
      } finally {
        await reader.close();
      }
    });
}
