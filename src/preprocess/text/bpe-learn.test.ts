import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { World } from '../../synth/world/world.ts';
import { countWords, learnMerges } from './bpe-learn.ts';
import { parseMerges, serializeMerges } from './bpe-vocab.ts';
import { cleanText, preTokenize } from './clean.ts';
import { ClipTokenizer } from './tokenizer.ts';

const world = new World(5);
const captions = Array.from({ length: 1500 }, (_, i) => world.render(i, 'text'));

describe('learnMerges', () => {
  it('learns the textbook example', () => {
    const corpus = [
      'low low low low low',
      'lower lower',
      'newest newest newest newest newest newest',
      'widest widest widest',
    ];
    const merges = learnMerges(corpus, 4);
    // e+s and s+t</w> both occur 9 times; the tie goes to the lexicographically smaller pair.
    assert.deepEqual(merges[0], ['e', 's']);
    assert.deepEqual(merges[1], ['es', 't</w>']);
    assert.deepEqual(merges[2], ['l', 'o']);
  });

  it('counts byte-level pre-tokens like the CLIP tokenizer', () => {
    const counts = countWords(['Héllo, hello!']);
    assert.equal(counts.get('hello'), 1);
    assert.equal(counts.get('hÃ©llo'), 1); // é is two UTF-8 bytes, each its own symbol
    assert.equal(counts.get(','), 1);
  });

  it('is deterministic and independent of corpus order', () => {
    const a = learnMerges(captions, 300);
    assert.deepEqual(learnMerges(captions, 300), a);
    assert.deepEqual(learnMerges([...captions].reverse(), 300), a);
    assert.deepEqual(
      parseMerges(serializeMerges(a)),
      a.map(([x, y]) => [x, y]),
    );
  });

  it('gives a tokenizer that encodes the world captions compactly and decodes them back', () => {
    const merges = learnMerges(captions, 800);
    const tok = ClipTokenizer.fromMerges(merges);
    assert.equal(tok.vocabSize, 512 + merges.length + 2);
    let tokens = 0,
      words = 0;
    for (const c of captions.slice(0, 200)) {
      const ids = tok.encode(c);
      tokens += ids.length;
      words += preTokenize(cleanText(c)).length;
      assert.equal(tok.decode(ids).trim(), preTokenize(cleanText(c)).join(' '));
    }
    assert.ok(tokens / words < 1.15, `${(tokens / words).toFixed(2)} tokens per word`);
    const unseen = tok.encode('a purple zebra');
    assert.equal(tok.decode(unseen).trim(), 'a purple zebra');
  });

  it('stops when pairs become rare', () => {
    assert.equal(learnMerges(['ab ab', 'cd'], 100).length, 1);
    assert.deepEqual(learnMerges(['ab ab', 'cd'], 100, { minFrequency: 1 }), [
      ['a', 'b</w>'],
      ['c', 'd</w>'],
    ]);
  });
});
