/** Tiles of equal-sized RGB images as one picture: rows × columns with a gap, for benchmark grids. */
import type { GeneratedImage } from '../../runtime/diffusion/image-decoder.ts';

export function imageGrid(rows: readonly (readonly GeneratedImage[])[], gap = 2, background = 255): GeneratedImage {
  const tile = rows[0]?.[0];
  if (!tile) return { width: 0, height: 0, data: new Uint8Array(0) };
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * tile.width + (cols - 1) * gap,
    height = rows.length * tile.height + (rows.length - 1) * gap;
  const data = new Uint8Array(width * height * 3).fill(background);
  rows.forEach((row, r) =>
    row.forEach((img, c) => {
      for (let y = 0; y < img.height; y++) {
        const dst = ((r * (tile.height + gap) + y) * width + c * (tile.width + gap)) * 3;
        data.set(img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3), dst);
      }
    }),
  );
  return { width, height, data };
}
