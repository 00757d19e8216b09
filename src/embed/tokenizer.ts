/**
 * Where the text tokenizer's BPE merges come from: an explicit file, else the model directory's
 * `tokenizer/` (written by `convert --vocab` or by training).
 */
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';
import type { Manifest } from '../model/manifest.ts';
import { type ClipTokenizer, loadTokenizerFile } from '../preprocess/text/index.ts';

export async function loadTokenizer(opts: {
  vocab?: string;
  modelDir?: string;
  manifest?: Manifest;
}): Promise<ClipTokenizer> {
  if (opts.vocab) return loadTokenizerFile(opts.vocab);
  const t = opts.manifest?.tokenizer;
  if (opts.modelDir && t) return loadTokenizerFile(join(opts.modelDir, t.merges), { contextLength: t.contextLength });
  throw new ConfigError(
    'VOCAB_REQUIRED',
    `no BPE vocabulary for text${opts.modelDir ? ` (${opts.modelDir} has no tokenizer/)` : ''}: pass --vocab bpe_simple_vocab_16e6.txt.gz (from the official ImageBind repository, imagebind/bpe/), or convert the model with --vocab.`,
  );
}
