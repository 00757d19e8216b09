/**
 * Python's `html.unescape` (CPython 3.11 `html/__init__.py`), which the official
 * `basic_clean` applies twice after ftfy. Named references come from the `entities` package's
 * HTML5 table (the same 2231 names as Python's `html.entities.html5`); its legacy decoding takes
 * the longest name accepted without `;` as Python's prefix loop does (`&notit;` → `¬it;`).
 * The numeric-reference rules stay hand-written because Python departs from HTML5 (and from
 * `entities`) there: it drops invalid code points such as `&#1;` instead of keeping them, and
 * its reference pattern (32-code-point names, optional `;`) decides what is a reference at all.
 */
import { DecodingMode, decodeHTML, decodeHTMLStrict } from 'entities/decode';

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
  // The exact name, else the longest legacy name it starts with, else the text unchanged.
  return decodeHTML('&' + body, DecodingMode.Legacy);
}

/** `html.unescape(s)`. */
export function htmlUnescape(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(CHARREF, replaceRef);
}

/** The character(s) for an entity name exactly as written after `&` (`amp;`, `nbsp`), if known. */
export function entityValue(name: string): string | undefined {
  if (name.length === 0 || name[0] === '#' || /[&\s]/.test(name)) return undefined;
  const ref = '&' + name;
  if (name.endsWith(';')) {
    const v = decodeHTMLStrict(ref);
    return v === ref ? undefined : v;
  }
  // Without `;` only the legacy names count, and they are the same names with `;` too.
  const legacy = decodeHTML(ref, DecodingMode.Legacy);
  return legacy !== ref && legacy === decodeHTMLStrict(ref + ';') ? legacy : undefined;
}
