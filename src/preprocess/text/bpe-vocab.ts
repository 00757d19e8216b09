/**
 * CLIP's byte-level BPE vocabulary, built the way ImageBind's `SimpleTokenizer.__init__` builds it
 * (imagebind/models/multimodal_preprocessors.py @ 53680b0): 256 byte symbols, the same symbols with
 * the end-of-word marker `</w>`, one token per merge (in merge order), then `<|startoftext|>` and
 * `<|endoftext|>`. Any merges list works, so a project-trained merges file (same text format, fewer
 * merges) yields a smaller vocabulary with the special tokens at its end.
 */
import { gunzipSync } from 'fflate';
import { ConfigError } from '../../core/errors.ts';

export type Merge = readonly [string, string];

/** The official tokenizer keeps lines [1 : 49152-256-2+1] of the file: 48894 merges. */
export const OFFICIAL_MAX_MERGES = 49152 - 256 - 2;
export const SOT_TOKEN = '<|startoftext|>';
export const EOT_TOKEN = '<|endoftext|>';
export const END_OF_WORD = '</w>';
export const MERGES_HEADER = '#version: 0.2';

export const WHERE_TO_GET =
  'Use bpe_simple_vocab_16e6.txt.gz from the official ImageBind repository (imagebind/bpe/), ' +
  'or the tokenizer/ folder of a model directory, and pass it with --vocab.';

/**
 * Bytes in vocabulary order. Printable Latin-1 bytes stand for themselves; the rest (controls,
 * space, NBSP, soft hyphen) are moved to U+0100 onwards so no token contains whitespace.
 */
const BYTE_ORDER: readonly number[] = (() => {
  const printable = (b: number) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
  const order: number[] = [];
  for (let b = 0; b < 256; b++) if (printable(b)) order.push(b);
  for (let b = 0; b < 256; b++) if (!printable(b)) order.push(b);
  return order;
})();

/** `bytes_to_unicode()`: index = byte value, entry = the one-character symbol for it. */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const table = new Array<string>(256);
  let shifted = 0;
  BYTE_ORDER.forEach((b, i) => {
    table[b] = String.fromCharCode(i < 188 ? b : 256 + shifted++);
  });
  return table;
})();

export const UNICODE_TO_BYTE: ReadonlyMap<string, number> = new Map(BYTE_TO_UNICODE.map((c, b) => [c, b]));

export interface BpeVocab {
  readonly merges: readonly Merge[];
  /** id → token string. */
  readonly tokens: readonly string[];
  /** token string → id (for duplicated strings, the last id, as with Python's dict()). */
  readonly encoder: ReadonlyMap<string, number>;
  /** `${first} ${second}` → merge rank (lower merges first). */
  readonly ranks: ReadonlyMap<string, number>;
  readonly sotId: number;
  readonly eotId: number;
}

export function pairKey(first: string, second: string): string {
  return `${first} ${second}`;
}

export function buildVocab(merges: readonly Merge[]): BpeVocab {
  const tokens: string[] = BYTE_ORDER.map((b) => BYTE_TO_UNICODE[b]);
  for (let i = 0; i < 256; i++) tokens.push(tokens[i] + END_OF_WORD);
  for (const [a, b] of merges) tokens.push(a + b);
  tokens.push(SOT_TOKEN, EOT_TOKEN);
  const encoder = new Map<string, number>();
  tokens.forEach((t, i) => encoder.set(t, i));
  const ranks = new Map<string, number>();
  merges.forEach(([a, b], i) => ranks.set(pairKey(a, b), i));
  return { merges, tokens, encoder, ranks, sotId: encoder.get(SOT_TOKEN)!, eotId: encoder.get(EOT_TOKEN)! };
}

export interface MergesOptions {
  /** At most this many merges are used (default: the official 48894); shorter files use all. */
  maxMerges?: number;
  /** Names the file in error messages. */
  source?: string;
}

/** Parses the merges text format: one header line, then one `first second` pair per line. */
export function parseMerges(text: string, options: MergesOptions = {}): Merge[] {
  const max = options.maxMerges ?? OFFICIAL_MAX_MERGES;
  const source = options.source ?? 'merges';
  if (!Number.isInteger(max) || max < 0) {
    throw new ConfigError('VOCAB_INVALID', `${source}: maxMerges must be a non-negative integer, got ${max}.`);
  }
  const lines = text.split('\n').slice(1, 1 + max);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines.map((line, i) => {
    const parts = line.split(/[\s\x1c-\x1f\x85]+/).filter((p) => p !== '');
    if (parts.length !== 2) {
      throw new ConfigError(
        'VOCAB_INVALID',
        `${source}: line ${i + 2} is not a BPE merge ("first second"): ${JSON.stringify(line.slice(0, 80))}. ${WHERE_TO_GET}`,
      );
    }
    return [parts[0], parts[1]] as const;
  });
}

/** The inverse of `parseMerges`: header line, one merge per line, trailing newline. */
export function serializeMerges(merges: readonly Merge[], header: string = MERGES_HEADER): string {
  if (header.includes('\n')) throw new RangeError('merges header must be a single line');
  const out = [header];
  for (const [a, b] of merges) {
    if (/[\s\x1c-\x1f\x85]/.test(a + b) || a === '' || b === '') {
      throw new RangeError(`merge ${JSON.stringify([a, b])} has an empty or whitespace-containing symbol`);
    }
    out.push(pairKey(a, b));
  }
  return out.join('\n') + '\n';
}

/** Merges from file bytes: gzip (detected by its magic number) or plain UTF-8 text. */
export function decodeMerges(bytes: Uint8Array, options: MergesOptions = {}): Merge[] {
  const source = options.source ?? 'merges';
  let raw: Uint8Array = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new ConfigError(
        'VOCAB_INVALID',
        `${source}: corrupt gzip data (${(e as Error).message}). ${WHERE_TO_GET}`,
        { cause: e },
      );
    }
  } else if (source.endsWith('.gz')) {
    throw new ConfigError('VOCAB_INVALID', `${source}: not a gzip file. ${WHERE_TO_GET}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw);
  } catch (e) {
    throw new ConfigError('VOCAB_INVALID', `${source}: not UTF-8 text. ${WHERE_TO_GET}`, { cause: e });
  }
  return parseMerges(text, { ...options, source });
}
