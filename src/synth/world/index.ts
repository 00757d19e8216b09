/** The synthetic six-modality world: classes, scenes, renderers, model inputs, files. */
export { CLASSES, CLASS_NAMES, NUM_CLASSES, classById } from './classes.ts';
export type { ClassSpec, FormSpec, HeatSpec, MotionSpec, SoundSpec, VisualSpec, CaptionSpec } from './spec.ts';
export { sampleScene, primaryOf, type Scene, type SceneObject, type SceneOptions } from './scene.ts';
export { deriveRng, hashInts } from './rand.ts';
export { IMAGE_SIZE, renderImage, renderVideoFrames, type RawRgb } from './render-image.ts';
export { AUDIO_RATE, AUDIO_SECONDS, renderAudio } from './render-audio.ts';
export { MAX_DEPTH_M, depthToDisparityImage, depthToMillimetres, renderDepth } from './render-depth.ts';
export { renderThermal } from './render-thermal.ts';
export { GRAVITY, IMU_RATE, IMU_STEPS, renderImu } from './render-imu.ts';
export { captionScene } from './caption.ts';
export {
  SPLITS,
  WORLD_MODALITIES,
  World,
  type RawByModality,
  type Sample,
  type SplitName,
  type WorldModality,
  type WorldOptions,
  type WorldSplit,
} from './world.ts';
export {
  audioInput,
  depthInput,
  imageInput,
  imuInput,
  rawToModelInput,
  textInput,
  thermalInput,
  toModelInput,
  videoInput,
  worldInput,
  type InputOptions,
  type InputTensor,
} from './tensors.ts';
export { learnWorldMerges, worldTokenizer } from './vocab.ts';
export { nearestMeanAccuracy, simpleFeatures, type FeatureModality } from './features.ts';
export {
  FILE_MODALITIES,
  FILE_SUFFIX,
  baseName,
  imuCsv,
  writeSampleFiles,
  type FileModality,
  type ManifestEntry,
  type WriteOptions,
} from './files.ts';
export { encodePng, type PngPixels } from './png.ts';
