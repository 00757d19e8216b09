/** Merges files and tokenizers from disk (Node); the format itself is bpe-vocab.ts. */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../core/errors.ts';
import { type Merge, type MergesOptions, WHERE_TO_GET, buildVocab, decodeMerges } from './bpe-vocab.ts';
import { ClipTokenizer, type TokenizerOptions } from './tokenizer.ts';

/** Reads a merges file (`bpe_simple_vocab_16e6.txt.gz`, or a plain/gzipped file in that format). */
export function readMergesFile(path: string, options: Omit<MergesOptions, 'source'> = {}): Merge[] {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const what =
      code === 'ENOENT'
        ? 'BPE vocabulary file not found'
        : `cannot read BPE vocabulary file (${code ?? (e as Error).message})`;
    throw new ConfigError(
      code === 'ENOENT' ? 'VOCAB_NOT_FOUND' : 'VOCAB_UNREADABLE',
      `${path}: ${what}. ${WHERE_TO_GET}`,
      { cause: e },
    );
  }
  return decodeMerges(bytes, { ...options, source: path });
}

/** A tokenizer from `bpe_simple_vocab_16e6.txt.gz` (or any merges file in that format, gzipped or not). */
export function loadTokenizerFile(path: string, options: TokenizerOptions = {}): ClipTokenizer {
  return new ClipTokenizer(buildVocab(readMergesFile(path, options)), options);
}
