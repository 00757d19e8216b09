export { ClipTokenizer, DEFAULT_CONTEXT_LENGTH, type TokenizerOptions } from './tokenizer.ts';
export {
  BYTE_TO_UNICODE,
  EOT_TOKEN,
  OFFICIAL_MAX_MERGES,
  SOT_TOKEN,
  buildVocab,
  decodeMerges,
  parseMerges,
  serializeMerges,
  type BpeVocab,
  type Merge,
  type MergesOptions,
} from './bpe-vocab.ts';
export { basicClean, cleanText, preTokenize, whitespaceClean } from './clean.ts';
export { fixText } from './ftfy.ts';
export { htmlUnescape } from './html-unescape.ts';
export { loadTokenizerFile, readMergesFile } from './bpe-file.ts';
