import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ref } from '../../../test/helpers/shared.ts';
import { fixText } from './ftfy.ts';
import { isBad } from './ftfy-encoding.ts';

interface FixtureCase {
  name: string;
  text: string;
  ftfy_changed: boolean;
  ftfy_fixed_text?: string;
}

// Expected values are ftfy 6.3.1's fix_text on the same inputs (several from its docstrings).
const CASES: [string, string][] = [
  ['\u00e2\u0153\u201d No problems', '\u2714 No problems'],
  ['&macr;\\_(\u00e3\u0083\u0084)_/&macr;', '\u00af\\_(\u30c4)_/\u00af'],
  ['Broken text&hellip; it&#x2019;s \ufb02ubberi\ufb01c!', "Broken text\u2026 it's flubberific!"],
  ['\uff2c\uff2f\uff35\uff24\u3000\uff2e\uff2f\uff29\uff33\uff25\uff33', 'LOUD NOISES'],
  ['voil\u00c3 le travail', 'voil\u00e0 le travail'],
  ['s\u00c3\u00b3', 's\u00f3'],
  ['&EACUTE;COLE', '\u00c9COLE'],
  ['<b>&amp;</b>\n&amp;', '<b>&amp;</b>\n&amp;'],
  ['l1 &amp;\n<p>\n&amp;', 'l1 &\n<p>\n&amp;'],
  ['the caf\u00c3\u00a9 and \u4e2d\u6587', 'the caf\u00e9 and \u4e2d\u6587'],
  ['\u00d0\u00bf\u00d1\u20ac\u00d0\u00b8\u00d0\u00b2\u00d0\u00b5\u00d1\u201a', '\u043f\u0440\u0438\u0432\u0435\u0442'],
  ['\u001b[31mred\u001b[0m', 'red'],
  ['a\r\nb\rc\u2028d', 'a\nb\nc\nd'],
  ['\u0132ssel \u01c5', 'IJssel D\u017e'],
  ['\ufeffx\u200by', 'x\u200by'],
  ['just \u0096 dash', 'just \u2013 dash'],
  ['caf\u00e9 na\u00efve r\u00e9sum\u00e9', 'caf\u00e9 na\u00efve r\u00e9sum\u00e9'],
];

test('fixText reproduces ftfy 6.3.1 on known inputs', () => {
  for (const [input, expected] of CASES) assert.equal(fixText(input), expected, JSON.stringify(input));
});

test('fixText matches ftfy on every reference fixture case', () => {
  const cases = JSON.parse(readFileSync(ref('preprocess', 'text_tokens.json'), 'utf8')) as FixtureCase[];
  let changed = 0;
  for (const c of cases) {
    const expected = c.ftfy_changed ? c.ftfy_fixed_text : c.text;
    assert.equal(fixText(c.text), expected, c.name);
    if (c.ftfy_changed) changed++;
  }
  console.log(`ftfy: ${cases.length}/${cases.length} fixture cases identical (${changed} changed by ftfy)`);
});

test('the badness gate leaves ordinary accented text alone', () => {
  assert.equal(isBad('caf\u00e9 na\u00efve \u00c5ngstr\u00f6m fa\u00e7ade'), false);
  assert.equal(isBad('caf\u00c3\u00a9'), true);
});
