/**
 * The main job on the embedded default: generate a demo set from the synthetic world (images,
 * sounds, depth maps, thermal images, IMU logs of 16 kinds of things), index it with the mini
 * model, then run cross-modal searches with held-out queries and check each hit's class.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ImageBind } from '../embed/imagebind.ts';
import { type IndexProgress, indexPaths } from './indexer.ts';
import { openModelStore } from './model-store.ts';
import { type QueryPart, searchStore } from './query.ts';
import { CLASSES, NUM_CLASSES } from '../synth/world/classes.ts';
import { type FileModality, baseName, FILE_SUFFIX, writeSampleFiles } from '../synth/world/files.ts';
import { World } from '../synth/world/world.ts';

export interface DemoHit {
  path: string;
  modality: string;
  score: number;
  className: string;
  correct: boolean;
}
export interface DemoQuery {
  description: string;
  expected: string;
  target: string;
  hits: DemoHit[];
}
export interface DemoReport {
  dir: string;
  indexed: number;
  queries: DemoQuery[];
  /** Results per query. */
  k: number;
  /** Fraction of queries whose first result has the query's class. */
  top1_class_match: number;
  /** Fraction of queries with a result of the query's class among their k results. */
  within_top_k_class_match: number;
}

const INDEXED: FileModality[] = ['image', 'audio', 'depth', 'thermal', 'imu'];

function classOfFile(path: string): string {
  const stem = basename(path).split('.')[0];
  return stem.slice(stem.indexOf('-') + 1).replace(/-/g, ' ');
}

export async function runDemo(
  model: ImageBind,
  o: {
    dir: string;
    seed?: number;
    perClass?: number;
    k?: number;
    onProgress?: (msg: string) => void;
    /** Files embedded so far while the corpus is indexed. */
    onIndexProgress?: (p: IndexProgress) => void;
  },
): Promise<DemoReport> {
  const world = new World(o.seed ?? 2024);
  const test = world.split('test');
  const n = NUM_CLASSES * (o.perClass ?? 3);
  const corpus = join(o.dir, 'corpus');
  const queries = join(o.dir, 'queries');
  if (!existsSync(join(corpus, 'manifest.jsonl'))) {
    o.onProgress?.(`writing ${n} samples × ${INDEXED.length} modalities to ${corpus}`);
    for (const i of test.indices(n)) await writeSampleFiles(corpus, world.sample(i), INDEXED);
    await mkdir(queries, { recursive: true });
    for (const i of test.indices(NUM_CLASSES, n))
      await writeSampleFiles(queries, world.sample(i), ['audio', 'depth', 'thermal', 'imu', 'image']);
  }
  const store = openModelStore(model, join(o.dir, 'index.db'), { create: true });
  try {
    o.onProgress?.('indexing the corpus');
    await indexPaths(model, store, [corpus], { onProgress: o.onIndexProgress });
    const k = o.k ?? 5;
    const picks = [0, 5, 9, 14].map((c) => CLASSES[c]);
    const specs: { description: string; expected: string; target: string; parts: QueryPart[] }[] = [];
    for (const c of picks)
      specs.push({
        description: `text "a photo of a ${c.caption.nouns[0]}" → images`,
        expected: c.name,
        target: 'vision',
        parts: [{ kind: 'text', input: `a photo of a ${c.caption.nouns[0]}` }],
      });
    for (const c of picks)
      specs.push({
        description: `text "the sound of a ${c.caption.nouns[0]}" → audio`,
        expected: c.name,
        target: 'audio',
        parts: [{ kind: 'text', input: `the sound of a ${c.caption.nouns[0]}` }],
      });
    const queryFile = (classId: number, m: FileModality) => {
      const i = test.indices(NUM_CLASSES, n).find((x) => world.classOf(x) === classId)!;
      return join(queries, `${baseName({ index: i, className: CLASSES[classId].name })}${FILE_SUFFIX[m]}`);
    };
    for (const [m, target, kind] of [
      ['audio', 'vision', 'audio'],
      ['depth', 'vision', 'depth'],
      ['thermal', 'vision', 'thermal'],
      ['imu', 'vision', 'imu'],
      ['image', 'audio', 'vision'],
    ] as const) {
      for (const c of picks.slice(0, 2)) {
        const file = queryFile(c.id, m);
        specs.push({
          description: `${m} ${basename(file)} → ${target === 'vision' ? 'images' : target}`,
          expected: c.name,
          target,
          parts: [{ kind, input: file }],
        });
      }
    }
    const out: DemoQuery[] = [];
    for (const s of specs) {
      const hits = await searchStore(model, store, { parts: s.parts, k, modalities: [s.target] });
      out.push({
        description: s.description,
        expected: s.expected,
        target: s.target,
        hits: hits.map((h) => ({
          path: h.path,
          modality: h.modality,
          score: h.score,
          className: classOfFile(h.path),
          correct: classOfFile(h.path) === s.expected,
        })),
      });
    }
    const top1 = out.filter((q) => q.hits[0]?.correct).length / out.length;
    const withinK = out.filter((q) => q.hits.some((h) => h.correct)).length / out.length;
    return {
      dir: o.dir,
      indexed: store.count(),
      queries: out,
      k,
      top1_class_match: top1,
      within_top_k_class_match: withinK,
    };
  } finally {
    store.close();
  }
}
