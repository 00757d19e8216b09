/**
 * Seed derivation and sampling helpers on top of core's `Rng`. Every (seed, index, stream) gets its
 * own generator, so a sample (and each modality of it) is a pure function of its coordinates and
 * never of the order in which other samples or modalities were drawn.
 */
import { Rng } from '../../core/random.ts';
import type { Range } from './spec.ts';

/** Named sub-streams; the numbers are part of the data format (changing them changes the world). */
export const STREAMS = {
  scene: 1,
  image: 2,
  video: 3,
  audio: 4,
  depth: 5,
  thermal: 6,
  imu: 7,
  caption: 8,
  classOrder: 9,
  layout: 10,
  timeline: 11,
} as const;
export type StreamName = keyof typeof STREAMS;

function mix(h: number, v: number): number {
  // murmur3-style mixing of one 32-bit word into the running hash.
  let k = Math.imul(v >>> 0, 0xcc9e2d51);
  k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) >>> 0;
}

function finalise(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A 32-bit hash of non-negative integers below 2^53 (the high word is mixed in as well). */
export function hashInts(...values: number[]): number {
  let h = 0x9747b28c;
  for (const v of values) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`hashInts: ${v} is not a non-negative safe integer`);
    h = mix(h, v % 4294967296);
    h = mix(h, Math.floor(v / 4294967296));
  }
  return finalise(h);
}

export function deriveRng(seed: number, index: number, stream: StreamName): Rng {
  return new Rng(hashInts(seed, index, STREAMS[stream]));
}

export function uniform(rng: Rng, r: Range): number {
  return r[0] + (r[1] - r[0]) * rng.next();
}

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[rng.int(items.length)];
}

/** Fisher–Yates on a fresh array. */
export function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
