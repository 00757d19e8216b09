/**
 * One entry point for file inputs of every modality: path in, the official model-input tensor out
 * (per item, without the batch dimension). Video is its own input kind but feeds the vision
 * encoder; each loader keeps its own options.
 */
import type { DepthOptions } from './depth/depth.ts';
import { loadDepthFile } from './depth/index.ts';
import { type LoadAudioOptions, loadAudioFile } from './audio/index.ts';
import { type ImuOptions, loadImuFile } from './imu/index.ts';
import { type ThermalOptions, loadThermalFile } from './thermal/index.ts';
import { type VideoOptions, loadVideoFile } from './video/index.ts';
import { loadVisionFile } from './vision/index.ts';
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
