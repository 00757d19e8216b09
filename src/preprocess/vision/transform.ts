/**
 * The official vision transform on decoded pixels (`imagebind/data.py:
 * load_and_transform_vision_data` after `Image.open(...).convert("RGB")`): `Resize(224, BICUBIC)`
 * (Pillow) → `CenterCrop(224)` → `ToTensor` → CLIP `Normalize`. Pure, so browsers run it too.
 */
import type { Float32Tensor } from '../../core/tensor.ts';
import type { RgbImage } from '../image/bmp.ts';
import { centerCrop, resizedSize } from '../image/geometry.ts';
import { resizeBicubicPIL } from '../image/pil-resample.ts';
import { toNormalizedTensor } from './normalize.ts';

export const VISION_SIZE = 224;

/** Decoded RGB → 3x224x224 tensor (resize short side, centre crop, normalise). */
export function preprocessVisionRgb(img: RgbImage): Float32Tensor {
  const { width, height } = resizedSize(img.width, img.height, VISION_SIZE);
  const resized = resizeBicubicPIL(img.data, img.width, img.height, width, height, 3);
  const crop = centerCrop(resized, width, height, 3, VISION_SIZE);
  return toNormalizedTensor(crop, VISION_SIZE, VISION_SIZE, 3);
}
