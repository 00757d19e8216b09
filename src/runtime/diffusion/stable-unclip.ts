/**
 * Stable Diffusion 2.1 unCLIP from a user's ONNX export, as diffusers' StableUnCLIPImg2ImgPipeline
 * runs it with `image_embeds` given: the embedding (× embeddingScale) is noise-augmented to
 * `class_labels` = [unscale(√ᾱ_s·scale(e) + √(1−ᾱ_s)·ε), timestep_embedding(s)]; the prompt (empty
 * by default) becomes `encoder_hidden_states`; the UNet denoises 4-channel latents with guidance
 * (unconditional rows: the empty prompt and all-zero class_labels); the VAE decoder turns
 * latents / scaling_factor into the image.
 *
 * Interfaces (names as optimum and src/runtime/diffusion/README.md's export use):
 *   unet:         sample [n, C, h, w], timestep (float32 or int64; [n], [1] or scalar),
 *                 encoder_hidden_states [n, 77, H], class_labels [n, 2D] → out_sample [n, C, h, w]
 *   vae_decoder:  latent_sample [n, C, h, w] → sample [n, 3, 8h, 8w]
 *   text_encoder: input_ids [n, 77] (int64 or int32) → last_hidden_state [n, 77, H]
 */
import { join } from 'node:path';
import { GenerationError } from '../../core/errors.ts';
import { readNpy } from '../../core/npy.ts';
import type { Rng } from '../../core/random.ts';
import type { Float32Tensor, Int64Tensor, Tensor } from '../../core/tensor.ts';
import type { StableUnclipManifest } from '../../model/diffusion/decoder-manifest.ts';
import { type BackendSession, type SessionOptions, createSession } from '../backend.ts';
import { denoise } from './denoise.ts';
import { type DecodeOptions, type GeneratedImage, type ImageDecoder, toRgbImages } from './image-decoder.ts';
import { augmentEmbeddings } from './noise-aug.ts';
import { checkSampling, createSampler } from './samplers.ts';

/** Turns prompts into [n, 77] token ids (the model's CLIP BPE tokenizer; SD 2.x pads with id 0 as it does). */
export type PromptTokenizer = (prompts: readonly string[]) => Promise<Int64Tensor>;

function inputType(s: BackendSession, name: string): { type: string; rank: number; fixed1: boolean } {
  const info = s.inputInfo?.find((i) => i.name === name);
  return { type: info?.type ?? 'float32', rank: info?.shape.length ?? 1, fixed1: info?.shape[0] === 1 };
}

function requireIO(s: BackendSession, what: string, inputs: readonly string[], output: string): void {
  const missing = inputs.filter((n) => !s.inputNames.includes(n));
  if (missing.length || !s.outputNames.includes(output))
    throw new GenerationError(
      'DECODER_INTERFACE',
      `${what}: expected inputs ${inputs.join(', ')} and output ${output}; the graph has inputs ${s.inputNames.join(', ')} and outputs ${s.outputNames.join(', ')}. Export it as src/runtime/diffusion/README.md describes.`,
    );
}

export class StableUnclipDecoder implements ImageDecoder {
  readonly kind = 'stable-unclip' as const;
  private promptCache = new Map<string, Float32Tensor>();

  private constructor(
    readonly manifest: StableUnclipManifest,
    private readonly unet: BackendSession,
    private readonly vae: BackendSession,
    private readonly text: BackendSession | null,
    private readonly emptyPrompt: Float32Tensor | null,
    private readonly stats: { mean?: Float32Array; std?: Float32Array },
    private tokenizer: PromptTokenizer | null,
  ) {}

  static async load(dir: string, m: StableUnclipManifest, session: SessionOptions = {}): Promise<StableUnclipDecoder> {
    const open = (file: string) => createSession(join(dir, file), session);
    const unet = await open(m.unet);
    requireIO(unet, `${dir}/${m.unet}`, ['sample', 'timestep', 'encoder_hidden_states', 'class_labels'], 'out_sample');
    const vae = await open(m.vaeDecoder);
    requireIO(vae, `${dir}/${m.vaeDecoder}`, ['latent_sample'], 'sample');
    const text = m.textEncoder ? await open(m.textEncoder) : null;
    if (text) requireIO(text, `${dir}/${m.textEncoder}`, ['input_ids'], 'last_hidden_state');
    const empty = m.emptyPromptEmbeds ? ((await readNpy(join(dir, m.emptyPromptEmbeds))) as Float32Tensor) : null;
    let stats: { mean?: Float32Array; std?: Float32Array } = {
      mean: m.noiseAugmentation.mean && Float32Array.from(m.noiseAugmentation.mean),
      std: m.noiseAugmentation.std && Float32Array.from(m.noiseAugmentation.std),
    };
    if (m.imageNormalizer) {
      const t = await readNpy(join(dir, m.imageNormalizer));
      if (t.dtype !== 'float32' || t.shape.length !== 2 || t.shape[0] !== 2 || t.shape[1] !== m.embeddingDim)
        throw new GenerationError(
          'DECODER_INVALID',
          `${dir}/${m.imageNormalizer}: expected float32 [2, ${m.embeddingDim}] (mean, std).`,
        );
      const d = t.data as Float32Array;
      stats = { mean: d.slice(0, m.embeddingDim), std: d.slice(m.embeddingDim) };
    }
    return new StableUnclipDecoder(m, unet, vae, text, empty, stats, null);
  }

