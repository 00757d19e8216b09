/**
 * Text cleaning and pre-tokenisation of the official `SimpleTokenizer.encode`:
 * `whitespace_clean(basic_clean(text)).lower()`, then `regex.findall(pat, text)` with the
 * `regex` module and IGNORECASE.
 */
import { fixText } from './ftfy.ts';
import { htmlUnescape } from './html-unescape.ts';

// Python's str.strip() removes what str.isspace() accepts, which includes the separators
// U+001C–U+001F and NEL but not U+FEFF; JS trim() differs on exactly those.
const PY_STRIP =
  /^[\t-\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/** `basic_clean`: ftfy, HTML unescaping twice, strip. */
export function basicClean(text: string): string {
  return pyStrip(htmlUnescape(htmlUnescape(fixText(text))));
}

/** `whitespace_clean`: the `regex` module's `\s` is exactly the White_Space property. */
export function whitespaceClean(text: string): string {
  return pyStrip(text.replace(/\p{White_Space}+/gu, ' '));
}

/** The string the official pre-tokenizer sees (`cleaned_text` in the reference fixtures). */
export function cleanText(text: string): string {
  return whitespaceClean(basicClean(text)).toLowerCase();
}

/**
 * The official pattern, rewritten so that it needs no case-insensitive flag: JS's /i folds U+0345
 * (COMBINING GREEK YPOGEGRAMMENI) into ι, which Python's `regex` does not do inside property
 * classes, and U+0345 must match no alternative at all (Python drops it). The only character
 * that IGNORECASE lets into the literal alternatives of already-lowercased text is ſ (long s,
 * folding to s), spelled out here. Checked exhaustively, code point by code point, against
 * `regex` with IGNORECASE.
 */
const PRE_TOKENIZER =
  /<\|[s\u017f]tartoftext\|>|<\|endoftext\|>|'[s\u017f]|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}\u0345]+/gu;

/** `re.findall(self.pat, text)` on already-cleaned text. */
export function preTokenize(cleaned: string): string[] {
  return cleaned.match(PRE_TOKENIZER) ?? [];
}
