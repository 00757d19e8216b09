/**
 * Scene → mono waveform at 16 kHz: each object's class recipe (tones, noise bands, FM) shaped by
 * its rhythm, the primary loud and distractors quiet, over a low-passed background hiss.
 */
import type { Rng } from '../../core/random.ts';
import { classById } from './classes.ts';
import type { Scene, SceneObject } from './scene.ts';
import type { Range, Rhythm, SoundLayer } from './spec.ts';

export const AUDIO_RATE = 16000;
export const AUDIO_SECONDS = 2;

const TAU = 2 * Math.PI;
const lerp = (r: Range, u: number): number => r[0] + (r[1] - r[0]) * u;

/** Amplitude envelope and, per sample, the position inside the current event (0..1, for glides). */
function envelope(rhythm: Rhythm, tempo: number, n: number, rng: Rng): { env: Float32Array; pos: Float32Array } {
  const env = new Float32Array(n),
    pos = new Float32Array(n);
  if (rhythm.kind === 'continuous') {
    const [rate, depth] = rhythm.am ?? [0, 0];
    const ph = rng.next() * TAU;
    for (let i = 0; i < n; i++) env[i] = 1 - depth * 0.5 * (1 + Math.sin((TAU * rate * i) / AUDIO_RATE + ph));
    return { env, pos };
  }
  const rate = lerp(rhythm.rate, tempo);
  const period = AUDIO_RATE / rate;
  const atk = Math.max(1, rhythm.attack * AUDIO_RATE),
    dec = rhythm.decay * AUDIO_RATE;
  const span = atk + 6 * dec;
  for (let k = -Math.ceil(span / period) - 1, start = -rng.next() * period; ; k++) {
    const t0 = Math.round(start + k * period + (rng.next() - 0.5) * rhythm.jitter * period);
    if (t0 >= n) break;
    const gain = 0.7 + 0.3 * rng.next();
    for (let i = Math.max(0, t0); i < Math.min(n, t0 + span); i++) {
      const tau = i - t0;
      const e = gain * (tau < atk ? tau / atk : Math.exp(-(tau - atk) / dec));
      if (e > env[i]) {
        env[i] = e;
        pos[i] = Math.min(1, tau / (atk + 3 * dec));
      }
    }
  }
  return { env, pos };
}

/** RBJ band-pass biquad (0 dB peak) over white noise. */
function bandNoise(band: Range, n: number, rng: Rng, out: Float32Array, gain: number, env: Float32Array): void {
  const hi = Math.min(band[1], AUDIO_RATE * 0.45),
    f0 = Math.sqrt(band[0] * hi);
  const q = f0 / Math.max(1, hi - band[0]);
  const w = (TAU * f0) / AUDIO_RATE,
    alpha = Math.sin(w) / (2 * q),
    a0 = 1 + alpha;
  const b0 = alpha / a0,
    b2 = -alpha / a0,
    a1 = (-2 * Math.cos(w)) / a0,
    a2 = (1 - alpha) / a0;
  let x1 = 0,
    x2 = 0,
    y1 = 0,
    y2 = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.next() * 2 - 1;
    const y = b0 * x + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    out[i] += gain * env[i] * y * 2;
  }
}

function layer(
  l: SoundLayer,
  o: SceneObject,
  n: number,
  rng: Rng,
  out: Float32Array,
  env: Float32Array,
  pos: Float32Array,
): void {
  if (l.type === 'noise') {
    bandNoise(l.band, n, rng, out, l.gain, env);
    return;
  }
  const f0 = lerp(l.f0, o.pitch);
  if (l.type === 'fm') {
    const fm = l.ratio * f0,
      dev = l.index * fm;
    let pc = rng.next() * TAU,
      pm = rng.next() * TAU;
    for (let i = 0; i < n; i++) {
      pm += (TAU * fm) / AUDIO_RATE;
      pc += (TAU * (f0 + dev * Math.sin(pm))) / AUDIO_RATE;
      out[i] += l.gain * env[i] * Math.sin(pc);
    }
    return;
  }
  const [vr, vd] = l.vibrato ?? [0, 0];
  const glide = l.glide ?? 0;
  const parts = l.ratios
    .map((r, k) => [r, l.amps[k]] as const)
    .filter(([r]) => r * f0 * (1 + Math.abs(glide)) < AUDIO_RATE * 0.45);
  let ph = rng.next() * TAU;
  for (let i = 0; i < n; i++) {
    if (env[i] < 1e-4) {
      ph += (TAU * f0) / AUDIO_RATE;
      continue;
    }
    const f = f0 * (1 + glide * pos[i]) * (1 + vd * Math.sin((TAU * vr * i) / AUDIO_RATE));
    ph += (TAU * f) / AUDIO_RATE;
    let s = 0;
    for (const [r, a] of parts) s += a * Math.sin(r * ph);
    out[i] += l.gain * env[i] * s;
  }
}

function objectSound(o: SceneObject, n: number, rng: Rng): Float32Array {
  const spec = classById(o.classId).sound;
  const { env, pos } = envelope(spec.rhythm, o.tempo, n, rng);
  const out = new Float32Array(n);
  for (const l of spec.layers) layer(l, o, n, rng, out, env, pos);
  // Normalise the loudest stretch, not the mean, so sparse pulses are as loud as drones.
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(out[i]));
  const g = peak > 0 ? (0.45 * o.loudness) / peak : 0;
  for (let i = 0; i < n; i++) out[i] *= g;
  return out;
}

export function renderAudio(scene: Scene, rng: Rng, seconds = AUDIO_SECONDS): Float32Array {
  const n = Math.round(seconds * AUDIO_RATE);
  const mix = new Float32Array(n);
  for (const o of scene.objects) {
    const s = objectSound(o, n, rng);
    for (let i = 0; i < n; i++) mix[i] += s[i];
  }
  // Room hiss: one-pole low-passed white noise.
  let lp = 0;
  const sigma = scene.audioNoise * 3;
  for (let i = 0; i < n; i++) {
    lp += 0.3 * ((rng.next() * 2 - 1) * sigma - lp);
    mix[i] += lp;
  }
  let peak = 0;
  for (let i = 0; i < n; i++) peak = Math.max(peak, Math.abs(mix[i]));
  if (peak > 0.99) for (let i = 0; i < n; i++) mix[i] *= 0.99 / peak;
  return mix;
}
