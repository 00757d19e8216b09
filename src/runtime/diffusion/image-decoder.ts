/** What every image decoder offers: unit-norm condition vectors in, RGB images out. */
import type { Rng } from '../../core/random.ts';
import type { SamplerKind } from './samplers.ts';

export interface GeneratedImage {
  readonly width: number;
  readonly height: number;
  /** Packed RGB, row-major, 3 bytes per pixel. */
  readonly data: Uint8Array;
}

export interface DecodeOptions {
  readonly sampler: SamplerKind;
  readonly steps: number;
  readonly guidance: number;
  /** unCLIP noise-augmentation level of the condition (0 = none). */
  readonly noiseLevel: number;
  readonly eta?: number;
  /** Text prompt (Stable unCLIP only; empty by default). */
  readonly prompt?: string;
  readonly onStep?: (done: number, total: number) => void;
  /** Stops sampling between steps (with the signal's reason) once it fires. */
  readonly signal?: AbortSignal;
}

export interface ImageDecoder {
  readonly kind: 'mini-dit' | 'stable-unclip';
  readonly embeddingDim: number;
  readonly imageSize: number;
  /** One image per (condition, rng) pair; `conditions` are unit-norm vectors of `embeddingDim`. */
  decode(conditions: readonly Float32Array[], rngs: readonly Rng[], o: DecodeOptions): Promise<GeneratedImage[]>;
  close(): Promise<void>;
}

/** [n, 3, H, W] in [-1, 1] → RGB bytes per image (diffusers' (x/2 + 0.5).clamp(0, 1)·255, rounded). */
export function toRgbImages(x: Float32Array, n: number, height: number, width: number): GeneratedImage[] {
  const plane = height * width;
  return Array.from({ length: n }, (_, k) => {
    const data = new Uint8Array(plane * 3);
    for (let p = 0; p < plane; p++)
      for (let c = 0; c < 3; c++) {
        const v = (x[k * 3 * plane + c * plane + p] / 2 + 0.5) * 255;
        data[p * 3 + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
      }
    return { width, height, data };
  });
}
