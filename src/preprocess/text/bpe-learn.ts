/**
 * Learning BPE merges from a corpus, with exactly the pre-tokenisation of the CLIP tokenizer
 * (`cleanText` + `preTokenize`, UTF-8 bytes mapped through `BYTE_TO_UNICODE`, `</w>` on the last
 * symbol), so the learned list drops into `ClipTokenizer.fromMerges` / `serializeMerges` and a model
 * trained on a small corpus gets a small vocabulary.
 *
 * Standard Sennrich-style training: count words, then repeatedly merge the most frequent adjacent
 * pair. Ties go to the lexicographically smallest pair (by code units of first, then second), so
 * the result does not depend on corpus order beyond the counts.
 */
import { BYTE_TO_UNICODE, END_OF_WORD, EOT_TOKEN, SOT_TOKEN, type Merge } from './bpe-vocab.ts';
import { cleanText, preTokenize } from './clean.ts';

export interface LearnOptions {
  /** Pairs seen fewer times than this are never merged (default 2). */
  minFrequency?: number;
}

/** Pre-token → frequency, each pre-token already spelled in byte symbols. */
export function countWords(corpus: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of corpus) {
    for (const piece of preTokenize(cleanText(text))) {
      if (piece === SOT_TOKEN || piece === EOT_TOKEN) continue;
      let symbols = '';
      for (const b of UTF8_ENCODER.encode(piece)) symbols += BYTE_TO_UNICODE[b];
      counts.set(symbols, (counts.get(symbols) ?? 0) + 1);
    }
  }
  return counts;
}

const SEP = '\u0000';
const UTF8_ENCODER = new TextEncoder();
const key = (a: string, b: string): string => a + SEP + b;

function better(k: string, c: number, bestKey: string | undefined, bestCount: number): boolean {
  if (c !== bestCount) return c > bestCount;
  if (bestKey === undefined) return true;
  return k < bestKey;
}

export function learnMerges(corpus: Iterable<string>, numMerges: number, opts: LearnOptions = {}): Merge[] {
  if (!Number.isInteger(numMerges) || numMerges < 0)
    throw new RangeError(`numMerges must be a non-negative integer, got ${numMerges}`);
  const minFreq = opts.minFrequency ?? 2;
  // Sorting the words makes pair-to-word bookkeeping independent of corpus order.
  const entries = [...countWords(corpus)].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const words: string[][] = entries.map(([w]) => {
    const s = Array.from(w);
    s[s.length - 1] += END_OF_WORD;
    return s;
  });
  const freq = entries.map(([, c]) => c);
  const pairCount = new Map<string, number>();
  const pairWords = new Map<string, Set<number>>();
  const addPairs = (wi: number, sign: 1 | -1): void => {
    const s = words[wi];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = key(s[i], s[i + 1]);
      pairCount.set(k, (pairCount.get(k) ?? 0) + sign * freq[wi]);
      if (sign > 0) {
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(wi);
      }
    }
  };
  words.forEach((_, wi) => addPairs(wi, 1));

  const merges: Merge[] = [];
  while (merges.length < numMerges) {
    let bestKey: string | undefined;
    let bestCount = 0;
    for (const [k, c] of pairCount)
      if (c > 0 && better(k, c, bestKey, bestCount)) {
        bestKey = k;
        bestCount = c;
      }
    if (bestKey === undefined || bestCount < minFreq) break;
    const [a, b] = bestKey.split(SEP);
    merges.push([a, b]);
    const touched = [...(pairWords.get(bestKey) ?? [])].sort((x, y) => x - y);
    for (const wi of touched) {
      const s = words[wi];
      addPairs(wi, -1);
      // Left to right, every occurrence: the same way ClipTokenizer applies a merge.
      const merged: string[] = [];
      for (let i = 0; i < s.length;) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          merged.push(a + b);
          i += 2;
        } else {
          merged.push(s[i]);
          i += 1;
        }
      }
      words[wi] = merged;
      addPairs(wi, 1);
    }
    pairCount.delete(bestKey);
    pairWords.delete(bestKey);
  }
  return merges;
}
