/**
 * torchvision's `Resize(int)` size rule and `CenterCrop` offsets (torchvision 0.14), shared by the
 * vision, depth and thermal pipelines so all three crop the same way.
 */

/** Python's round(): half to even. Matters for CenterCrop: offset 88.5 → 88, not JS's 89. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Output size of `Resize(size)`: the short side becomes `size`, the long side
 * `int(size * long / short)` (truncation, not rounding). When the short side already equals
 * `size`, torchvision returns the image unchanged.
 */
export function resizedSize(width: number, height: number, size = 224): { width: number; height: number } {
  if (width <= height) {
    if (width === size) return { width, height };
    return { width: size, height: Math.trunc((size * height) / width) };
  }
  if (height === size) return { width, height };
  return { width: Math.trunc((size * width) / height), height: size };
}

/** `CenterCrop(size)` offsets: `int(round((dim - size) / 2.0))`, half to even. */
export function centerCropOffsets(width: number, height: number, size = 224): { top: number; left: number } {
  if (width < size || height < size) {
    // torchvision pads in this case; after Resize(size) it cannot happen, so refuse rather than guess.
    throw new RangeError(`centerCrop: image ${width}x${height} is smaller than the crop ${size}x${size}`);
  }
  return { top: roundHalfEven((height - size) / 2), left: roundHalfEven((width - size) / 2) };
}

/** Centre-crops interleaved pixels (HWC, `channels` per pixel) to size x size. */
export function centerCrop<T extends Uint8Array | Float32Array>(
  src: T,
  width: number,
  height: number,
  channels: number,
  size = 224,
): T {
  if (src.length !== width * height * channels) {
    throw new RangeError(
      `centerCrop: buffer has ${src.length} values, ${width}x${height}x${channels} needs ${width * height * channels}`,
    );
  }
  const { top, left } = centerCropOffsets(width, height, size);
  const out = new (src.constructor as new (n: number) => T)(size * size * channels);
  const rowLen = size * channels;
  for (let y = 0; y < size; y++) {
    const from = ((top + y) * width + left) * channels;
    out.set(src.subarray(from, from + rowLen), y * rowLen);
  }
  return out;
}
