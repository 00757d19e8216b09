/**
 * The per-modality structure of the official model, as data: which stem, which checkpoint keys,
 * which trunk options, head and post-processor. Derived from facebookresearch/ImageBind@53680b0
 * imagebind/models/imagebind_model.py (`_create_modality_*`). Key names are the official ones.
 */
import type { ImageBindConfig, Modality } from './config.ts';

export type Stem =
  | {
      kind: 'video-conv3d';
      weight: string;
      frames: number;
      kernel: readonly [number, number, number];
      channels: number;
      size: number;
    }
  | { kind: 'conv2d'; weight: string; norm: string; kernel: number; stride: number; height: number; width: number }
  | { kind: 'imu-linear'; weight: string; norm: string; channels: number; length: number; kernel: number }
  | { kind: 'text'; tokenEmbedding: string; contextLength: number; vocabSize: number; mask: string };

export interface ModalityArch {
  readonly modality: Modality;
  readonly stem: Stem;
  readonly embedDim: number;
  readonly numBlocks: number;
  readonly numHeads: number;
  /** `cls_token` key; text has none. */
  readonly clsToken: string | null;
  readonly posEmbed: string;
  /** Vision's LayerNorm before the blocks (eps 1e-6); null elsewhere. */
  readonly preTransformerNorm: string | null;
  readonly addBiasKV: boolean;
  readonly trunkPrefix: string;
  /** Head: LayerNorm then Linear; `select` says which token feeds it. */
  readonly head: { norm: string; linear: string; select: 'first' | 'eos' };
  /** Learnable/fixed logit scale key applied after L2 normalisation; vision has none. */
  readonly logitScale: string | null;
  readonly outDim: number;
  /** One item's input shape, and the number of tokens after the stem (+ cls). */
  readonly itemShape: readonly number[];
  readonly numTokens: number;
  readonly inputDType: 'float32' | 'int64';
}

const P = 'modality_preprocessors';

function common(cfg: ImageBindConfig, m: Modality) {
  return {
    modality: m,
    embedDim: cfg[`${m}_embed_dim`],
    numBlocks: cfg[`${m}_num_blocks`],
    numHeads: cfg[`${m}_num_heads`],
    trunkPrefix: `modality_trunks.${m}`,
    outDim: cfg.out_embed_dim,
    logitScale: m === 'vision' ? null : `modality_postprocessors.${m}.1.log_logit_scale`,
  };
}

function conv2dPatches(h: number, w: number, k: number, s: number): number {
  return (Math.floor((h - k) / s) + 1) * (Math.floor((w - k) / s) + 1);
}

export function modalityArch(cfg: ImageBindConfig, m: Modality): ModalityArch {
  const c = common(cfg, m);
  const firstHead = (linearIndex: number) => ({
    norm: `modality_heads.${m}.0`,
    linear: `modality_heads.${m}.${linearIndex}.weight`,
    select: 'first' as const,
  });
  switch (m) {
    case 'vision': {
      const [kt, kh, kw] = cfg.kernel_size as [number, number, number];
      const frames = cfg.video_frames;
      const tokens = Math.floor(frames / kt) * Math.floor(224 / kh) * Math.floor(224 / kw) + 1;
      return {
        ...c,
        stem: {
          kind: 'video-conv3d',
          weight: `${P}.vision.rgbt_stem.proj.1.weight`,
          frames,
          kernel: [kt, kh, kw],
          channels: 3,
          size: 224,
        },
        clsToken: `${P}.vision.cls_token`,
        posEmbed: `${P}.vision.pos_embedding_helper.pos_embed`,
        preTransformerNorm: 'modality_trunks.vision.pre_transformer_layer.0',
        addBiasKV: false,
        head: firstHead(2),
        itemShape: [3, frames, 224, 224],
        numTokens: tokens,
        inputDType: 'float32',
      };
    }
    case 'text':
      return {
        ...c,
        stem: {
          kind: 'text',
          tokenEmbedding: `${P}.text.token_embedding.weight`,
          contextLength: 77,
          vocabSize: cfg.text_vocab_size,
          mask: `${P}.text.mask`,
        },
        clsToken: null,
        posEmbed: `${P}.text.pos_embed`,
        preTransformerNorm: null,
        addBiasKV: false,
        head: { norm: 'modality_heads.text.proj.0', linear: 'modality_heads.text.proj.1.weight', select: 'eos' },
        itemShape: [77],
        numTokens: 77,
        inputDType: 'int64',
      };
    case 'audio': {
      const k = cfg.audio_kernel_size,
        s = cfg.audio_stride,
        h = cfg.audio_num_mel_bins,
        w = cfg.audio_target_len;
      return {
        ...c,
        stem: {
          kind: 'conv2d',
          weight: `${P}.audio.rgbt_stem.proj.weight`,
          norm: `${P}.audio.rgbt_stem.norm_layer`,
          kernel: k,
          stride: s,
          height: h,
          width: w,
        },
        clsToken: `${P}.audio.cls_token`,
        posEmbed: `${P}.audio.pos_embedding_helper.pos_embed`,
        preTransformerNorm: null,
        addBiasKV: true,
        head: firstHead(2),
        itemShape: [1, h, w],
        numTokens: conv2dPatches(h, w, k, s) + 1,
        inputDType: 'float32',
      };
    }
    case 'depth':
    case 'thermal': {
      const k = cfg[`${m}_kernel_size`];
      const stemName = m === 'depth' ? 'depth_stem' : 'rgbt_stem';
      return {
        ...c,
        stem: {
          kind: 'conv2d',
          weight: `${P}.${m}.${stemName}.proj.weight`,
          norm: `${P}.${m}.${stemName}.norm_layer`,
          kernel: k,
          stride: k,
          height: 224,
          width: 224,
        },
        clsToken: `${P}.${m}.cls_token`,
        posEmbed: `${P}.${m}.pos_embedding_helper.pos_embed`,
        preTransformerNorm: null,
        addBiasKV: true,
        head: firstHead(2),
        itemShape: [1, 224, 224],
        numTokens: conv2dPatches(224, 224, k, k) + 1,
        inputDType: 'float32',
      };
    }
    case 'imu':
      // The official IMU stem hard-codes a kernel of 8 and 48 = 6 × 8 inputs; imu_kernel_size is unused.
      return {
        ...c,
        stem: {
          kind: 'imu-linear',
          weight: `${P}.imu.imu_stem.proj.weight`,
          norm: `${P}.imu.imu_stem.norm_layer`,
          channels: 6,
          length: 2000,
          kernel: 8,
        },
        clsToken: `${P}.imu.cls_token`,
        posEmbed: `${P}.imu.pos_embed`,
        preTransformerNorm: null,
        addBiasKV: true,
        head: firstHead(3),
        itemShape: [6, 2000],
        numTokens: 2000 / 8 + 1,
        inputDType: 'float32',
      };
  }
}
