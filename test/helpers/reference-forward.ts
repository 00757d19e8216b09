/**
 * An independent, deliberately plain float64 implementation of the official forward pass for one
 * modality (facebookresearch/ImageBind@53680b0 imagebind_model.py: ImageBindModel.forward), used
 * to check the ONNX graphs on configurations no fixture covers. It shares no code with model/.
 */
import type { CheckpointReader } from '../../src/checkpoint/types.ts';
import type { ImageBindConfig, Modality } from '../../src/model/config.ts';

type Mat = Float64Array<ArrayBufferLike>[]; // rows of length D

function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax <= 3) {
    let term = x,
      sum = x;
    for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc by Lentz's continued fraction for large |x|.
  let f = ax,
    c = ax,
    d = 0;
  for (let n = 1; n < 300; n++) {
    const a = n / 2;
    d = ax + a * d;
    d = 1 / d;
    c = ax + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

export class ReferenceForward {
  private cache = new Map<string, Float64Array>();
  constructor(
    private readonly ckpt: CheckpointReader,
    private readonly cfg: ImageBindConfig,
  ) {}

  private async w(key: string): Promise<Float64Array> {
    let v = this.cache.get(key);
    if (!v) {
      v = Float64Array.from(await this.ckpt.readFloat32(key));
      this.cache.set(key, v);
    }
    return v;
  }

  private async ln(x: Mat, key: string, eps: number): Promise<Mat> {
    const g = await this.w(`${key}.weight`),
      b = await this.w(`${key}.bias`);
    return x.map((r) => {
      const mean = r.reduce((a, v) => a + v, 0) / r.length;
      const varr = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
      return r.map((v, i) => ((v - mean) / Math.sqrt(varr + eps)) * g[i] + b[i]);
    });
  }

  private async lin(x: Mat, wKey: string, bKey: string | null, outDim: number): Promise<Mat> {
    const W = await this.w(wKey),
      B = bKey ? await this.w(bKey) : null;
    const inDim = x[0].length;
    return x.map((r) => {
      const o = new Float64Array(outDim);
      for (let j = 0; j < outDim; j++) {
        let s = B ? B[j] : 0;
        for (let i = 0; i < inDim; i++) s += r[i] * W[j * inDim + i];
        o[j] = s;
      }
      return o;
    });
  }

  private async attention(x: Mat, p: string, heads: number, biasKV: boolean, mask: Float64Array | null): Promise<Mat> {
    const D = x[0].length,
      hd = D / heads,
      L = x.length;
    const qkv = await this.lin(x, `${p}.in_proj_weight`, `${p}.in_proj_bias`, 3 * D);
    const k: Mat = qkv.map((r) => r.slice(D, 2 * D)),
      v: Mat = qkv.map((r) => r.slice(2 * D));
    if (biasKV) {
      k.push(await this.w(`${p}.bias_k`));
      v.push(await this.w(`${p}.bias_v`));
    }
    const out: Mat = Array.from({ length: L }, () => new Float64Array(D));
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < L; i++) {
        const scores = k.map((kr, j) => {
          let s = 0;
          for (let t = 0; t < hd; t++) s += qkv[i][h * hd + t] * kr[h * hd + t];
          return s / Math.sqrt(hd) + (mask ? mask[i * L + j] : 0);
        });
        const mx = Math.max(...scores);
        const e = scores.map((s) => Math.exp(s - mx));
        const z = e.reduce((a, b) => a + b, 0);
        for (let t = 0; t < hd; t++) out[i][h * hd + t] = e.reduce((a, ej, j) => a + (ej / z) * v[j][h * hd + t], 0);
      }
    }
    return this.lin(out, `${p}.out_proj.weight`, `${p}.out_proj.bias`, D);
  }

  private async trunk(x: Mat, m: Modality, mask: Float64Array | null): Promise<Mat> {
    const D = x[0].length;
    if (m === 'vision') x = await this.ln(x, 'modality_trunks.vision.pre_transformer_layer.0', 1e-6);
    const biasKV = !['vision', 'text'].includes(m);
    for (let b = 0; b < this.cfg[`${m}_num_blocks`]; b++) {
      const p = `modality_trunks.${m}.blocks.${b}`;
      const a = await this.attention(
        await this.ln(x, `${p}.norm_1`, 1e-6),
        `${p}.attn`,
        this.cfg[`${m}_num_heads`],
        biasKV,
        mask,
      );
      x = x.map((r, i) => r.map((v, j) => v + a[i][j]));
      const h = await this.lin(
        await this.ln(x, `${p}.norm_2`, 1e-6),
        `${p}.mlp.fc1.weight`,
        `${p}.mlp.fc1.bias`,
        4 * D,
      );
      const g = h.map((r) => r.map((v) => 0.5 * v * (1 + erf(v / Math.SQRT2))));
      const f = await this.lin(g, `${p}.mlp.fc2.weight`, `${p}.mlp.fc2.bias`, D);
      x = x.map((r, i) => r.map((v, j) => v + f[i][j]));
    }
    return x;
  }

  /** Patch embedding with kernel (kt, kh, kw) and strides (st, sh, sw) over a [C, T, H, W] item. */
  private async patches(
    item: Float64Array,
    dims: number[],
    kernel: number[],
    stride: number[],
    key: string,
    D: number,
  ): Promise<Mat> {
    const [C, T, H, W] = dims,
      [kt, kh, kw] = kernel,
      [st, sh, sw] = stride;
    const Wt = await this.w(key);
    const rows: Mat = [];
    for (let t0 = 0; t0 + kt <= T; t0 += st)
      for (let y0 = 0; y0 + kh <= H; y0 += sh)
        for (let x0 = 0; x0 + kw <= W; x0 += sw) {
          const o = new Float64Array(D);
          for (let d = 0; d < D; d++) {
            let s = 0;
            for (let c = 0; c < C; c++)
              for (let t = 0; t < kt; t++)
                for (let y = 0; y < kh; y++)
                  for (let x = 0; x < kw; x++) {
                    s +=
                      item[((c * T + t0 + t) * H + y0 + y) * W + x0 + x] *
                      Wt[(((d * C + c) * kt + t) * kh + y) * kw + x];
                  }
            o[d] = s;
          }
          rows.push(o);
        }
    return rows;
  }

  /** One item (already flattened from any S dimension) → the post-processed embedding. */
  async item(m: Modality, item: Float64Array | BigInt64Array): Promise<Float64Array> {
    const cfg = this.cfg,
      D = cfg[`${m}_embed_dim`],
      P = `modality_preprocessors.${m}`;
    let x: Mat;
    let mask: Float64Array | null = null;
    let select = 0;
    if (m === 'text') {
      const ids = Array.from(item as BigInt64Array, Number);
      const emb = await this.w(`${P}.token_embedding.weight`),
        pos = await this.w(`${P}.pos_embed`);
      x = ids.map((id, i) => Float64Array.from({ length: D }, (_, j) => emb[id * D + j] + pos[i * D + j]));
      mask = await this.w(`${P}.mask`);
      select = ids.indexOf(Math.max(...ids));
    } else {
      let tokens: Mat;
      const f = item as Float64Array;
      if (m === 'vision') {
        const k = cfg.kernel_size;
        tokens = await this.patches(f, [3, cfg.video_frames, 224, 224], k, k, `${P}.rgbt_stem.proj.1.weight`, D);
      } else if (m === 'imu') {
        const rows: Mat = [];
        for (let p = 0; p < 250; p++)
          rows.push(Float64Array.from({ length: 48 }, (_, i) => f[Math.floor(i / 8) * 2000 + p * 8 + (i % 8)]));
        tokens = await this.ln(
          await this.lin(rows, `${P}.imu_stem.proj.weight`, null, D),
          `${P}.imu_stem.norm_layer`,
          1e-5,
        );
      } else {
        const stem = m === 'depth' ? 'depth_stem' : 'rgbt_stem';
        const k = m === 'audio' ? cfg.audio_kernel_size : cfg[`${m}_kernel_size`];
        const s = m === 'audio' ? cfg.audio_stride : k;
        const [H, W] = m === 'audio' ? [cfg.audio_num_mel_bins, cfg.audio_target_len] : [224, 224];
        tokens = await this.ln(
          await this.patches(f, [1, 1, H, W], [1, k, k], [1, s, s], `${P}.${stem}.proj.weight`, D),
          `${P}.${stem}.norm_layer`,
          1e-5,
        );
      }
      const cls = await this.w(`${P}.cls_token`);
      const pos = await this.w(m === 'imu' ? `${P}.pos_embed` : `${P}.pos_embedding_helper.pos_embed`);
      x = [cls, ...tokens].map((r, i) => r.map((v, j) => v + pos[i * D + j]));
    }
    x = await this.trunk(x, m, mask);
    const H = `modality_heads.${m}`;
    const [normKey, linKey] =
      m === 'text' ? [`${H}.proj.0`, `${H}.proj.1.weight`] : [`${H}.0`, `${H}.${m === 'imu' ? 3 : 2}.weight`];
    const [out] = await this.lin(await this.ln([x[select]], normKey, 1e-6), linKey, null, cfg.out_embed_dim);
    const n = Math.max(Math.sqrt(out.reduce((a, v) => a + v * v, 0)), 1e-12);
    const scale =
      m === 'vision' ? 1 : Math.min(Math.exp((await this.w(`modality_postprocessors.${m}.1.log_logit_scale`))[0]), 100);
    return out.map((v) => (v / n) * scale);
  }
}
