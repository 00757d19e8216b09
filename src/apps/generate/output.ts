/**
 * Generated images as PNG files: one file when `out` names a .png and one image is asked for,
 * otherwise a folder of `image-<seed>.png` (the seed reproduces that image alone). Each file is
 * written to a temporary name and renamed, so an interrupted run never leaves half a PNG.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { GenerationError } from '../../core/errors.ts';
import type { GeneratedImage } from '../../embed/generate.ts';
import { encodePng } from '../../synth/world/png.ts';

export function imageToPng(img: GeneratedImage): Uint8Array {
  return encodePng(img.width, img.height, { kind: 'rgb8', data: img.data });
}

/** Where image k (seed `seed + k`) of `count` goes. */
export function outputPaths(out: string, count: number, seed: number): string[] {
  const isFile = extname(out).toLowerCase() === '.png';
  if (isFile && count === 1) return [out];
  if (isFile) {
    const stem = basename(out, extname(out));
    return Array.from({ length: count }, (_, k) => join(dirname(out), `${stem}-${seed + k}.png`));
  }
  if (extname(out) !== '')
    throw new GenerationError('OUTPUT_INVALID', `--out ${out}: give a .png file or a folder for the images.`);
  return Array.from({ length: count }, (_, k) => join(out, `image-${seed + k}.png`));
}

export async function writeImages(images: readonly GeneratedImage[], out: string, seed: number): Promise<string[]> {
  const paths = outputPaths(out, images.length, seed);
  for (const [k, img] of images.entries()) {
    await mkdir(dirname(paths[k]), { recursive: true });
    const tmp = `${paths[k]}.tmp-${process.pid}`;
    await writeFile(tmp, imageToPng(img));
    await rename(tmp, paths[k]);
  }
  return paths;
}
