/**
 * `ftfy.fix_text` (ftfy 6.3.1, default config), which the official `basic_clean` runs before
 * anything else. It is part of the tokenizer's contract: curly quotes, full-width forms,
 * ligatures, NFD accents, mojibake and control characters all change the token ids.
 *
 * Implemented, in ftfy's order and with its per-line segmentation and fixed-point loop:
 * `unescape_html` ("auto": skipped once a line contains `<`), `fix_encoding` (see
 * ftfy-encoding.ts), `fix_c1_controls`,
 * `fix_latin_ligatures`, `fix_character_width`, `uncurl_quotes`, `fix_line_breaks`,
 * `fix_surrogates`, `remove_terminal_escapes`, `remove_control_chars`, NFC.
 *
 * Not implemented: ftfy's options other than the defaults, and `explain`. Known difference: Unicode
 * data (NFC/NFKC, case mapping) is Node's ICU version, not Python 3.11's Unicode 14, which only
 * matters for characters assigned since. Compared with ftfy 6.3.1 on ~15k random and mojibake
 * strings, the only differences were entities outside the subset table used then; entity names
 * now come from the `entities` package's full HTML5 table (html-unescape.ts), as ftfy's do.
 */
import { fixC1Controls, fixEncoding } from './ftfy-encoding.ts';
import { entityValue, htmlUnescape } from './html-unescape.ts';

const MAX_DECODE_LENGTH = 1_000_000;

const HTML_ENTITY = /&#?[0-9A-Za-z]{1,24};/g;

/** ftfy's entity fix: like html.unescape but only for `&…;` forms, plus ALL-CAPS names. */
export function ftfyUnescapeHtml(text: string): string {
  return text.replace(HTML_ENTITY, (m) => {
    const name = m.slice(1);
    const direct = entityValue(name);
    if (direct !== undefined) return direct;
    if (m.startsWith('&#')) {
      const unescaped = htmlUnescape(m);
      return unescaped.includes(';') ? m : unescaped;
    }
    // ftfy also accepts `&EACUTE;` for `&eacute;` when that spelling means nothing to html.unescape.
    const lower = name.toLowerCase();
    if (name === name.toUpperCase() && lower !== name) {
      const value = entityValue(lower);
      if (value !== undefined && htmlUnescape(m) === m) return value.toUpperCase();
    }
    return m;
  });
}

const LIGATURES: Readonly<Record<string, string>> = {
  '\u0132': 'IJ',
  '\u0133': 'ij',
  '\u0149': '\u02bcn',
  '\u01f1': 'DZ',
  '\u01f2': 'Dz',
  '\u01f3': 'dz',
  '\u01c4': 'D\u017d',
  '\u01c5': 'D\u017e',
  '\u01c6': 'd\u017e',
  '\u01c7': 'LJ',
  '\u01c8': 'Lj',
  '\u01c9': 'lj',
  '\u01ca': 'NJ',
  '\u01cb': 'Nj',
  '\u01cc': 'nj',
  '\ufb00': 'ff',
  '\ufb01': 'fi',
  '\ufb02': 'fl',
  '\ufb03': 'ffi',
  '\ufb04': 'ffl',
  '\ufb05': '\u017ft',
  '\ufb06': 'st',
};
const LIGATURE_RE = /[\u0132\u0133\u0149\u01c4-\u01cc\u01f1-\u01f3\ufb00-\ufb06]/g;

export function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE_RE, (c) => LIGATURES[c] ?? c);
}

// Ideographic space plus every Halfwidth/Fullwidth Forms character that NFKC changes.
let widthMap: Map<string, string> | undefined;
function getWidthMap(): Map<string, string> {
  if (!widthMap) {
    widthMap = new Map([['\u3000', ' ']]);
    for (let cp = 0xff01; cp < 0xfff0; cp++) {
      const c = String.fromCharCode(cp);
      const alt = c.normalize('NFKC');
      if (alt !== c) widthMap.set(c, alt);
    }
  }
  return widthMap;
}
const WIDTH_RE = /[\u3000\uff01-\uffef]/g;

export function fixCharacterWidth(text: string): string {
  const map = getWidthMap();
  return text.replace(WIDTH_RE, (c) => map.get(c) ?? c);
}

export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

export function fixLineBreaks(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(/[\r\u2028\u2029\u0085]/g, '\n');
}

export function fixSurrogates(text: string): string {
  // A JS string already pairs surrogates; only lone halves remain to replace.
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

export function removeTerminalEscapes(text: string): string {
  return text.replace(/\x1b\[((?:\p{Nd}|;)*)([a-zA-Z])/gu, '');
}

export function removeControlChars(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}

function fixSegment(text: string, unescapeHtml: boolean): string {
  for (;;) {
    const orig = text;
    if (unescapeHtml) text = ftfyUnescapeHtml(text);
    text = fixEncoding(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === orig) return text;
  }
}

/** Python's `len`-based segment cut, measured in code points, never splitting a surrogate pair. */
function cutAt(text: string, start: number, end: number): number {
  if (end - start <= MAX_DECODE_LENGTH) return end;
  let units = 0;
  let points = 0;
  while (points < MAX_DECODE_LENGTH && start + units < end) {
    const cp = text.codePointAt(start + units) ?? 0;
    units += cp > 0xffff ? 2 : 1;
    points++;
  }
  return start + units;
}

/** `ftfy.fix_text(text)` with ftfy's default settings (see the module comment for the subset). */
export function fixText(text: string): string {
  let unescapeHtml = true;
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = cutAt(text, pos, nl < 0 ? text.length : nl + 1);
    const segment = text.slice(pos, end);
    // Once any line holds a literal `<`, ftfy treats the rest of the text as HTML-ish and stops.
    if (unescapeHtml && segment.includes('<')) unescapeHtml = false;
    out += fixSegment(segment, unescapeHtml);
    pos = end;
  }
  return out;
}
