/** A BPE vocabulary learned from the world's own captions, for models trained on this world. */
import { learnMerges } from '../../preprocess/text/bpe-learn.ts';
import type { Merge } from '../../preprocess/text/index.ts';
import { ClipTokenizer } from '../../preprocess/text/index.ts';
import type { World } from './world.ts';

/** Merges learned from `count` captions of the train split (captions are cheap: no rendering). */
export function learnWorldMerges(world: World, numMerges = 1000, count = 4000): Merge[] {
  const split = world.split('train');
  return learnMerges(
    split.indices(count).map((i) => world.render(i, 'text')),
    numMerges,
  );
}

export function worldTokenizer(world: World, numMerges = 1000, count = 4000, contextLength = 77): ClipTokenizer {
  return ClipTokenizer.fromMerges(learnWorldMerges(world, numMerges, count), { contextLength });
}
