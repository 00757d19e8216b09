/** Video preprocessing: `load_and_transform_video_data` (imagebind/data.py) with FFmpeg decoding. */
export { loadVideo, loadVideoBytes, loadVideoFile, loadVideoFiles, VIDEO_DEFAULTS } from './load.ts';
export type { VideoBatchItem, VideoInfo, VideoOptions } from './load.ts';
export type { VideoProbe } from './probe.ts';
export { probeVideo } from './probe.ts';
export type { ClipPlan, ClipTimes } from './clips.ts';
export { clipTimepoints, planClips, uniformTemporalIndices } from './clips.ts';
export { interpolateBilinear } from './interpolate.ts';
export { CLIP_MEAN, CLIP_STD, shortSideScaleSize, spatialCropOffsets } from './transform.ts';
