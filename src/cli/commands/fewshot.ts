import { type Command, Option } from 'commander';
import { type FewShotExample, fewShot } from '../../apps/fewshot/app.ts';
import { parseFewShotMethod, probsByLabel } from '../../apps/fewshot/classifier.ts';
import { readManifestFile } from '../../apps/fewshot/manifest.ts';
import { ConfigError, MediaError } from '../../core/errors.ts';
import { ImageBind } from '../../embed/imagebind.ts';
import { resolveModelDir } from '../model-dir.ts';
import { parsePositiveInt } from '../options.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import type { Device } from '../../runtime/device.ts';

interface Flags {
  train: string;
  method: string;
  k?: number;
  temperature?: number;
  l2?: number;
  epochs?: number;
  standardize?: boolean;
  model?: string;
  device?: Device;
  json?: boolean;
}

function positiveNumber(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a non-negative number, got "${s}".`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('fewshot')
    .description(
      'few-shot classification: learn classes from a few labelled files (any modality), then label new files',
    )
    .argument('<files...>', 'files to classify (modality detected from the name, as in the manifest)')
    .requiredOption(
      '--train <manifest>',
      'labelled examples: CSV "path,label[,modality]" or JSONL {"path", "label", "modality"?}',
    )
    .option('--method <m>', 'prototype | knn | logreg', 'prototype')
    .option('-k <n>', 'knn: neighbours that vote', parsePositiveInt('-k'), 5)
    // Spelled --k before every command used -k; still accepted, not shown.
    .addOption(new Option('--k <n>').argParser(parsePositiveInt('--k')).hideHelp())
    .option('--temperature <t>', 'prototype: softmax temperature over cosines', positiveNumber('--temperature'), 0.05)
    .option('--l2 <x>', 'logreg: L2 penalty on the weights', positiveNumber('--l2'), 1e-3)
    .option('--epochs <n>', 'logreg: full-batch Adam steps', parsePositiveInt('--epochs'), 300)
    .option('--standardize', 'logreg: z-score features with the training statistics first')
    .option('--model <dir>', 'model directory (default: $IMAGEBIND_MODEL, else the embedded mini model)')
    .addOption(deviceOption())
    .option('--json', 'print [{"input", "label", "probs": {label: p}}]')
    .addHelpText(
      'after',
      `
Every example and query is embedded and L2-normalised by the same model, so classes learnt from
images can label audio or text too. Relative paths in the manifest resolve from its folder.
Modalities come from the names: .jpg/.png/... vision · .wav/.mp3/... audio · .mp4/... video ·
x.depth.png/.npy, .pfm depth · x.thermal.png thermal · x.imu.*, or .csv/.json with IMU columns.
A training file that fails is reported and skipped; a class left with no example is an error.
A query that fails is reported, the others are still printed, and the exit code is 2.

Methods:
  prototype  cosine to each class mean, softmax with --temperature
  knn        k nearest by cosine, votes weighted by 1/distance (exact duplicates win)
  logreg     softmax regression (L2-regularised, full-batch Adam, deterministic)

Examples:
  imagebind fewshot --train pets.csv cat_or_dog.jpg
  imagebind fewshot --train sounds.jsonl --method knn -k 3 --json a.wav b.wav`,
    )
    .action(async (files: string[], flags: Flags) => {
      const method = parseFewShotMethod(flags.method);
      const entries = await readManifestFile(flags.train);
      const train: FewShotExample[] = entries.map((e) => ({ input: e.input, label: e.label, kind: e.kind }));
      const model = await ImageBind.load(await resolveModelDir(flags.model), deviceLoadOptions(flags));
      try {
        const r = await fewShot(model, {
          train,
          method,
          queries: files.map((input) => ({ input })),
          options: {
            k: flags.k,
            temperature: flags.temperature,
            l2: flags.l2,
            epochs: flags.epochs,
            standardize: Boolean(flags.standardize),
          },
        });
        for (const e of r.errors.filter((x) => x.set === 'train')) {
          process.stderr.write(
            `warning: skipped training example (${flags.train}:${entries[e.index].line}): ${e.message}\n`,
          );
        }
        const failed = new Map(r.errors.filter((x) => x.set === 'query').map((e) => [e.index, e]));
        const rows = files.map((input, i) => {
          const p = r.predictions[i];
          if (!p)
            return {
              input,
              label: null,
              probs: null,
              error: { code: failed.get(i)?.code ?? 'UNKNOWN', message: failed.get(i)?.message ?? 'not embedded' },
            };
          return { input, label: p.label, probs: probsByLabel(r.classifier, p.probs) };
        });
        if (flags.json) process.stdout.write(`${JSON.stringify(rows)}\n`);
        else {
          for (const row of rows) {
            if (!row.probs) continue;
            const ranked = Object.entries(row.probs)
              .sort((a, b) => b[1] - a[1])
              .map(([l, p]) => `${l} ${(100 * p).toFixed(1)}%`);
            process.stdout.write(`${row.input}: ${row.label}  (${ranked.join(', ')})\n`);
          }
        }
        for (const e of failed.values()) process.stderr.write(`failed: ${e.message}\n`);
        if (failed.size > 0) {
          throw new MediaError(
            'FEWSHOT_QUERY_FAILED',
            `${failed.size} of ${files.length} files could not be classified (listed above); the others were printed.`,
          );
        }
      } finally {
        await model.close();
      }
    });
}
