/** Vision preprocessing: file/buffer → 3x224x224 float32, matching `imagebind.data` bit for bit. */
export { decodeImage, decodeRaw, rawToRgb, type DecodeOptions, type RawImage, type RgbImage } from '../image/decode.ts';
export { sniffImageFormat, type ImageFormat } from '../image/formats.ts';
export { centerCrop, centerCropOffsets, resizedSize, roundHalfEven } from '../image/geometry.ts';
export { resizeBicubicPIL, resizeBicubicPILFloat } from '../image/pil-resample.ts';
export { CLIP_MEAN, CLIP_STD, toNormalizedTensor } from './normalize.ts';
export {
  VISION_SIZE,
  loadVisionFile,
  loadVisionFiles,
  preprocessVisionBuffer,
  preprocessVisionRgb,
  type VisionOptions,
  type VisionResult,
} from './vision.ts';
