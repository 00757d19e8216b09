import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ConfigError } from '../../core/errors.ts';
import { ref } from '../../../test/helpers/shared.ts';
import {
  BYTE_TO_UNICODE,
  OFFICIAL_MAX_MERGES,
  buildVocab,
  decodeMerges,
  parseMerges,
  serializeMerges,
  type Merge,
} from './bpe-vocab.ts';
import { ClipTokenizer } from './tokenizer.ts';
import { loadTokenizerFile, readMergesFile } from './bpe-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'imagebind-bpe-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('the official file gives the official vocabulary', () => {
  const merges = readMergesFile(ref('vocab', 'bpe_simple_vocab_16e6.txt.gz'));
  assert.equal(merges.length, OFFICIAL_MAX_MERGES);
  assert.deepEqual(merges[0], ['i', 'n']);
  const vocab = buildVocab(merges);
  assert.equal(vocab.tokens.length, 49408);
  assert.equal(vocab.sotId, 49406);
  assert.equal(vocab.eotId, 49407);
  assert.equal(vocab.encoder.get('a'), 64);
  assert.equal(vocab.encoder.get('a</w>'), 320);
  assert.equal(vocab.encoder.get('in'), 512);
});

test('bytes_to_unicode is a bijection onto printable characters', () => {
  assert.equal(new Set(BYTE_TO_UNICODE).size, 256);
  assert.equal(BYTE_TO_UNICODE[0x41], 'A');
  assert.equal(BYTE_TO_UNICODE[0x20], '\u0120');
  assert.equal(BYTE_TO_UNICODE[0x00], '\u0100');
  for (const c of BYTE_TO_UNICODE) assert.doesNotMatch(c, /\s/u);
});

// A tiny merges list: ranks 0..3 → token ids 512..515, then SOT 516 and EOT 517.
const MINI: Merge[] = [
  ['l', 'o'],
  ['lo', 'w</w>'],
  ['e', 'r</w>'],
  ['lo', 'w'],
];

test('a custom merges list round-trips through serialize/parse and encodes as BPE should', () => {
  const text = serializeMerges(MINI);
  assert.equal(text, '#version: 0.2\nl o\nlo w</w>\ne r</w>\nlo w\n');
  assert.deepEqual(parseMerges(text), MINI);
  const path = join(dir, 'mini.txt.gz');
  writeFileSync(path, gzipSync(text));
  const tok = loadTokenizerFile(path);
  assert.equal(tok.vocabSize, 256 * 2 + MINI.length + 2);
  assert.equal(tok.sotId, 516);
  assert.equal(tok.eotId, 517);
  assert.deepEqual(tok.encode('Low LOWER'), [513, 515, 514]);
  assert.deepEqual(tok.tokenStrings('low lower'), ['low</w>', 'low', 'er</w>']);
  const row = Array.from(tok.tokenize(['low lower'], 6).data, Number);
  assert.deepEqual(row, [516, 513, 515, 514, 517, 0]);
  assert.equal(tok.decode([513, 515, 514]), 'low lower ');
  // Plain text works too, and maxMerges caps what is used.
  assert.equal(ClipTokenizer.fromBuffer(Buffer.from(text), { maxMerges: 2 }).vocabSize, 512 + 2 + 2);
});

test('serializeMerges rejects symbols that the text format cannot hold', () => {
  assert.throws(() => serializeMerges([['a b', 'c']]), RangeError);
  assert.throws(() => serializeMerges([['', 'c']]), RangeError);
});

test('a missing vocabulary file says where to get one', () => {
  const missing = join(dir, 'nope', 'bpe_simple_vocab_16e6.txt.gz');
  assert.throws(
    () => loadTokenizerFile(missing),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.code === 'VOCAB_NOT_FOUND' &&
      e.message.includes(missing) &&
      e.message.includes('imagebind/bpe/'),
  );
});

test('corrupt vocabulary data is a ConfigError naming the file', () => {
  const garbage = join(dir, 'garbage.txt.gz');
  writeFileSync(garbage, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8]));
  assert.throws(
    () => readMergesFile(garbage),
    (e: unknown) => e instanceof ConfigError && e.code === 'VOCAB_INVALID' && e.message.includes(garbage),
  );
  const notGz = join(dir, 'plain.txt.gz');
  writeFileSync(notGz, 'hello');
  assert.throws(() => readMergesFile(notGz), /not a gzip file/);
  assert.throws(
    () => decodeMerges(Buffer.from('#h\na b c\n'), { source: 'x.txt' }),
    /x\.txt: line 2 is not a BPE merge/,
  );
  assert.throws(
    () => decodeMerges(Buffer.from([0x23, 0x0a, 0xff, 0xfe])),
    (e: unknown) => e instanceof ConfigError && /not UTF-8/.test(String(e)),
  );
});
