/**
 * The segment benchmark: fresh long recordings composed from world scenes with a known timeline
 * (synth/world/timeline.ts; WAV files and MP4 videos with sound), indexed with `--segments` through
 * the real indexer, then asked for each event's class by a phrase, a held-out sound clip or a
 * held-out image. A hit: the best segment (over every window of every file) overlaps an event of
 * that class. Chance: the share of all windows that overlap one, per query, averaged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Float32Tensor, type Tensor, stack } from '../../core/tensor.ts';
import { l2normalize } from '../../core/vector-math.ts';
import type { ImageBind } from '../../embed/imagebind.ts';
import type { Modality } from '../../model/config.ts';
import { type SegmentHit, type VectorStore } from '../../store/index.ts';
import { type Timeline, sampleTimeline } from '../../synth/world/timeline.ts';
import { writeTimelineVideo, writeTimelineWav } from '../../synth/world/timeline-files.ts';
import { worldInput } from '../../synth/world/tensors.ts';
import { World } from '../../synth/world/world.ts';
import { indexPaths } from '../indexer.ts';
import { classPhrase } from '../locate/evaluate.ts';
import { openModelStore } from '../model-store.ts';

export const SEGMENT_QUERIES = ['text', 'audio', 'image'] as const;
export type SegmentQuery = (typeof SEGMENT_QUERIES)[number];

export interface HitRate {
  readonly hit_rate: number;
  readonly chance: number;
}

export interface SegmentRow extends HitRate {
  /** Queries asked (one per event). */
  readonly n: number;
  /** Searching only the sound windows, or only the picture windows. */
  readonly audio_windows: HitRate;
  readonly video_windows: HitRate;
}

export interface SegmentReport {
  readonly rows: Record<SegmentQuery, SegmentRow>;
  readonly recordings: number;
  readonly windows: { readonly audio: number; readonly video: number };
  readonly seconds: number;
  readonly duration: number;
  readonly seed: number;
  /** Wall time of indexing all recordings with segments. */
  readonly index_ms: number;
}

export interface SegmentEvalOptions {
  readonly seed: number;
  /** Recordings: even ones are WAV files, odd ones MP4 videos with sound. */
  readonly n: number;
  /** Window length (default 10 s). */
  readonly seconds?: number;
  /** Recording length (default 180 s). */
  readonly duration?: number;
  readonly onProgress?: (what: string) => void;
}

const ENCODER: Record<SegmentQuery, Modality> = { text: 'text', audio: 'audio', image: 'vision' };

async function queryVectors(model: ImageBind, q: SegmentQuery, classes: readonly number[], world: World) {
  const split = world.split('test');
  const sampleOf = (t: number, c: number): number => {
    for (let k = 0; k < world.numClasses; k++) {
      const i = split.index(t * world.numClasses + k);
      if (world.classOf(i) === c) return i;
    }
    throw new RangeError(`class ${c} missing from block ${t}`);
  };
  const tokenizer = q === 'text' ? await model.tokenizer() : null;
  const out: Float32Array[] = [];
  for (let s = 0; s < classes.length; s += 32) {
    const part = classes.slice(s, s + 32);
    const batch: Tensor = tokenizer
      ? tokenizer.tokenize(part.map((c, j) => classPhrase(c, s + j)))
      : stack(
          part.map((c, j) => worldInput(world, sampleOf(s + j, c), q === 'audio' ? 'audio' : 'image') as Float32Tensor),
        );
    const emb = await model.embedTensor(ENCODER[q], batch);
    const dim = emb.shape[1];
    for (let j = 0; j < part.length; j++) out.push(l2normalize(emb.data.slice(j * dim, (j + 1) * dim)));
  }
  return out;
}

const overlaps = (s: { start: number; end: number }, e: { start: number; end: number }) =>
  Math.min(s.end, e.end) - Math.max(s.start, e.start) > 0;

/** Every window of the store with the classes of the events it overlaps. */
function windowClasses(store: VectorStore, timelines: ReadonlyMap<string, Timeline>, modality: string) {
  const out: Set<number>[] = [];
  for (const [path, tl] of timelines) {
    const item = store.getByPath(path, path.endsWith('.mp4') ? 'video' : 'audio');
    if (!item) continue;
    for (const s of store.segments.forItem(item.id))
      if (s.modality === modality) out.push(new Set(tl.events.filter((e) => overlaps(s, e)).map((e) => e.classId)));
  }
  return out;
}

export async function evaluateSegments(model: ImageBind, opts: SegmentEvalOptions): Promise<SegmentReport> {
  const seconds = opts.seconds ?? 10,
    duration = opts.duration ?? 180;
  const dir = await mkdtemp(join(tmpdir(), 'imagebind-segments-'));
  try {
    const timelines = new Map<string, Timeline>();
    for (let i = 0; i < opts.n; i++) {
      opts.onProgress?.(`recording ${i + 1}/${opts.n}`);
      const tl = sampleTimeline(opts.seed, i, { duration });
      const wav = join(dir, `recording-${i}.wav`);
      await writeTimelineWav(tl, wav);
      if (i % 2 === 0) timelines.set(wav, tl);
      else {
        const mp4 = join(dir, `recording-${i}.mp4`);
        await writeTimelineVideo(tl, mp4, { wav });
        await rm(wav);
        timelines.set(mp4, tl);
      }
    }
    const store = openModelStore(model, join(dir, 'index.db'), { create: true });
    try {
      opts.onProgress?.('indexing');
      const started = performance.now();
      const report = await indexPaths(model, store, [...timelines.keys()], { segments: seconds });
      const indexMs = performance.now() - started;
      if (report.failed.length > 0)
        throw new Error(`indexing failed: ${report.failed.map((f) => `${f.path}: ${f.message}`).join('; ')}`);
      const events = [...timelines.values()].flatMap((tl) => tl.events);
      const world = new World(opts.seed + 2, { scene: { distractorProb: 0 } });
      const windows = {
        audio: windowClasses(store, timelines, 'audio'),
        video: windowClasses(store, timelines, 'video'),
      };
      const classOfHit = (h: SegmentHit): Set<number> => {
        const tl = timelines.get(h.path)!;
        return new Set(tl.events.filter((e) => overlaps(h, e)).map((e) => e.classId));
      };
      const rows = {} as Record<SegmentQuery, SegmentRow>;
      for (const q of SEGMENT_QUERIES) {
        opts.onProgress?.(`${q} queries`);
        const vectors = await queryVectors(
          model,
          q,
          events.map((e) => e.classId),
          world,
        );
        const rate = (modalities: readonly ('audio' | 'video')[]): HitRate => {
          const pool = modalities.flatMap((m) => windows[m]);
          let hits = 0,
            chance = 0;
          events.forEach((e, k) => {
            const [best] = store.segments.search(vectors[k], { k: 1, modalities });
            if (best && classOfHit(best).has(e.classId)) hits++;
            chance += pool.filter((w) => w.has(e.classId)).length / Math.max(1, pool.length);
          });
          return { hit_rate: hits / Math.max(1, events.length), chance: chance / Math.max(1, events.length) };
        };
        rows[q] = {
          ...rate(['audio', 'video']),
          n: events.length,
          audio_windows: rate(['audio']),
          video_windows: rate(['video']),
        };
      }
      return {
        rows,
        recordings: opts.n,
        windows: { audio: windows.audio.length, video: windows.video.length },
        seconds,
        duration,
        seed: opts.seed,
        index_ms: indexMs,
      };
    } finally {
      store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
