/** Training-free localisation: multi-scale crops scored against an audio/text query. */
export {
  locate,
  queryEmbedding,
  type LocateAppOptions,
  type LocateBackend,
  type LocateImageResult,
  type LocateQuery,
} from './app.ts';
export { cropRgb, locateInImage, type LocateOptions, type LocateResult, type VisionEmbedder } from './locate.ts';
export { buildHeatmap, heatmapPeak, type Heatmap, type HeatmapReduce, type ScoredBox } from './heatmap.ts';
export { jet, overlayPixels, renderHeatmapPng, upsampleNormalized } from './render.ts';
export { DEFAULT_SCALES, DEFAULT_STRIDE, slidingWindows, type Box } from './windows.ts';
