/**
 * Rendered synthetic-world data kept on disk as .npy, because rendering costs far more than
 * training here (≈125 ms per image and ≈270 ms per sound on one core, against ≈2–5 ms per
 * training sample): every study and every seed reads the same rendered pairs.
 * Images are kept as raw RGB bytes [N, 224, 224, 3] (a quarter of the float size) and normalised
 * per batch; sensors are kept as their model inputs.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../core/npy.ts';
import { type Float32Tensor, type Tensor, numel, stack, tensor } from '../../core/tensor.ts';
import type { SensorModality } from '../../synth/mini/data.ts';
import { imageInput, worldInput } from '../../synth/world/tensors.ts';
import type { SplitName, World } from '../../synth/world/world.ts';

export type Uint8Tensor = Tensor<'uint8'>;

/** A contiguous block of one split of one world: `count` samples from the split's `offset`-th. */
export interface WorldRange {
  readonly world: World;
  readonly split: SplitName;
  readonly offset: number;
  readonly count: number;
}

export function rangeIndices(r: WorldRange): number[] {
  return r.world.split(r.split).indices(r.count, r.offset);
}

export function rangeKey(r: WorldRange): string {
  return `w${r.world.seed}-${r.split}-${r.offset}+${r.count}`;
}

export class WorldCache {
  constructor(
    readonly dir: string,
    private readonly log: (line: string) => void = () => {},
  ) {}

  private async cached<T extends Tensor>(name: string, expectRows: number, make: () => T): Promise<T> {
    const path = join(this.dir, `${name}.npy`);
    const hit = (await readNpy(path).catch(() => null)) as T | null;
    if (hit && hit.shape[0] === expectRows) return hit;
    await mkdir(this.dir, { recursive: true });
    const t = make();
    await writeNpy(path, t);
    return t;
  }

  private progress(what: string, total: number): (i: number) => void {
    const t0 = performance.now();
    const every = Math.max(1, Math.floor(total / 5));
    this.log(`rendering ${total} ${what} ...`);
    return (i) => {
      if ((i + 1) % every === 0 || i + 1 === total)
        this.log(`  ${what}: ${i + 1}/${total} (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    };
  }

  /** Raw RGB images [N, 224, 224, 3] uint8. */
  images(r: WorldRange): Promise<Uint8Tensor> {
    return this.cached(`image-${rangeKey(r)}`, r.count, () => {
      const idx = rangeIndices(r);
      const tick = this.progress('images', idx.length);
      let out: Uint8Array | null = null;
      let hw: [number, number] = [0, 0];
      idx.forEach((index, i) => {
        const img = r.world.render(index, 'image');
        out ??= new Uint8Array(idx.length * img.data.length);
        hw = [img.height, img.width];
        out.set(img.data, i * img.data.length);
        tick(i);
      });
      return tensor('uint8', [idx.length, ...hw, 3], out ?? new Uint8Array(0));
    });
  }

  /**
   * Sensor model inputs [N, ...item]. Audio: `clips` 1 gives [N, 1, 128, 204] (one 2 s clip, the
   * training variant of the mini recipe); 3 gives [N, 3, 1, 128, 204], the official three clips
   * that `eval-emergent` embeds and averages.
   */
  sensor(r: WorldRange, modality: SensorModality, clips: 1 | 3 = 1): Promise<Float32Tensor> {
    const name = modality === 'audio' ? `audio${clips}` : modality;
    return this.cached(`${name}-${rangeKey(r)}`, r.count, () => {
      const idx = rangeIndices(r);
      const tick = this.progress(`${name} inputs`, idx.length);
      const items = idx.map((index, i) => {
        const t = worldInput(r.world, index, modality, { audioClips: clips });
        tick(i);
        return modality === 'audio' && clips === 1 ? { ...t, shape: t.shape.slice(1) } : t;
      });
      return stack(items);
    });
  }
}

/** Rows of raw images → normalised vision inputs [B, 3, 224, 224] (the official transform). */
export function imageRows(raw: Uint8Tensor, rows: readonly number[]): Float32Tensor {
  const [, height, width] = raw.shape;
  const per = numel(raw.shape.slice(1));
  return stack(rows.map((r) => imageInput({ width, height, data: raw.data.subarray(r * per, (r + 1) * per) })));
}
