/**
 * `imagebind/data.py: load_and_transform_audio_data` after decoding: resample to 16 kHz, cut
 * constant clips, per clip `waveform -= waveform.mean()` (in place) + kaldi fbank + pad/trim,
 * then `Normalize(mean, std)`. Output `clips x 1 x mel x target_length` float32.
 */
import { MediaError } from '../../core/errors.ts';
import { float32, type Float32Tensor } from '../../core/tensor.ts';
import { sampleClips, type ClipBounds } from './clips.ts';
import { fbank, fbankWindowSize } from './fbank.ts';
import { type AudioLimits, checkAudioBudget, checkAudioBytes, checkSampleRate } from './budget.ts';
import { resample, resampledLength } from './resample.ts';

export interface AudioOptions {
  /** Rate the model expects (data.py `sample_rate`). */
  sampleRate?: number;
  numMelBins?: number;
  targetLength?: number;
  clipDuration?: number;
  clipsPerVideo?: number;
  mean?: number;
  std?: number;
  /** Receives the official "Large gap between audio n_frames ..." warnings. */
  onWarning?: (message: string) => void;
  /** Overrides of maxSampleRate, maxAudioSeconds and maxAudioBytes (core/limits.ts). */
  limits?: AudioLimits;
}

export const AUDIO_DEFAULTS = {
  sampleRate: 16000,
  numMelBins: 128,
  targetLength: 204,
  clipDuration: 2,
  clipsPerVideo: 3,
  mean: -4.268,
  std: 9.138,
} as const;

type Resolved = Omit<Required<AudioOptions>, 'onWarning' | 'limits'> & Pick<AudioOptions, 'onWarning' | 'limits'>;

function resolve(opts: AudioOptions): Resolved {
  return { ...AUDIO_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
}

const f = Math.fround;

function checkChannels(channels: readonly Float32Array[], source: string): number {
  if (channels.length === 0)
    throw new MediaError(
      'AUDIO_EMPTY',
      `${source}: the audio has no channels. Provide at least one channel of samples.`,
    );
  const n = channels[0].length;
  if (channels.some((c) => c.length !== n)) {
    throw new MediaError(
      'AUDIO_INVALID',
      `${source}: channels have different lengths (${channels.map((c) => c.length).join(', ')}). Pass equally long channels.`,
    );
  }
  if (n === 0)
    throw new MediaError('AUDIO_EMPTY', `${source}: the audio contains no samples. Use a file with sound in it.`);
  for (const c of channels) {
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(c[i]))
        throw new MediaError(
          'AUDIO_INVALID',
          `${source}: sample ${i} is ${c[i]} (not finite). Repair or re-export the audio.`,
        );
    }
  }
  return n;
}

/**
 * Unnormalised log-mel per clip (`clips x mel x targetLength`) from a waveform already at
 * `opts.sampleRate`. The waveform is copied first: the official in-place mean subtraction is
 * reproduced on that copy, including its carry-over into later overlapping clips.
 */
export function clipFbanks(
  wave: readonly Float32Array[],
  opts: AudioOptions = {},
  source = '<waveform>',
): { fbank: Float32Tensor; clips: ClipBounds[] } {
  const o = resolve(opts);
  const n = checkChannels(wave, source);
  const shared = wave.map((c) => Float32Array.from(c));
  const clips = sampleClips(n, o.sampleRate, o.clipDuration, o.clipsPerVideo);
  const need = fbankWindowSize({ sampleFrequency: o.sampleRate });
  const { numMelBins: bins, targetLength: target } = o;
  const out = new Float32Array(clips.length * bins * target);
  clips.forEach((clip, ci) => {
    const len = clip.sliceEnd - clip.sliceStart;
    if (len < need) {
      const ms = ((len / o.sampleRate) * 1000).toFixed(1);
      throw new MediaError(
        'AUDIO_TOO_SHORT',
        `${source}: clip ${ci} has ${len} samples (${ms} ms at ${o.sampleRate} Hz), shorter than one ${need}-sample analysis frame. Use audio of at least ${(need / o.sampleRate) * 1000} ms.`,
      );
    }
    let sum = 0;
    for (const c of shared) for (let i = clip.sliceStart; i < clip.sliceEnd; i++) sum += c[i];
    const mean = f(f(sum) / (len * shared.length));
    for (const c of shared) for (let i = clip.sliceStart; i < clip.sliceEnd; i++) c[i] = f(c[i] - mean);
    const fb = fbank(shared[0].subarray(clip.sliceStart, clip.sliceEnd), {
      sampleFrequency: o.sampleRate,
      numMelBins: bins,
    });
    const gap = target - fb.frames;
    if (Math.abs(gap) / fb.frames > 0.2) {
      o.onWarning?.(
        `Large gap between audio n_frames(${fb.frames}) and target_length (${target}). Is the audio_target_length setting correct?`,
      );
    }
    // Transpose frames x mel -> mel x frames; columns past the signal stay 0 (the official pad value).
    const base = ci * bins * target;
    const cols = Math.min(fb.frames, target);
    for (let b = 0; b < bins; b++) for (let t = 0; t < cols; t++) out[base + b * target + t] = fb.data[t * bins + b];
  });
  return { fbank: float32([clips.length, bins, target], out), clips };
}

/** torchvision `Normalize(mean, std)` on `clips x mel x T`, adding the channel axis. */
export function normalizeFbank(
  t: Float32Tensor,
  mean: number = AUDIO_DEFAULTS.mean,
  std: number = AUDIO_DEFAULTS.std,
): Float32Tensor {
  const m = f(mean);
  const s = f(std);
  const out = new Float32Array(t.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(f(t.data[i] - m) / s);
  const [clips, bins, target] = t.shape;
  return float32([clips, 1, bins, target], out);
}

/** Resamples to `opts.sampleRate` when needed (torchaudio's resample), without mutating input. */
export function toModelRate(
  channels: readonly Float32Array[],
  sampleRate: number,
  opts: AudioOptions = {},
): Float32Array[] {
  const o = resolve(opts);
  const target = o.sampleRate;
  return sampleRate === target
    ? [...channels]
    : resample(channels, sampleRate, target, { maxSampleRate: o.limits?.maxSampleRate });
}

/** The whole official transform from decoded samples (channels x samples at `sampleRate`). */
export function preprocessWaveform(
  channels: readonly Float32Array[],
  sampleRate: number,
  opts: AudioOptions = {},
  source = '<waveform>',
): Float32Tensor {
  const o = resolve(opts);
  checkChannels(channels, source);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) {
    throw new MediaError(
      'AUDIO_BAD_RATE',
      `${source}: sample rate ${sampleRate} Hz is not a positive integer. Pass the rate the samples were recorded at.`,
    );
  }
  // The limits again here, for waveforms that did not come through a decoder, and for the
  // resampled size: upsampling a long low-rate file multiplies it.
  const frames = channels[0].length;
  checkAudioBudget(frames, channels.length, sampleRate, source, o.limits);
  checkSampleRate(o.sampleRate, source, o.limits);
  checkAudioBytes(resampledLength(frames, sampleRate, o.sampleRate) * channels.length * 4, source, o.limits);
  const wave = toModelRate(channels, sampleRate, o);
  return normalizeFbank(clipFbanks(wave, o, source).fbank, o.mean, o.std);
}
