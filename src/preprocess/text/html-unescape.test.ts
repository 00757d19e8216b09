import assert from 'node:assert/strict';
import { test } from 'node:test';
import { htmlUnescape, numericCharRef } from './html-unescape.ts';

// Expected values are CPython 3.11's html.unescape on the same inputs.
const CASES: [string, string][] = [
  ['&amp; &lt;b&gt;', '& <b>'],
  ['&amp;amp;', '&amp;'],
  ['&notit; &not', '\u00acit; \u00ac'],
  ['&ampx &AMP &COPY;', '&x & \u00a9'],
  [
    '&#0; &#13; &#128; &#129; &#150; &#11; &#65534; &#x10FFFF; &#x110000; &#xD800; &#0000000065;',
    '\ufffd \r \u20ac \u0081 \u2013    \ufffd \ufffd A',
  ],
  ['&#65 &#x41 &#X41;', 'A A A'],
  ['&unknown; & x', '&unknown; & x'],
  ['&eacute &Eacute; &EACUTE;', '\u00e9 \u00c9 &EACUTE;'],
  ['&#99999999999999999999;', '\ufffd'],
  ['&hellip;&rsquo;&euro;', '\u2026\u2019\u20ac'],
  ['&constructor; &__proto__;', '&constructor; &__proto__;'],
  ['no entities', 'no entities'],
  // Names outside the old hand-copied subset: mathematical, multi-code-point and astral values.
  ['&NotEqualTilde; &fjlig; &Afr; &bne;', '\u2242\u0338 fj \u{1d504} =\u20e5'],
];

test('htmlUnescape follows Python html.unescape', () => {
  for (const [input, expected] of CASES) assert.equal(htmlUnescape(input), expected, JSON.stringify(input));
});

test('numeric references use the HTML5 replacement rules', () => {
  assert.equal(numericCharRef(0x41), 'A');
  assert.equal(numericCharRef(0x9f), '\u0178');
  assert.equal(numericCharRef(0x7f), '');
  assert.equal(numericCharRef(0xfdd0), '');
  assert.equal(numericCharRef(0x1fffe), '');
  assert.equal(numericCharRef(0x1f600), '\u{1f600}');
  assert.equal(numericCharRef(0xdfff), '\ufffd');
});