  /** The model's tokenizer, for prompts (the text encoder's CLIP BPE). */
  setTokenizer(t: PromptTokenizer): void {
    this.tokenizer = t;
  }

  get embeddingDim(): number {
    return this.manifest.embeddingDim;
  }

  get imageSize(): number {
    return this.manifest.sampleSize * this.manifest.vaeScaleFactor;
  }

  private async promptEmbeds(prompt: string): Promise<Float32Tensor> {
    const hit = this.promptCache.get(prompt);
    if (hit) return hit;
    let out: Float32Tensor;
    if (!this.text) {
      if (prompt !== '' || !this.emptyPrompt)
        throw new GenerationError(
          'PROMPT_UNSUPPORTED',
          'this Stable unCLIP export has no text encoder, so only the empty prompt works; export text_encoder to use --prompt.',
        );
      out = this.emptyPrompt;
    } else {
      if (!this.tokenizer)
        throw new GenerationError(
          'PROMPT_UNSUPPORTED',
          'no tokenizer for prompts: load the decoder through a model with a tokenizer.',
        );
      const ids = await this.tokenizer([prompt]);
      const t = inputType(this.text, 'input_ids');
      const feed: Tensor =
        t.type === 'int32' ? { dtype: 'int32', shape: ids.shape, data: Int32Array.from(ids.data, Number) } : ids;
      out = (await this.text.runFeeds({ input_ids: feed }, ['last_hidden_state'])).get('last_hidden_state')!;
    }
    this.promptCache.set(prompt, out);
    return out;
  }

  async decode(conditions: readonly Float32Array[], rngs: readonly Rng[], o: DecodeOptions): Promise<GeneratedImage[]> {
    const m = this.manifest;
    checkSampling(o.steps, o.guidance, m.scheduler.schedule.trainTimesteps);
    const D = m.embeddingDim,
      n = conditions.length,
      C = m.latentChannels,
      h = m.sampleSize;
    const scale = m.embeddingScale ?? 1;
    const cond = new Float32Array(n * 2 * D);
    conditions.forEach((c, k) => {
      const scaled = c.map((x) => x * scale);
      cond.set(
        augmentEmbeddings(scaled, D, o.noiseLevel, { schedule: m.noiseAugmentation.schedule, ...this.stats }, () =>
          rngs[k].normal(),
        ),
        k * 2 * D,
      );
    });
    const guidedCond = new Float32Array(2 * n * 2 * D);
    guidedCond.set(cond, n * 2 * D);
    const promptEmb = await this.promptEmbeds(o.prompt ?? '');
    const emptyEmb = await this.promptEmbeds('');
    const hidden = (guided: boolean): Float32Tensor => {
      const [, L, H] = promptEmb.shape;
      const per = L * H;
      const rows = guided ? 2 * n : n;
      const data = new Float32Array(rows * per);
      for (let r = 0; r < rows; r++) data.set((guided && r < n ? emptyEmb : promptEmb).data.subarray(0, per), r * per);
      return { dtype: 'float32', shape: [rows, L, H], data };
    };
    const hiddenFor = { true: hidden(true), false: hidden(false) };
    const ts = inputType(this.unet, 'timestep');
    const sampler = createSampler(o.sampler, m.scheduler, o.steps, o.eta ?? 0);
    const latents = await denoise({
      sampler,
      itemShape: [C, h, h],
      rngs,
      guidance: o.guidance,
      onStep: o.onStep,
      signal: o.signal,
      model: async (sample, t, guided) => {
        const rows = sample.shape[0];
        const count = ts.rank === 0 ? 1 : ts.fixed1 ? 1 : rows;
        const shape = ts.rank === 0 ? [] : [count];
        const timestep: Tensor =
          ts.type === 'int64'
            ? { dtype: 'int64', shape, data: new BigInt64Array(count).fill(BigInt(t)) }
            : { dtype: 'float32', shape, data: new Float32Array(count).fill(t) };
        const out = await this.unet.runFeeds(
          {
            sample,
            timestep,
            encoder_hidden_states: hiddenFor[`${guided}`],
            class_labels: { dtype: 'float32', shape: [rows, 2 * D], data: guided ? guidedCond : cond },
          },
          ['out_sample'],
        );
        return out.get('out_sample')!.data;
      },
    });
    const scaled = latents.map((v) => v / m.scalingFactor);
    const img = (
      await this.vae.runFeeds({ latent_sample: { dtype: 'float32', shape: [n, C, h, h], data: scaled } }, ['sample'])
    ).get('sample')!;
    return toRgbImages(img.data, n, img.shape[2], img.shape[3]);
  }

  async close(): Promise<void> {
    await Promise.all([this.unet.release(), this.vae.release(), this.text?.release()]);
  }
}
