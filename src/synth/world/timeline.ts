/**
 * Long recordings with a known timeline: a quiet, empty room in which a few things of distinct
 * classes appear one after another, each for several seconds, then leave. Sound and pictures are
 * rendered piecewise from the world's scenes (any stretch of time on demand), so an hour-long
 * recording is never held in memory; `timeline-files.ts` writes them as WAV / MP4 files.
 */
import { Rng } from '../../core/random.ts';
import { NUM_CLASSES } from './classes.ts';
import { STREAMS, hashInts, shuffled, uniform } from './rand.ts';
import { AUDIO_RATE, renderAudio } from './render-audio.ts';
import { type RawRgb, renderImage } from './render-image.ts';
import { type Scene, sampleScene } from './scene.ts';

export interface TimelineEvent {
  readonly classId: number;
  /** Seconds from the start of the recording. */
  readonly start: number;
  readonly end: number;
  /** The thing that appears (a world scene with this class as its only object). */
  readonly scene: Scene;
}

export interface Timeline {
  readonly duration: number;
  readonly events: readonly TimelineEvent[];
  /** The empty room (background, light, noise) shown and heard between events. */
  readonly room: Scene;
  readonly seed: number;
}

export interface TimelineOptions {
  /** Seconds (default 180). */
  readonly duration?: number;
  /** Events per recording, of distinct classes (default 4). */
  readonly events?: number;
  /** Event lengths in seconds (default 8–16). */
  readonly eventSeconds?: readonly [number, number];
}

const rngFor = (seed: number, index: number, part: number) => new Rng(hashInts(seed, index, STREAMS.timeline, part));

/** Recording `index` of the set with world seed `seed`: a pure function of both. */
export function sampleTimeline(seed: number, index: number, opts: TimelineOptions = {}): Timeline {
  const duration = opts.duration ?? 180;
  const count = opts.events ?? 4;
  const [lo, hi] = opts.eventSeconds ?? [8, 16];
  if (!(duration > 0 && count >= 0 && count <= NUM_CLASSES && lo > 0 && hi >= lo && count * (hi + 2) <= duration))
    throw new RangeError(`sampleTimeline: ${count} events of ${lo}–${hi} s do not fit in ${duration} s`);
  const rng = rngFor(seed, index, 0);
  const classes = shuffled(
    rng,
    Array.from({ length: NUM_CLASSES }, (_, k) => k),
  ).slice(0, count);
  const lengths = classes.map(() => uniform(rng, [lo, hi]));
  // Gaps: the free time split at random among count + 1 gaps, each event at least 2 s from the next.
  const free = duration - lengths.reduce((a, b) => a + b, 0) - 2 * count;
  const cuts = Array.from({ length: count }, () => rng.next() * free).sort((a, b) => a - b);
  const room = { ...sampleScene(rng, classes[0] ?? 0, { maxDistractors: 0 }), objects: [] };
  let t = 0;
  const events = classes.map((classId, k) => {
    // The gap before event k: its share of the free time, plus 2 s of guaranteed silence.
    t += cuts[k] - (k > 0 ? cuts[k - 1] : 0) + (k > 0 ? 2 : 1);
    const start = t;
    t += lengths[k];
    const thing = sampleScene(rng, classId, { maxDistractors: 0 });
    // The thing appears in the same room.
    return { classId, start, end: start + lengths[k], scene: { ...room, objects: thing.objects } };
  });
  return { duration, events, room, seed: hashInts(seed, index) };
}

function eventAt(tl: Timeline, t: number): number {
  return tl.events.findIndex((e) => t >= e.start && t < e.end);
}

/**
 * Samples [from, to) at 16 kHz: the room's hiss, and each event's sound over its span (rendered
 * for the whole event from the event's own stream, with 50 ms fades, so pieces join seamlessly).
 */
export function renderTimelineAudio(tl: Timeline, from: number, to: number): Float32Array {
  const a = Math.round(from * AUDIO_RATE),
    b = Math.round(to * AUDIO_RATE);
  const out = new Float32Array(Math.max(0, b - a));
  // Hiss: the empty room's sound, rendered per second (its own stream per second index).
  for (let s = Math.floor(a / AUDIO_RATE); s * AUDIO_RATE < b; s++) {
    const hiss = renderAudio(tl.room, new Rng(hashInts(tl.seed, 1, s)), 1);
    for (let i = 0; i < AUDIO_RATE; i++) {
      const at = s * AUDIO_RATE + i - a;
      if (at >= 0 && at < out.length) out[at] += hiss[i];
    }
  }
  tl.events.forEach((e, k) => {
    const ea = Math.round(e.start * AUDIO_RATE),
      eb = Math.round(e.end * AUDIO_RATE);
    if (eb <= a || ea >= b) return;
    const sound = renderAudio(e.scene, new Rng(hashInts(tl.seed, 2, k)), (eb - ea) / AUDIO_RATE);
    const fade = Math.round(0.05 * AUDIO_RATE);
    for (let i = Math.max(ea, a); i < Math.min(eb, b); i++) {
      const j = i - ea;
      const g = Math.min(1, j / fade, (eb - ea - j) / fade);
      out[i - a] += g * sound[j];
    }
  });
  for (let i = 0; i < out.length; i++) out[i] = Math.max(-1, Math.min(1, out[i]));
  return out;
}

/** The picture at time t: the thing on screen then, or the empty room. */
export function renderTimelineFrame(tl: Timeline, t: number, frameIndex: number, size = 224): RawRgb {
  const k = eventAt(tl, t);
  return renderImage(k >= 0 ? tl.events[k].scene : tl.room, new Rng(hashInts(tl.seed, 3, frameIndex)), size);
}
