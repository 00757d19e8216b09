/**
 * The decoder's training data: world images at the decoder's resolution (Pillow's antialiased
 * bicubic from the 224² render, uint8 HWC) and each image's frozen embedding from the model's
 * vision encoder (unit-norm, as the decoder is conditioned). Cached as .npy so a resumed run
 * does not render again.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../core/npy.ts';
import { type Float32Tensor, stack } from '../../core/tensor.ts';
import { l2normalize } from '../../core/vector-math.ts';
import type { ImageBind } from '../../embed/imagebind.ts';
import { resizeBicubicPIL } from '../../preprocess/vision/index.ts';
import type { DiffusionData } from '../../train/diffusion/batch.ts';
import { IMAGE_SIZE, type RawRgb } from '../world/render-image.ts';
import { imageInput } from '../world/tensors.ts';
import type { World } from '../world/world.ts';

export interface ImageSet {
  /** [N, S, S, 3] uint8. */
  readonly pixels: Uint8Array;
  readonly size: number;
  readonly count: number;
  readonly labels: Int32Array;
}

export function downsample(img: RawRgb, size: number): Uint8Array {
  return resizeBicubicPIL(img.data, img.width, img.height, size, size, 3);
}

/** Renders `indices` at `size` (and hands each 224² render to `onFull`, e.g. for embedding). */
export function renderImages(
  world: World,
  indices: readonly number[],
  size: number,
  onFull?: (img: RawRgb, i: number) => void,
): ImageSet {
  const per = size * size * 3;
  const pixels = new Uint8Array(indices.length * per);
  const labels = new Int32Array(indices.length);
  indices.forEach((index, i) => {
    const full = world.render(index, 'image');
    pixels.set(full.width === size ? full.data : downsample(full, size), i * per);
    labels[i] = world.classOf(index);
    onFull?.(full, i);
  });
  return { pixels, size, count: indices.length, labels };
}

/** `renderImages`, cached in `workDir` as .npy under `tag` (a rerun does not render again). */
export async function cachedImages(
  world: World,
  indices: readonly number[],
  size: number,
  workDir: string,
  tag: string,
): Promise<ImageSet> {
  const [pf, lf] = ['pixels', 'labels'].map((n) => join(workDir, `${tag}-${n}-${indices.length}.npy`));
  if (existsSync(pf) && existsSync(lf)) {
    const [p, l] = await Promise.all([readNpy(pf), readNpy(lf)]);
    return { pixels: p.data as Uint8Array, labels: l.data as Int32Array, size, count: indices.length };
  }
  const set = renderImages(world, indices, size);
  await mkdir(workDir, { recursive: true });
  await writeNpy(pf, { dtype: 'uint8', shape: [set.count, size, size, 3], data: set.pixels });
  await writeNpy(lf, { dtype: 'int32', shape: [set.count], data: set.labels });
  return set;
}

/** Unit-norm vision embeddings of 224² renders, in batches. */
export async function embedImages(model: ImageBind, images: readonly RawRgb[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < images.length; s += 32) {
    const batch = images.slice(s, s + 32).map((im) => imageInput(im));
    const emb = await model.embedTensor('vision', stack(batch));
    const d = emb.shape[1];
    for (let r = 0; r < batch.length; r++) out.push(l2normalize(emb.data.slice(r * d, (r + 1) * d)));
  }
  return out;
}

export interface DecoderDataset extends ImageSet {
  /** [N, D] unit-norm image embeddings. */
  readonly embeddings: Float32Tensor;
}

/** Renders and embeds (or reads the cache in `workDir`). */
export async function decoderDataset(
  world: World,
  indices: readonly number[],
  size: number,
  model: ImageBind,
  workDir: string,
  log: (s: string) => void = () => {},
): Promise<DecoderDataset> {
  const files = ['pixels', 'labels', 'embeddings'].map((n) => join(workDir, `decoder-data-${n}-${indices.length}.npy`));
  if (files.every(existsSync)) {
    const [p, l, e] = await Promise.all(files.map(readNpy));
    log(`read ${indices.length} cached images and embeddings from ${workDir}`);
    return {
      pixels: p.data as Uint8Array,
      labels: l.data as Int32Array,
      size,
      count: indices.length,
      embeddings: e as Float32Tensor,
    };
  }
  await mkdir(workDir, { recursive: true });
  const embeddings = new Float32Array(indices.length * model.manifest.config.out_embed_dim);
  let pending: { img: RawRgb; i: number }[] = [];
  const flush = async () => {
    const vecs = await embedImages(
      model,
      pending.map((p) => p.img),
    );
    pending.forEach((p, k) => embeddings.set(vecs[k], p.i * vecs[k].length));
    pending = [];
  };
  const chunks: ImageSet[] = [];
  for (let at = 0; at < indices.length; at += 512) {
    const part = renderImages(world, indices.slice(at, at + 512), size, (img, i) => pending.push({ img, i: at + i }));
    await flush();
    chunks.push(part);
    log(`rendered and embedded ${Math.min(at + 512, indices.length)}/${indices.length} images`);
  }
  const pixels = new Uint8Array(indices.length * size * size * 3);
  const labels = new Int32Array(indices.length);
  let o = 0;
  for (const c of chunks) {
    pixels.set(c.pixels, o * size * size * 3);
    labels.set(c.labels, o);
    o += c.count;
  }
  const dim = model.manifest.config.out_embed_dim;
  const out: DecoderDataset = {
    pixels,
    labels,
    size,
    count: indices.length,
    embeddings: { dtype: 'float32', shape: [indices.length, dim], data: embeddings },
  };
  await writeNpy(files[0], { dtype: 'uint8', shape: [indices.length, size, size, 3], data: pixels });
  await writeNpy(files[1], { dtype: 'int32', shape: [indices.length], data: labels });
  await writeNpy(files[2], out.embeddings);
  return out;
}

/** The trainer's view: CHW in [-1, 1]. */
export function diffusionData(d: DecoderDataset): DiffusionData {
  const S = d.size,
    plane = S * S,
    dim = d.embeddings.shape[1];
  return {
    size: d.count,
    imageSize: S,
    embeddingDim: dim,
    image(i, out, offset) {
      const base = i * plane * 3;
      for (let p = 0; p < plane; p++)
        for (let c = 0; c < 3; c++) out[offset + c * plane + p] = d.pixels[base + p * 3 + c] / 127.5 - 1;
    },
    embedding: (i) => d.embeddings.data.subarray(i * dim, (i + 1) * dim),
  };
}

/** Per-dimension mean and std of the embeddings (the unCLIP normaliser's statistics). */
export function embeddingStats(e: Float32Tensor): { mean: number[]; std: number[] } {
  const [n, d] = e.shape;
  const mean = new Array<number>(d).fill(0),
    sq = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      mean[j] += e.data[i * d + j];
      sq[j] += e.data[i * d + j] ** 2;
    }
  for (let j = 0; j < d; j++) {
    mean[j] /= n;
    sq[j] = Math.sqrt(Math.max(sq[j] / n - mean[j] ** 2, 1e-12));
  }
  return { mean: mean.map(Math.fround), std: sq.map(Math.fround) };
}
