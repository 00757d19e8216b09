/**
 * Raw world data → model inputs through the project's real preprocessing, so the synthetic world
 * exercises exactly the code paths that real files go through (minus decoding).
 */
import type { Float32Tensor, Int64Tensor } from '../../core/tensor.ts';
import { float32 } from '../../core/tensor.ts';
import { preprocessWaveform } from '../../preprocess/audio/index.ts';
import { preprocessDisparity } from '../../preprocess/depth/index.ts';
import { imuFromColumns } from '../../preprocess/imu/index.ts';
import type { ClipTokenizer } from '../../preprocess/text/index.ts';
import { preprocessThermalRaw } from '../../preprocess/thermal/index.ts';
import { preprocessVisionRgb, toNormalizedTensor } from '../../preprocess/vision/index.ts';
import { AUDIO_RATE } from './render-audio.ts';
import { depthToDisparityImage } from './render-depth.ts';
import { IMAGE_SIZE, type RawRgb } from './render-image.ts';
import { IMU_STEPS } from './render-imu.ts';
import type { RawByModality, Sample, World, WorldModality } from './world.ts';

export interface InputOptions {
  /** Audio clips per sample: 3 is the official `clips_per_video`; 1 is a cheaper training variant. */
  audioClips?: 1 | 3;
  /** Required for 'text'. */
  tokenizer?: ClipTokenizer;
}

export type InputTensor<M extends WorldModality> = M extends 'text' ? Int64Tensor : Float32Tensor;

/** 'image' → [3,224,224] (the official vision transform; a 224×224 input makes its resize an identity). */
export function imageInput(img: RawRgb): Float32Tensor {
  return preprocessVisionRgb(img);
}

/** Two frames → [3, 2, 224, 224] (C, T, H, W), `/255` then CLIP normalisation per frame. */
export function videoInput(frames: readonly RawRgb[]): Float32Tensor {
  const per = frames.map((f) => toNormalizedTensor(f.data, f.width, f.height, 3));
  const plane = IMAGE_SIZE * IMAGE_SIZE,
    T = frames.length;
  const out = new Float32Array(3 * T * plane);
  for (let c = 0; c < 3; c++)
    for (let t = 0; t < T; t++) out.set(per[t].data.subarray(c * plane, (c + 1) * plane), (c * T + t) * plane);
  return float32([3, T, IMAGE_SIZE, IMAGE_SIZE], out);
}

/** 16 kHz mono → [clips, 1, 128, 204] with the official fbank + normalisation. */
export function audioInput(wave: Float32Array, clips: 1 | 3 = 3): Float32Tensor {
  return preprocessWaveform([wave], AUDIO_RATE, { clipsPerVideo: clips });
}

/** Metres → disparity → [1, 224, 224]. */
export function depthInput(depth: Float32Array): Float32Tensor {
  return preprocessDisparity(depthToDisparityImage(depth));
}

/** 8-bit thermal → [1, 224, 224] in [0, 1] (the loader's default for 8-bit files). */
export function thermalInput(thermal: Uint8Array): Float32Tensor {
  return preprocessThermalRaw({
    width: IMAGE_SIZE,
    height: IMAGE_SIZE,
    channels: 1,
    bitDepth: 8,
    data: thermal,
    format: 'png',
  });
}

/** Channel-major 6 × 2000 → [6, 2000] through `imuFromColumns` (400 Hz, so copied as is). */
export function imuInput(imu: Float32Array): Float32Tensor {
  const channels = Array.from({ length: 6 }, (_, k) => imu.subarray(k * IMU_STEPS, (k + 1) * IMU_STEPS));
  return imuFromColumns({ channels, source: '<world imu>' }).tensor;
}

export function textInput(captions: readonly string[], tokenizer: ClipTokenizer): Int64Tensor {
  return tokenizer.tokenize(captions);
}

/** One modality's raw data → its model input (no batch axis, except text's [1, 77]). */
export function rawToModelInput<M extends WorldModality>(
  modality: M,
  raw: RawByModality[M],
  opts: InputOptions = {},
): InputTensor<M> {
  const r = raw as RawByModality[WorldModality];
  let t: Float32Tensor | Int64Tensor;
  switch (modality) {
    case 'image':
      t = imageInput(r as RawRgb);
      break;
    case 'video':
      t = videoInput(r as RawRgb[]);
      break;
    case 'audio':
      t = audioInput(r as Float32Array, opts.audioClips ?? 3);
      break;
    case 'depth':
      t = depthInput(r as Float32Array);
      break;
    case 'thermal':
      t = thermalInput(r as Uint8Array);
      break;
    case 'imu':
      t = imuInput(r as Float32Array);
      break;
    case 'text': {
      if (!opts.tokenizer)
        throw new RangeError("toModelInput(..., 'text') needs opts.tokenizer (e.g. worldTokenizer())");
      t = textInput([r as string], opts.tokenizer);
      break;
    }
    default:
      throw new RangeError(`unknown world modality '${String(modality)}'`);
  }
  return t as InputTensor<M>;
}

const FIELD: { [K in WorldModality]: (s: Sample) => RawByModality[K] } = {
  image: (s) => s.image,
  video: (s) => s.video,
  text: (s) => s.caption,
  audio: (s) => s.audio,
  depth: (s) => s.depth,
  thermal: (s) => s.thermal,
  imu: (s) => s.imu,
};

export function toModelInput<M extends WorldModality>(
  sample: Sample,
  modality: M,
  opts: InputOptions = {},
): InputTensor<M> {
  return rawToModelInput(modality, FIELD[modality](sample), opts);
}

/** Renders only `modality` of sample `index` and preprocesses it: the fast path for training. */
export function worldInput<M extends WorldModality>(
  world: World,
  index: number,
  modality: M,
  opts: InputOptions = {},
): InputTensor<M> {
  return rawToModelInput(modality, world.render(index, modality), opts);
}
