/**
 * The image limits of core/limits.ts (decoded pixels and decoded bytes) applied to one image from
 * its header, before anything is inflated or allocated. Every decoder (sharp, the TypeScript PNG,
 * BMP, PNM, TGA and ICO readers) calls this with what its header declares. Pure (browser-safe).
 */
import { MediaError } from '../../core/errors.ts';
import { type Limits, limitError, limitValue } from '../../core/limits.ts';

export type ImageLimits = Pick<Limits, 'maxImagePixels' | 'maxImageBytes'>;

/**
 * Refuses a `width` x `height` image of `channels` samples of `bytesPerSample` bytes each when
 * it is over maxImagePixels or maxImageBytes; `format` names the container in the message.
 */
export function checkImageBudget(
  width: number,
  height: number,
  channels: number,
  bytesPerSample: number,
  source: string,
  format: string,
  limits: ImageLimits = {},
): void {
  const pixels = width * height;
  const maxPixels = limitValue('maxImagePixels', limits.maxImagePixels);
  const advice = `The ${format.toUpperCase()} is ${width}x${height}; downscale it before embedding (the model sees 224x224).`;
  if (pixels > maxPixels) throw limitError(MediaError, 'maxImagePixels', source, pixels, maxPixels, advice);
  const bytes = pixels * channels * bytesPerSample;
  const maxBytes = limitValue('maxImageBytes', limits.maxImageBytes);
  if (bytes > maxBytes) throw limitError(MediaError, 'maxImageBytes', source, bytes, maxBytes, advice);
}
