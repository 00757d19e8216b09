/**
 * torchvision `ToTensor()` + `Normalize(mean, std)` in float32, reproducing torch's rounding:
 * each step is one float32 operation (x/255, then -mean, then /std), so results match bit for bit.
 */
import { type Float32Tensor, float32 } from '../../core/tensor.ts';

/** CLIP's RGB statistics, as passed to `transforms.Normalize` in `imagebind/data.py`. */
export const CLIP_MEAN: readonly [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
export const CLIP_STD: readonly [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

/**
 * HWC uint8 (`channels` interleaved) → CHW float32 `(x/255 - mean[c]) / std[c]`.
 * Pass `mean = [0,...]`, `std = [1,...]` for plain ToTensor.
 */
export function toNormalizedTensor(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels = 3,
  mean: readonly number[] = CLIP_MEAN,
  std: readonly number[] = CLIP_STD,
): Float32Tensor {
  if (pixels.length !== width * height * channels) {
    throw new RangeError(`toNormalizedTensor: ${pixels.length} values for ${width}x${height}x${channels}`);
  }
  if (mean.length !== channels || std.length !== channels) {
    throw new RangeError(`toNormalizedTensor: mean/std need ${channels} entries, got ${mean.length}/${std.length}`);
  }
  const plane = width * height;
  const out = new Float32Array(channels * plane);
  const f = Math.fround;
  for (let c = 0; c < channels; c++) {
    // torch holds mean/std as float32 tensors, so round them first.
    const m = f(mean[c]),
      s = f(std[c]);
    // Double arithmetic on float32 inputs followed by fround equals a native float32 op here
    // (binary64 has more than 2*24+2 bits, so the double rounding is innocuous).
    for (let i = 0; i < plane; i++) out[c * plane + i] = f(f(f(pixels[i * channels + c] / 255) - m) / s);
  }
  return float32([channels, height, width], out);
}
