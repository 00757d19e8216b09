import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { OFFICIAL_CHECKPOINT_URL, fetchModel } from '../../apps/fetch-model.ts';
import { ConfigError } from '../../core/errors.ts';
import { MODALITIES, type ImageBindConfig, presetConfig } from '../../model/config.ts';
import { loadConfigFile } from '../../model/config-file.ts';
import { PRECISIONS, type Precision } from '../../model/graph.ts';
import { parseModalityList } from '../options.ts';
import { Progress } from '../progress.ts';

interface FetchFlags {
  out: string;
  url?: string;
  vocabUrl?: string;
  sha256?: string;
  keep?: boolean;
  downloadDir?: string;
  config?: string;
  modalities: string;
  precision: string;
  force?: boolean;
  maxSize: number;
  timeout: number;
  skipSpaceCheck?: boolean;
}

function positiveNumber(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n <= 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a positive number, got "${s}".`);
    return n;
  };
}

export function register(program: Command): void {
  program
    .command('fetch')
    .description(
      'download the official imagebind_huge checkpoint and BPE vocabulary, and convert them into a model directory',
    )
    .argument('[model]', 'which official model: huge (the only one released)', 'huge')
    .requiredOption('--out <dir>', 'model directory to write, e.g. models/huge')
    .option('--url <url>', `checkpoint URL (default: the official ${OFFICIAL_CHECKPOINT_URL})`)
    .option(
      '--vocab-url <url>',
      'BPE vocabulary URL (default: bpe_simple_vocab_16e6.txt.gz in the official repository)',
    )
    .option('--sha256 <hex>', "the checkpoint's expected sha256 (the official repository publishes none)")
    .option('--keep', 'keep the downloaded .pth and vocabulary (in the download folder) after converting')
    .option('--download-dir <dir>', 'where downloads go and resume from (default: <out>.download)')
    .option('--config <file>', 'ImageBindModel kwargs of a checkpoint that is not imagebind_huge (JSON)')
    .option('--modalities <list>', `comma-separated subset of ${MODALITIES.join(',')}`, MODALITIES.join(','))
    .option('--precision <p>', 'fp32 | fp16 | int8 | fp16-compute, as for convert', 'fp32')
    .option('--force', 'overwrite an existing model directory')
    .option('--max-size <GiB>', 'refuse downloads larger than this', positiveNumber('--max-size'), 8)
    .option('--timeout <s>', 'give up when no data arrives for this long', positiveNumber('--timeout'), 60)
    .option('--skip-space-check', 'do not check free disk space first (for file systems that misreport it)')
    .addHelpText(
      'after',
      `
The checkpoint (4.5 GB) comes from where the official code downloads it (imagebind_model.py), the
vocabulary from the official repository at commit 53680b0 (its size and sha256 are checked). The disk
space needed (download + converted model) is printed and checked before anything is downloaded.
An interrupted download resumes where it stopped when the command is run again (HTTP Range).
The weights are CC-BY-NC 4.0 (the official repository's licence), not this project's MIT.

Examples:
  imagebind fetch huge --out models/huge
  imagebind fetch huge --out models/huge-int8 --precision int8 --keep`,
    )
    .action(async (model: string, flags: FetchFlags) => {
      if (model !== 'huge' && !flags.url)
        throw new ConfigError(
          'BAD_ARGUMENT',
          `unknown model "${model}": the official release has only "huge" (or pass --url and --config).`,
        );
      if (!(PRECISIONS as readonly string[]).includes(flags.precision))
        throw new ConfigError(
          'BAD_ARGUMENT',
          `--precision must be one of ${PRECISIONS.join(', ')}, got "${flags.precision}".`,
        );
      if (flags.sha256 && !/^[0-9a-f]{64}$/i.test(flags.sha256))
        throw new ConfigError('BAD_ARGUMENT', `--sha256 must be 64 hex digits, got "${flags.sha256}".`);
      if (existsSync(join(flags.out, 'manifest.json')) && !flags.force)
        throw new ConfigError(
          'OUTPUT_EXISTS',
          `${flags.out} already holds a model directory; pass --force to overwrite it.`,
        );
      const config: ImageBindConfig = flags.config ? await loadConfigFile(flags.config) : presetConfig('huge');
      let bar: { file: string; progress: Progress } | null = null;
      const convertBars = new Map<string, Progress>();
      const report = await fetchModel({
        outDir: flags.out,
        config,
        modalities: parseModalityList(flags.modalities),
        precision: flags.precision as Precision,
        url: flags.url,
        vocabUrl: flags.vocabUrl,
        sha256: flags.sha256?.toLowerCase(),
        keep: flags.keep,
        downloadDir: flags.downloadDir,
        maxBytes: Math.floor(flags.maxSize * 2 ** 30),
        maxBytesHint: '--max-size <GiB>',
        idleTimeoutMs: flags.timeout * 1000,
        skipSpaceCheck: flags.skipSpaceCheck,
        onStatus: (m) => process.stderr.write(`${m}\n`),
        onDownload: (file, done, total) => {
          if (total === null) return;
          if (bar?.file !== file)
            bar = { file, progress: new Progress(`download ${file}`, Math.ceil(total / 2 ** 20), 'MiB') };
          bar.progress.update(Math.floor(done / 2 ** 20));
          if (done === total) bar.progress.done();
        },
        onConvert: ({ modality, done, total }) => {
          let b = convertBars.get(modality);
          if (!b) convertBars.set(modality, (b = new Progress(`convert ${modality.padEnd(7)}`, total, 'tensors')));
          b.update(done);
          if (done === total) b.done();
        },
      });
      const mib = Object.values(report.manifest.modalities).reduce((a, e) => a + e.weightBytes, 0) / 2 ** 20;
      process.stdout.write(
        `wrote ${flags.out}: ${Object.keys(report.manifest.modalities).join(', ')} (${mib.toFixed(1)} MiB of weights), tokenizer\n` +
          `checkpoint sha256 ${report.checkpoint.sha256}${report.checkpoint.kept ? `, kept at ${report.checkpoint.kept}` : ' (deleted after converting; --keep keeps it)'}\n`,
      );
    });
}
