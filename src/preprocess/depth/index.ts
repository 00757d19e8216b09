/** Depth preprocessing: depth/disparity files → 1x224x224 float32 disparity. See README.md. */
export {
  NYU_FOCAL_LENGTH,
  SENSOR_BASELINES,
  depthToDisparity,
  resolveSensor,
  type DisparityOptions,
  type SensorPreset,
} from './disparity.ts';
export {
  DEPTH_SIZE,
  depthMapFromBytes,
  loadDepthBytes,
  loadDepthFile,
  preprocessDisparity,
  readDepthMap,
  toDisparity,
  type DepthKind,
  type DepthOptions,
} from './depth.ts';
export { encodePfm, parsePfm, type FloatImage } from './pfm.ts';
