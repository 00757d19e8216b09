/**
 * The CLIP BPE tokenizer exactly as ImageBind's `SimpleTokenizer`
 * (imagebind/models/multimodal_preprocessors.py @ 53680b0), used by
 * `imagebind.data.load_and_transform_text`.
 */
import { tensor, type Int64Tensor } from '../../core/tensor.ts';
import {
  BYTE_TO_UNICODE,
  EOT_TOKEN,
  END_OF_WORD,
  SOT_TOKEN,
  UNICODE_TO_BYTE,
  buildVocab,
  decodeMerges,
  pairKey,
  type BpeVocab,
  type Merge,
  type MergesOptions,
} from './bpe-vocab.ts';
import { cleanText, preTokenize } from './clean.ts';

export const DEFAULT_CONTEXT_LENGTH = 77;
/** Words cached per tokenizer; the official cache is unbounded, which a server cannot afford. */
const CACHE_LIMIT = 200_000;
const UTF8_ENCODER = new TextEncoder();

export interface TokenizerOptions extends Omit<MergesOptions, 'source'> {
  contextLength?: number;
}

export class ClipTokenizer {
  readonly vocab: BpeVocab;
  readonly contextLength: number;
  private readonly cache = new Map<string, readonly string[]>();

  constructor(vocab: BpeVocab, options: { contextLength?: number } = {}) {
    this.vocab = vocab;
    this.contextLength = checkContextLength(options.contextLength ?? DEFAULT_CONTEXT_LENGTH);
  }

  static fromBuffer(bytes: Uint8Array, options: TokenizerOptions & { source?: string } = {}): ClipTokenizer {
    return new ClipTokenizer(buildVocab(decodeMerges(bytes, options)), options);
  }

  static fromMerges(merges: readonly Merge[], options: { contextLength?: number } = {}): ClipTokenizer {
    return new ClipTokenizer(buildVocab(merges), options);
  }

  get sotId(): number {
    return this.vocab.sotId;
  }

  get eotId(): number {
    return this.vocab.eotId;
  }

  get vocabSize(): number {
    return this.vocab.tokens.length;
  }

  /** `SimpleTokenizer.bpe` for one pre-token already mapped to byte symbols. */
  bpe(word: string): readonly string[] {
    const hit = this.cache.get(word);
    if (hit) return hit;
    const result = this.mergeWord(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, result);
    return result;
  }

  private mergeWord(word: string): readonly string[] {
    if (word === SOT_TOKEN || word === EOT_TOKEN) return [word];
    let symbols = Array.from(word);
    symbols[symbols.length - 1] += END_OF_WORD;
    const { ranks } = this.vocab;
    while (symbols.length > 1) {
      let best = -1;
      let bestRank = Infinity;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = ranks.get(pairKey(symbols[i], symbols[i + 1]));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          best = i;
        }
      }
      if (best < 0) break;
      const first = symbols[best];
      const second = symbols[best + 1];
      // Every occurrence of the pair, left to right, as the official loop does.
      const merged: string[] = symbols.slice(0, best);
      for (let i = best; i < symbols.length;) {
        if (symbols[i] === first && i + 1 < symbols.length && symbols[i + 1] === second) {
          merged.push(first + second);
          i += 2;
        } else {
          merged.push(symbols[i]);
          i += 1;
        }
      }
      symbols = merged;
    }
    return symbols;
  }

  /** The BPE tokens of `text` as vocabulary strings (`bpe_token_strings` in the fixtures). */
  tokenStrings(text: string): string[] {
    const out: string[] = [];
    for (const piece of preTokenize(cleanText(text))) {
      let symbols = '';
      for (const b of UTF8_ENCODER.encode(piece)) symbols += BYTE_TO_UNICODE[b];
      for (const t of this.bpe(symbols)) out.push(t);
    }
    return out;
  }

  /** `SimpleTokenizer.encode`: BPE ids without SOT/EOT and without truncation. */
  encode(text: string): number[] {
    const { encoder } = this.vocab;
    return this.tokenStrings(text).map((t) => {
      const id = encoder.get(t);
      if (id === undefined) throw new RangeError(`BPE produced ${JSON.stringify(t)}, which is not in the vocabulary`);
      return id;
    });
  }

  /**
   * `SimpleTokenizer.__call__` for a batch: N × contextLength int64, each row
   * `[SOT, ids…, EOT, 0…]`. Long rows keep the first contextLength-1 tokens and end in EOT.
   */
  tokenize(texts: readonly string[], contextLength: number = this.contextLength): Int64Tensor {
    const L = checkContextLength(contextLength);
    const data = new BigInt64Array(texts.length * L);
    texts.forEach((text, row) => {
      const ids = [this.sotId, ...this.encode(text)].slice(0, L - 1);
      ids.push(this.eotId);
      ids.forEach((id, j) => {
        data[row * L + j] = BigInt(id);
      });
    });
    return tensor('int64', [texts.length, L], data);
  }

  /** `SimpleTokenizer.decode`: bytes decoded leniently, `</w>` shown as a space. */
  decode(ids: Iterable<number | bigint>): string {
    const bytes: number[] = [];
    for (const raw of ids) {
      const token = this.vocab.tokens[Number(raw)];
      if (token === undefined)
        throw new RangeError(`token id ${raw} is outside the vocabulary (size ${this.vocabSize})`);
      for (const ch of token) {
        const b = UNICODE_TO_BYTE.get(ch);
        if (b === undefined)
          throw new RangeError(`token ${JSON.stringify(token)} has no byte mapping for ${JSON.stringify(ch)}`);
        bytes.push(b);
      }
    }
    return new TextDecoder('utf-8', { ignoreBOM: true }).decode(Uint8Array.from(bytes)).replaceAll(END_OF_WORD, ' ');
  }
}

function checkContextLength(n: number): number {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`context length must be a positive integer, got ${n}`);
  return n;
}
