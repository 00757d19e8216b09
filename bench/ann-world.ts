/**
 * The clustered synthetic embeddings the ANN benches share (store-ann.ts, store-ann-precision.ts):
 * 2 000 centres drawn with seed 5, each item a centre plus N(0, 0.7²) noise per dimension, one
 * item in ten `audio`. Unstructured random vectors would understate an ANN index's recall on real
 * embeddings; near-ties inside a cluster make this set harder than real ones, not easier.
 */
import { Rng } from '../src/core/random.ts';
import type { VectorStore } from '../src/store/index.ts';
import type { ItemInput } from '../src/store/types.ts';

export const ANN_DIM = 1024;

const centreRng = new Rng(5);
const centres = Array.from({ length: 2000 }, () => centreRng.fillNormal(new Float32Array(ANN_DIM)));

/** One clustered vector (not normalised; the store normalises). */
export function clusteredVector(r: Rng): Float32Array {
  return centres[r.int(centres.length)].map((x) => x + 0.7 * r.normal());
}

/** Adds `n` clustered items (paths /x/0 … /x/n-1) in transactions of 5 000, drawing from `gen`. */
export function fillClustered(store: VectorStore, n: number, gen: Rng, onBatch?: (at: number) => void): void {
  for (let at = 0; at < n; at += 5000) {
    const batch: ItemInput[] = Array.from({ length: Math.min(5000, n - at) }, (_, j) => ({
      path: `/x/${at + j}`,
      modality: (at + j) % 10 === 0 ? 'audio' : 'vision',
      vector: clusteredVector(gen),
      hash: '0',
      mtime: 0,
      size: 0,
    }));
    store.addItems(batch);
    onBatch?.(at);
  }
}
