/**
 * Python's `html.unescape` (CPython 3.11 `html/__init__.py`), which the official
 * `basic_clean` applies twice after ftfy. The numeric-reference rules are exact; named references
 * use the subset table in `html-entities.ts` (see there for what is left out).
 */
import { HTML_ENTITIES } from './html-entities.ts';

// A Map, so that names like `constructor` never reach Object.prototype.
const TABLE: ReadonlyMap<string, string> = new Map(Object.entries(HTML_ENTITIES));

/** Windows-1252 for bytes 0x80–0x9F, with the five undefined bytes kept as C1 controls. */
export const CP1252_C1 =
  '\u20ac\x81\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\x8d\u017d\x8f' +
  '\x90\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\x9d\u017e\u0178';

// Same alternatives as CPython's `_charref`; the name part runs to 32 code points.
const CHARREF = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu;

function isInvalidCodePoint(n: number): boolean {
  return (
    (n >= 0x1 && n <= 0x8) ||
    n === 0xb ||
    (n >= 0xe && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe // U+xFFFE / U+xFFFF of every plane (n ≤ 0x10FFFF here)
  );
}

/** The character a numeric reference stands for, by the HTML5 rules Python follows. */
export function numericCharRef(num: number): string {
  if (num === 0) return '\ufffd';
  if (num === 0x0d) return '\r';
  if (num >= 0x80 && num <= 0x9f) return CP1252_C1[num - 0x80];
  if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return '\ufffd';
  if (isInvalidCodePoint(num)) return '';
  return String.fromCodePoint(num);
}

function parseRef(body: string): number {
  const hex = body[1] === 'x' || body[1] === 'X';
  const digits = body
    .slice(hex ? 2 : 1)
    .replace(/;$/, '')
    .replace(/^0+(?=.)/, '');
  // Python ints are unbounded; anything this long is past U+10FFFF either way.
  if (digits.length > 12) return Number.POSITIVE_INFINITY;
  return parseInt(digits, hex ? 16 : 10);
}

function replaceRef(_m: string, body: string): string {
  if (body[0] === '#') return numericCharRef(parseRef(body));
  const direct = TABLE.get(body);
  if (direct !== undefined) return direct;
  // Longest known prefix of at least two characters (this is how `&notit;` becomes `¬it;`).
  const cps = Array.from(body);
  for (let x = cps.length - 1; x > 1; x--) {
    const prefix = cps.slice(0, x).join('');
    const hit = TABLE.get(prefix);
    if (hit !== undefined) return hit + cps.slice(x).join('');
  }
  return '&' + body;
}

/** `html.unescape(s)`. */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(CHARREF, replaceRef);
}

/** The character(s) for an entity name as written after `&` (`amp;`, `nbsp`), if known. */
export function entityValue(name: string): string | undefined {
  return TABLE.get(name);
}
