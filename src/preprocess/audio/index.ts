/**
 * Audio preprocessing: file → `clips x 1 x 128 x 204` float32, matching
 * `imagebind.data.load_and_transform_audio_data` (see pipeline.ts for the steps).
 */
import { type ImageBindError, MediaError } from '../../core/errors.ts';
import { settleEach } from '../batch.ts';
import type { Float32Tensor } from '../../core/tensor.ts';
import { decodeAudioBytes, decodeAudioFile, type DecodeOptions } from './decode.ts';
import { preprocessWaveform, type AudioOptions } from './pipeline.ts';

export { decodeWav, looksLikeWav, parseWavHeader, type DecodedAudio, type WavDecodeOptions } from './wav.ts';
export { checkAudioBudget, checkSampleRate, type AudioLimits } from './budget.ts';
export { soxTypeOf, type SoxType } from './sniff.ts';
export { encodeWav, type WavEncodeOptions } from './wav-encode.ts';
export {
  decodeAudioBytes,
  decodeAudioFile,
  decodeWithFfmpeg,
  decodeWithSox,
  type AudioDecoder,
  type DecodedAudioFile,
  type DecodeOptions,
} from './decode.ts';
export { resample, resampleChannel, resampledLength, type ResampleOptions } from './resample.ts';
export { sampleClips, exactFraction, type ClipBounds } from './clips.ts';
export { fbank, fbankWindowSize, type Fbank, type FbankOptions } from './fbank.ts';
export { melBanks } from './melbanks.ts';
export {
  AUDIO_DEFAULTS,
  clipFbanks,
  normalizeFbank,
  preprocessWaveform,
  toModelRate,
  type AudioOptions,
} from './pipeline.ts';

export type LoadAudioOptions = AudioOptions & DecodeOptions;

/** Decodes `path` and applies the official transform: `clips x 1 x mel x targetLength`. */
export async function loadAudioFile(path: string, opts: LoadAudioOptions = {}): Promise<Float32Tensor> {
  const decoded = await decodeAudioFile(path, opts);
  return preprocessWaveform(decoded.channels, decoded.sampleRate, opts, path);
}

/** The same from the file's bytes; `name` stands for the input in messages. */
export async function loadAudioBytes(
  bytes: Uint8Array,
  name: string,
  opts: LoadAudioOptions = {},
): Promise<Float32Tensor> {
  const decoded = await decodeAudioBytes(bytes, name, opts);
  return preprocessWaveform(decoded.channels, decoded.sampleRate, opts, name);
}

export type AudioBatchItem =
  | { readonly ok: true; readonly path: string; readonly tensor: Float32Tensor }
  | { readonly ok: false; readonly path: string; readonly error: ImageBindError };

/**
 * Loads many files; one bad file yields `{ ok: false, error }` in its slot instead of failing
 * the batch. `concurrency` bounds the number of files (and ffmpeg processes) in flight.
 */
export async function loadAudioFiles(
  paths: readonly string[],
  opts: LoadAudioOptions & { concurrency?: number } = {},
): Promise<AudioBatchItem[]> {
  const settled = await settleEach(
    paths,
    (p) => loadAudioFile(p, opts),
    (path, e) =>
      new MediaError(
        'AUDIO_DECODE_FAILED',
        `${path}: unexpected failure while preprocessing audio: ${(e as Error).message}`,
        { cause: e },
      ),
    opts.concurrency ?? 4,
  );
  return settled.map((r) => (r.ok ? { ok: true, path: r.path, tensor: r.value } : r));
}
