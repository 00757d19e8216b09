/** Training-free localisation: dense patch similarity with verified proposals, or multi-scale crop scoring. */
export {
  DEFAULT_TEXT_TEMPLATE,
  LOCATE_METHODS,
  applyTemplate,
  locate,
  locateVector,
  queryEmbedding,
  type LocateAppOptions,
  type LocateBackend,
  type LocateImageResult,
  type LocateMethod,
  type LocateQuery,
} from './app.ts';
export { PreparedImage, type DenseEmbedder, type DetectOptions, type DetectResult } from './detect.ts';
export { cropRgb, locateInImage, type LocateOptions, type LocateResult, type VisionEmbedder } from './locate.ts';
export { buildHeatmap, heatmapPeak, type Heatmap, type HeatmapReduce, type ScoredBox } from './heatmap.ts';
export {
  jet,
  overlayPixels,
  renderHeatmapPng,
  upsampleNormalized,
  type LabelledBox,
  type Legend,
  type RenderOptions,
} from './render.ts';
export { DEFAULT_SCALES, DEFAULT_STRIDE, slidingWindows, type Box } from './windows.ts';
export { iou, nms, contextSquare } from './boxes.ts';
