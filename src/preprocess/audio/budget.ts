/**
 * The audio limits of core/limits.ts applied to one input: sample rate, duration and decoded
 * bytes. Every decode path (WAV in TypeScript, sox, ffmpeg) checks the header's numbers before it
 * allocates, and the pipeline checks again after resampling (an upsampled waveform can be larger
 * than the decoded one). Pure, so the browser's WAV path uses it too.
 */
import { MediaError } from '../../core/errors.ts';
import { type Limits, limitError, limitValue } from '../../core/limits.ts';

export type AudioLimits = Pick<Limits, 'maxSampleRate' | 'maxAudioSeconds' | 'maxAudioBytes'>;

/** Refuses a sample rate over maxSampleRate (checked before any resampling kernel is built). */
export function checkSampleRate(rate: number, source: string, limits: AudioLimits = {}): void {
  const max = limitValue('maxSampleRate', limits.maxSampleRate);
  if (rate > max) {
    throw limitError(
      MediaError,
      'maxSampleRate',
      source,
      rate,
      max,
      'The header is probably damaged; re-export the file at a standard rate (e.g. 48000 Hz).',
    );
  }
}

/**
 * Checks `frames` frames of `channels` channels at `rate` Hz against every audio limit;
 * `frames` may be an estimate from a header (then the decoder checks the real count as it goes).
 */
export function checkAudioBudget(
  frames: number,
  channels: number,
  rate: number,
  source: string,
  limits: AudioLimits = {},
): void {
  checkSampleRate(rate, source, limits);
  const seconds = frames / rate;
  const maxSeconds = limitValue('maxAudioSeconds', limits.maxAudioSeconds);
  if (seconds > maxSeconds) {
    throw limitError(
      MediaError,
      'maxAudioSeconds',
      source,
      Number(seconds.toFixed(1)),
      maxSeconds,
      'Trim the file (only three 2 s clips are used).',
    );
  }
  checkAudioBytes(frames * channels * 4, source, limits);
}

/** Refuses a float32 waveform of `bytes` bytes over maxAudioBytes. */
export function checkAudioBytes(bytes: number, source: string, limits: AudioLimits = {}): void {
  const max = limitValue('maxAudioBytes', limits.maxAudioBytes);
  if (bytes > max)
    throw limitError(MediaError, 'maxAudioBytes', source, bytes, max, 'Trim the file or reduce its channels.');
}
