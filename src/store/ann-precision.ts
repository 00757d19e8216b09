/**
 * How the HNSW graphs store their vectors. f32 keeps the exact float32 cosine; f16 halves the
 * graphs' memory and i8 quarters it, so a million 1024-d vectors fit where f32 would not (4 GiB of
 * vectors alone). Quantised graphs only navigate: each search takes `RERANK[p]` times k candidates
 * and scores them exactly from float32 vectors (a flat file beside the graphs, ann-vectors.ts; SQLite
 * for items changed since it was written), so hits keep exact cosines and quantisation near-ties
 * cannot push a true neighbour out of the top k.
 *
 * The precision chosen for a store is remembered in `<db>.ann/settings.json`, so a later process
 * that does not ask for one (a `search` after `index --vector-precision i8`) uses it too.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.ts';

export const VECTOR_PRECISIONS = ['f32', 'f16', 'i8'] as const;
export type VectorPrecision = (typeof VECTOR_PRECISIONS)[number];

/**
 * HNSW settings per precision (usearch's connectivity, expansion_add, expansion_search). A saved
 * graph keeps the connectivity it was built with; expansion_search applies to every search.
 * expansion_add 160, not 64: at 1M clustered 1024-d vectors, 64 left about 4% of the items with no
 * inbound link (their own vector did not find them at any expansion_search), which capped i8's
 * recall@10 at 0.922 and f32's at 0.942; 160 found 99.6% of them and reached 1.000, for 21% more
 * build time (bench/store-ann-precision.md). Connectivity stays 16: 24 would add 64 bytes per item,
 * and i8 would no longer fit in a third of f32's memory.
 */
export const GRAPH_DEFAULTS: Readonly<
  Record<VectorPrecision, { connectivity: number; expansionAdd: number; expansionSearch: number }>
> = {
  f32: { connectivity: 16, expansionAdd: 160, expansionSearch: 384 },
  f16: { connectivity: 16, expansionAdd: 160, expansionSearch: 384 },
  i8: { connectivity: 16, expansionAdd: 160, expansionSearch: 384 },
};

/** Candidates fetched per requested hit before exact re-scoring (1: the graph's scores are exact). */
export const RERANK: Readonly<Record<VectorPrecision, number>> = { f32: 1, f16: 2, i8: 4 };

export function parseVectorPrecision(s: string, source = '--vector-precision'): VectorPrecision {
  const p = s.trim().toLowerCase();
  if ((VECTOR_PRECISIONS as readonly string[]).includes(p)) return p as VectorPrecision;
  throw new ConfigError(
    'BAD_ARGUMENT',
    `${source}: unknown vector precision "${s}"; use one of: ${VECTOR_PRECISIONS.join(', ')}.`,
  );
}

/**
 * The precision for the graphs in `annDir`: the one asked for (and then remembered), else the
 * remembered one, else f32.
 */
export function effectivePrecision(
  annDir: string,
  asked: VectorPrecision | undefined,
  readonly: boolean,
): VectorPrecision {
  const file = join(annDir, 'settings.json');
  let saved: VectorPrecision | undefined;
  try {
    if (existsSync(file)) saved = (JSON.parse(readFileSync(file, 'utf8')) as { precision?: VectorPrecision }).precision;
  } catch {
    saved = undefined; // a damaged settings file is rewritten below or ignored
  }
  const precision = asked ?? saved ?? 'f32';
  if (asked && asked !== saved && !readonly) {
    try {
      mkdirSync(annDir, { recursive: true });
      writeFileSync(`${file}.tmp`, JSON.stringify({ precision }));
      renameSync(`${file}.tmp`, file);
    } catch {
      // A read-only location: this process still uses the precision asked for.
    }
  }
  return precision;
}
