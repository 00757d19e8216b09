/** imagebind-ts public API. */
export { ImageBind, type LoadOptions } from './embed/imagebind.ts';
export { loadTokenizer } from './embed/tokenizer.ts';
export {
  ImageBindError,
  CheckpointError,
  ConfigError,
  MediaError,
  ShapeError,
  StoreError,
  ServerError,
  TrainingError,
  DownloadError,
  GenerationError,
} from './core/errors.ts';
export type { QueryPart } from './embed/compose.ts';
export type { GenerateOptions, GeneratedImage } from './embed/generate.ts';
export { imageToPng, writeImages } from './apps/generate/output.ts';
export type { Tensor, Float32Tensor, Int64Tensor, DType } from './core/tensor.ts';
export { readNpy, writeNpy, parseNpy, encodeNpy } from './core/npy.ts';
export { openCheckpoint } from './checkpoint/open.ts';
export type { CheckpointReader, TensorInfo } from './checkpoint/types.ts';
export { MODALITIES, type Modality, type ImageBindConfig, presetConfig, resolveConfig } from './model/config.ts';
export { loadConfigFile } from './model/config-file.ts';
export { convertCheckpoint, type ConvertOptions } from './model/convert.ts';
export type { Manifest } from './model/manifest.ts';
export { loadBytes, loadFile, type FileKind, type LoaderOptions } from './preprocess/loaders.ts';
export { FILE_KINDS, INPUT_KINDS, type InputKind, encoderFor, kindOfFileName } from './core/modalities.ts';
export { ClipTokenizer } from './preprocess/text/index.ts';
export {
  locate,
  locateVector,
  type LocateAppOptions,
  type LocateImageResult,
  type LocateQuery,
} from './apps/locate/app.ts';
export { renderHeatmapPng } from './apps/locate/render.ts';
export { embedFileSegments, type FileSegments, type SegmentVector } from './apps/segments/embed.ts';
export { rankSegments, type RankedSegment } from './apps/segments/rank.ts';
