import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ref } from '../../../test/helpers/shared.ts';
import { cleanText } from './clean.ts';
import { ClipTokenizer } from './tokenizer.ts';
import { loadTokenizerFile } from './bpe-file.ts';

interface FixtureCase {
  name: string;
  text: string;
  ids: number[];
  num_bpe_tokens: number;
  truncated: boolean;
  final_eot_index: number;
  argmax_index: number;
  cleaned_text?: string;
  bpe_token_strings?: string[];
}

const cases = JSON.parse(readFileSync(ref('preprocess', 'text_tokens.json'), 'utf8')) as FixtureCase[];
const tok = loadTokenizerFile(ref('vocab', 'bpe_simple_vocab_16e6.txt.gz'));

function argmax(row: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

test('token ids are identical to the official SimpleTokenizer on every reference case', () => {
  const batch = tok.tokenize(cases.map((c) => c.text));
  assert.deepEqual(batch.shape, [cases.length, 77]);
  assert.equal(batch.dtype, 'int64');
  const failures: string[] = [];
  cases.forEach((c, i) => {
    const row = Array.from(batch.data.subarray(i * 77, (i + 1) * 77), Number);
    const problems: string[] = [];
    if (JSON.stringify(row) !== JSON.stringify(c.ids)) problems.push('ids');
    if (tok.encode(c.text).length !== c.num_bpe_tokens) problems.push('num_bpe_tokens');
    if (c.cleaned_text !== undefined && cleanText(c.text) !== c.cleaned_text) problems.push('cleaned_text');
    if (
      c.bpe_token_strings &&
      JSON.stringify(tok.tokenStrings(c.text).slice(0, 80)) !== JSON.stringify(c.bpe_token_strings)
    ) {
      problems.push('bpe_token_strings');
    }
    if (argmax(row) !== c.argmax_index) problems.push('argmax_index');
    if (row.lastIndexOf(tok.eotId) !== c.final_eot_index) problems.push('final_eot_index');
    if (problems.length) failures.push(`${c.name}: ${problems.join(', ')}`);
  });
  console.log(`text tokens: ${cases.length - failures.length}/${cases.length} cases identical`);
  assert.deepEqual(failures, []);
});

test('truncation keeps EOT in the last slot', () => {
  const long = cases.find((c) => c.name === 'long_truncated')!;
  const row = Array.from(tok.tokenize([long.text]).data, Number);
  assert.equal(row[76], tok.eotId);
  assert.equal(row[0], tok.sotId);
  const short = Array.from(tok.tokenize(['a dog'], 4).data, Number);
  assert.deepEqual(short, [49406, 320, 1929, 49407]);
  assert.deepEqual(Array.from(tok.tokenize(['a dog'], 3).data, Number), [49406, 320, 49407]);
  assert.deepEqual(tok.tokenize([], 77).shape, [0, 77]);
  assert.throws(() => tok.tokenize(['x'], 0), RangeError);
});

test('literal special tokens in the text are honoured', () => {
  assert.deepEqual(tok.encode('<|startoftext|> hello <|endoftext|> world'), [49406, 3306, 49407, 1002]);
});

test('decode inverts encode up to cleaning', () => {
  assert.equal(
    tok.decode(tok.encode('A Dog, running!  caf\u00e9 \u{1f436}')),
    'a dog , running ! caf\u00e9 \u{1f436} ',
  );
  assert.throws(() => tok.decode([49408]), RangeError);
});
