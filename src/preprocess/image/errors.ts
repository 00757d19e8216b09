/**
 * Error wording shared by the image, depth and thermal loaders, so every failure is a `MediaError`
 * whose message names the file, the problem and the fix. Pure: browsers decode PNGs with it too.
 */
import { MediaError } from '../../core/errors.ts';

/** Stable codes for image-like inputs (the server maps codes, so do not rename). */
export type MediaErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'IMAGE_EMPTY'
  | 'IMAGE_UNSUPPORTED_FORMAT'
  | 'IMAGE_TRUNCATED'
  | 'IMAGE_CORRUPT'
  | 'IMAGE_DECODE_FAILED'
  | 'DEPTH_INVALID'
  | 'THERMAL_INVALID';

export function mediaError(
  code: MediaErrorCode,
  source: string,
  problem: string,
  fix: string,
  cause?: unknown,
): MediaError {
  return new MediaError(code, `${source}: ${problem}. ${fix}`, cause === undefined ? undefined : { cause });
}
