/**
 * The embedded mini decoder (a `mini-dit` decoder directory): the DiT denoiser in onnxruntime,
 * driven by the shared sampling loop, conditioned like Stable unCLIP (noise-augmented embedding
 * + noise-level embedding as `class_labels`; all zeros for the unconditional rows).
 */
import { join } from 'node:path';
import type { Rng } from '../../core/random.ts';
import type { MiniDecoderManifest } from '../../model/diffusion/decoder-manifest.ts';
import { DIT_INPUTS, DIT_OUTPUT } from '../../model/diffusion/dit.ts';
import { type BackendSession, type SessionOptions, createSession } from '../backend.ts';
import { denoise } from './denoise.ts';
import { type DecodeOptions, type GeneratedImage, type ImageDecoder, toRgbImages } from './image-decoder.ts';
import { augmentEmbeddings, type NoiseAugmentation } from './noise-aug.ts';
import { checkSampling, createSampler } from './samplers.ts';

export class MiniDecoder implements ImageDecoder {
  readonly kind = 'mini-dit' as const;

  private constructor(
    readonly manifest: MiniDecoderManifest,
    private readonly session: BackendSession,
  ) {}

  static async load(dir: string, manifest: MiniDecoderManifest, session: SessionOptions = {}): Promise<MiniDecoder> {
    return new MiniDecoder(manifest, await createSession(join(dir, manifest.graph), session));
  }

  get embeddingDim(): number {
    return this.manifest.embeddingDim;
  }

  get imageSize(): number {
    return this.manifest.spec.imageSize;
  }

  private get augmentation(): NoiseAugmentation {
    const a = this.manifest.noiseAugmentation;
    return { schedule: a.schedule, mean: a.mean && Float32Array.from(a.mean), std: a.std && Float32Array.from(a.std) };
  }

  async decode(conditions: readonly Float32Array[], rngs: readonly Rng[], o: DecodeOptions): Promise<GeneratedImage[]> {
    const m = this.manifest;
    checkSampling(o.steps, o.guidance, m.scheduler.schedule.trainTimesteps);
    const D = m.embeddingDim,
      S = m.spec.imageSize,
      n = conditions.length;
    // Each image's condition noise comes first from its own stream, then its starting noise.
    const cond = new Float32Array(n * 2 * D);
    conditions.forEach((c, k) =>
      cond.set(
        augmentEmbeddings(c, D, o.noiseLevel, this.augmentation, () => rngs[k].normal()),
        k * 2 * D,
      ),
    );
    const guidedCond = new Float32Array(2 * n * 2 * D);
    guidedCond.set(cond, n * 2 * D);
    const sampler = createSampler(o.sampler, m.scheduler, o.steps, o.eta ?? 0);
    const x = await denoise({
      sampler,
      itemShape: [3, S, S],
      rngs,
      guidance: o.guidance,
      onStep: o.onStep,
      signal: o.signal,
      model: async (sample, t, guided) => {
        const rows = sample.shape[0];
        const out = await this.session.runFeeds(
          {
            [DIT_INPUTS.sample]: sample,
            [DIT_INPUTS.timestep]: { dtype: 'float32', shape: [rows], data: new Float32Array(rows).fill(t) },
            [DIT_INPUTS.condition]: { dtype: 'float32', shape: [rows, 2 * D], data: guided ? guidedCond : cond },
          },
          [DIT_OUTPUT],
        );
        return out.get(DIT_OUTPUT)!.data;
      },
    });
    return toRgbImages(x, n, S, S);
  }

  close(): Promise<void> {
    return this.session.release();
  }
}
