import type { Command } from 'commander';
import { ImageBindError, MediaError } from '../../core/errors.ts';
import { writeNpy } from '../../core/npy.ts';
import { type Float32Tensor, stack } from '../../core/tensor.ts';
import { loadTokenizer } from '../../embed/tokenizer.ts';
import { readManifest } from '../../model/manifest-file.ts';
import { itemShapeOf } from '../../core/modalities.ts';
import { FILE_KINDS, type FileKind, loadFile } from '../../preprocess/loaders.ts';
import { parseModality } from '../options.ts';
import { Progress } from '../progress.ts';

interface Flags {
  modality: string;
  output: string;
  vocab?: string;
  model?: string;
  skipErrors?: boolean;
  exif?: boolean;
}

const KINDS = ['text', ...FILE_KINDS] as const;

export function register(program: Command): void {
  program
    .command('preprocess')
    .description(
      'run the official input pipeline on files (or, for text, strings) and write the stacked model-input tensor as .npy',
    )
    .argument('<inputs...>', 'files (strings for --modality text)')
    .requiredOption('--modality <m>', `${KINDS.join(' | ')} (image = vision)`)
    .requiredOption('--output <file.npy>', 'where to write the stacked tensor')
    .option('--vocab <file>', 'BPE merges for text (bpe_simple_vocab_16e6.txt.gz)')
    .option('--model <dir>', 'take the text tokenizer from this model directory')
    .option('--skip-errors', 'write the files that worked (and list those that did not) instead of failing')
    .option('--exif', 'vision: apply EXIF orientation (the official pipeline ignores it)')
    .addHelpText(
      'after',
      `
Output shapes (N inputs): text N×77 int64 · vision N×3×224×224 · audio N×3×1×128×204 ·
video N×15×3×2×224×224 · depth N×1×224×224 · thermal N×1×224×224 · imu N×6×2000 (float32).

Examples:
  imagebind preprocess --modality text --vocab bpe_simple_vocab_16e6.txt.gz "A dog." "A car" --output ids.npy
  imagebind preprocess --modality audio dog.wav bird.mp3 --output audio.npy`,
    )
    .action(async (inputs: string[], flags: Flags) => {
      const kind = parseModality(flags.modality, KINDS);
      if (kind === 'text') {
        const manifest = flags.model ? await readManifest(flags.model) : undefined;
        const tokenizer = await loadTokenizer({ vocab: flags.vocab, modelDir: flags.model, manifest });
        const ids = tokenizer.tokenize(inputs);
        await writeNpy(flags.output, ids);
        process.stderr.write(`${flags.output}: int64 [${ids.shape.join(', ')}]\n`);
        return;
      }
      const fileKind: FileKind = kind;
      const bar = new Progress(`preprocess ${fileKind}`, inputs.length, 'files');
      const ok: Float32Tensor[] = [];
      const failed: { path: string; error: ImageBindError }[] = [];
      for (const [i, path] of inputs.entries()) {
        try {
          ok.push(
            await loadFile(fileKind, path, {
              vision: { respectExifOrientation: Boolean(flags.exif) },
              onWarning: (p, w) => process.stderr.write(`warning: ${p}: ${w}\n`),
            }),
          );
        } catch (e) {
          if (!(e instanceof ImageBindError)) throw e;
          failed.push({ path, error: e });
        }
        bar.update(i + 1);
      }
      bar.done();
      for (const f of failed) process.stderr.write(`failed: ${f.error.message}\n`);
      if (failed.length > 0 && (!flags.skipErrors || ok.length === 0)) {
        throw new MediaError(
          'PREPROCESS_FAILED',
          `${failed.length} of ${inputs.length} inputs could not be preprocessed (listed above); nothing written. Fix them or pass --skip-errors.`,
        );
      }
      const out = stack(ok);
      await writeNpy(flags.output, out);
      process.stderr.write(
        `${flags.output}: float32 [${out.shape.join(', ')}] (per item ${itemShapeOf(fileKind).join('×')})${failed.length ? `, ${failed.length} skipped` : ''}\n`,
      );
    });
}
