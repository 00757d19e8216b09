/**
 * One entry point for inputs of every modality: a path or a file's bytes in, the official
 * model-input tensor out (per item, without the batch dimension). Bytes are decoded in memory;
 * only the FFmpeg/sox formats pass through a temp file (temp-input.ts). Video is its own input kind
 * but feeds the vision encoder; each loader keeps its own options.
 */
import type { DepthOptions } from './depth/depth.ts';
import { loadDepthBytes, loadDepthFile } from './depth/index.ts';
import { type LoadAudioOptions, loadAudioBytes, loadAudioFile } from './audio/index.ts';
import { type ImuOptions, loadImuBytes, loadImuFile } from './imu/index.ts';
import { type ThermalOptions, loadThermalFile, preprocessThermalBuffer } from './thermal/index.ts';
import { type VideoOptions, loadVideoBytes, loadVideoFile } from './video/index.ts';
import { loadVisionFile, preprocessVisionBuffer } from './vision/index.ts';
import type { VisionOptions } from './vision/vision.ts';
import type { Float32Tensor } from '../core/tensor.ts';
import type { FileKind } from '../core/modalities.ts';

export { FILE_KINDS, type FileKind } from '../core/modalities.ts';

export interface LoaderOptions {
  readonly vision?: VisionOptions;
  readonly audio?: LoadAudioOptions;
  readonly video?: VideoOptions;
  readonly depth?: DepthOptions;
  readonly thermal?: ThermalOptions;
  readonly imu?: ImuOptions;
  /** Receives non-fatal notes (IMU padding, odd units, ...). */
  readonly onWarning?: (path: string, message: string) => void;
}

export async function loadFile(kind: FileKind, path: string, opts: LoaderOptions = {}): Promise<Float32Tensor> {
  switch (kind) {
    case 'vision':
      return loadVisionFile(path, opts.vision);
    case 'audio':
      return loadAudioFile(path, opts.audio);
    case 'video':
      return loadVideoFile(path, opts.video);
    case 'depth':
      return loadDepthFile(path, opts.depth);
    case 'thermal':
      return loadThermalFile(path, opts.thermal);
    case 'imu': {
      const r = await loadImuFile(path, opts.imu);
      for (const w of r.warnings) opts.onWarning?.(path, w);
      return r.tensor;
    }
  }
}

/**
 * A file's bytes → its tensor. `name` stands for the input in messages and warnings; an extension
 * in it picks the format where a loader reads several (IMU, depth), otherwise the content decides.
 */
export async function loadBytes(
  kind: FileKind,
  bytes: Uint8Array,
  name: string,
  opts: LoaderOptions = {},
): Promise<Float32Tensor> {
  switch (kind) {
    case 'vision':
      return preprocessVisionBuffer(bytes, name, opts.vision);
    case 'audio':
      return loadAudioBytes(bytes, name, opts.audio);
    case 'video':
      return loadVideoBytes(bytes, name, opts.video);
    case 'depth':
      return loadDepthBytes(bytes, name, opts.depth);
    case 'thermal':
      return preprocessThermalBuffer(bytes, name, opts.thermal);
    case 'imu': {
      const r = loadImuBytes(bytes, name, opts.imu);
      for (const w of r.warnings) opts.onWarning?.(name, w);
      return r.tensor;
    }
  }
}
