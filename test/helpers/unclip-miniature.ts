/**
 * A random-weight miniature of Stable Diffusion 2.1 unCLIP with the real components' interfaces
 * (names as src/runtime/diffusion/README.md's export writes them; shapes parameterised), built with the
 * project's graph IR, plus the decoder manifest that points at it. Small enough that the test
 * can recompute the whole pipeline in float64 (`miniatureForward`).
 *
 *   unet:         sample [n,C,h,w], timestep [n] (float32 or int64), encoder_hidden_states [n,L,H],
 *                 class_labels [n,2D] → out_sample = tanh(Ws·sample + Wc·class_labels + Wh·mean_L(ehs) + wt·sin(t/100))
 *   vae_decoder:  latent_sample [n,C,h,w] → sample = tanh(nearest×8(Wv·latent))
 *   text_encoder: input_ids [n,L] int64 → last_hidden_state = tanh(table[ids])
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../../src/core/npy.ts';
import { Rng } from '../../src/core/random.ts';
import { Graph, attr } from '../../src/model/graph.ts';
import type { StableUnclipManifest } from '../../src/model/diffusion/decoder-manifest.ts';
import { graphBytes } from '../../src/train/graph-session.ts';

export interface MiniatureShape {
  readonly channels: number;
  readonly side: number;
  readonly embeddingDim: number;
  readonly hidden: number;
  readonly vocab: number;
  readonly timestep: 'float32' | 'int64';
}

export interface MiniatureWeights {
  readonly ws: Float32Array; // [C, C]
  readonly wc: Float32Array; // [C, 2D]
  readonly wh: Float32Array; // [C, H]
  readonly wt: Float32Array; // [C]
  readonly wv: Float32Array; // [3, C]
  readonly table: Float32Array; // [V, H]
  readonly mean: Float32Array;
  readonly std: Float32Array;
}

const SCALING = 0.5;

function weights(s: MiniatureShape, seed: number): MiniatureWeights {
  const r = new Rng(seed);
  const f = (n: number, std: number) => r.fillNormal(new Float32Array(n), std);
  const C = s.channels,
    D = s.embeddingDim;
  return {
    ws: f(C * C, 0.5),
    wc: f(C * 2 * D, 0.3),
    wh: f(C * s.hidden, 0.3),
    wt: f(C, 0.5),
    wv: f(3 * C, 0.15),
    table: f(s.vocab * s.hidden, 1),
    mean: f(D, 0.05),
    std: Float32Array.from(f(D, 0.2), (x) => 1 + Math.abs(x)),
  };
}

function unet(s: MiniatureShape, w: MiniatureWeights): Graph {
  const g = new Graph('unet');
  const C = s.channels,
    D = s.embeddingDim;
  const sample = g.input('sample', 'float32', ['n', C, s.side, s.side]);
  const t = g.input('timestep', s.timestep, ['n']);
  const ehs = g.input('encoder_hidden_states', 'float32', ['n', 77, s.hidden]);
  const cl = g.input('class_labels', 'float32', ['n', 2 * D]);
  const conv = g.op('Conv', [sample, g.inline('ws', 'float32', [C, C, 1, 1], w.ws)], {
    kernel_shape: attr.ints([1, 1]),
  });
  const spatial = (v: ReturnType<Graph['op']>) => g.op('Unsqueeze', [v, g.constI64('hw', [2, 3])]);
  const fromCl = spatial(g.op('Gemm', [cl, g.inline('wc', 'float32', [C, 2 * D], w.wc)], { transB: attr.i(1) }));
  const pooled = g.op('ReduceMean', [ehs], { axes: attr.ints([1]), keepdims: attr.i(0) });
  const fromH = spatial(g.op('Gemm', [pooled, g.inline('wh', 'float32', [C, s.hidden], w.wh)], { transB: attr.i(1) }));
  const tf = s.timestep === 'int64' ? g.op('Cast', [t], { to: attr.i(1) }) : t;
  const phase = g.op('Sin', [g.op('Div', [tf, g.constF32('hundred', [100], [])])]);
  const fromT = g.op('Mul', [
    g.op('Unsqueeze', [phase, g.constI64('chw', [1, 2, 3])]),
    g.inline('wt', 'float32', [1, C, 1, 1], w.wt),
  ]);
  const sum = g.op('Add', [g.op('Add', [g.op('Add', [conv, fromCl]), fromH]), fromT]);
  g.output(g.op('Tanh', [sum], {}, 'out_sample'), 'float32', ['n', C, s.side, s.side]);
  return g;
}

function vae(s: MiniatureShape, w: MiniatureWeights): Graph {
  const g = new Graph('vae_decoder');
  const x = g.input('latent_sample', 'float32', ['n', s.channels, s.side, s.side]);
  const rgb = g.op('Conv', [x, g.inline('wv', 'float32', [3, s.channels, 1, 1], w.wv)], {
    kernel_shape: attr.ints([1, 1]),
  });
  const up = g.op('Resize', [rgb, null, g.constF32('scales', [1, 1, 8, 8])], { mode: attr.s('nearest') });
  g.output(g.op('Tanh', [up], {}, 'sample'), 'float32', ['n', 3, 8 * s.side, 8 * s.side]);
  return g;
}

function textEncoder(s: MiniatureShape, w: MiniatureWeights): Graph {
  const g = new Graph('text_encoder');
  const ids = g.input('input_ids', 'int64', ['n', 77]);
  const e = g.op('Gather', [g.inline('table', 'float32', [s.vocab, s.hidden], w.table), ids], { axis: attr.i(0) });
  g.output(g.op('Tanh', [e], {}, 'last_hidden_state'), 'float32', ['n', 77, s.hidden]);
  return g;
}

/** Writes the miniature and its manifest to `dir`; `manifest` overrides fields (identity, files, …). */
export async function writeUnclipMiniature(
  dir: string,
  s: MiniatureShape,
  manifest: Partial<StableUnclipManifest> = {},
  seed = 5,
): Promise<{ weights: MiniatureWeights; manifest: StableUnclipManifest }> {
  const w = weights(s, seed);
  for (const [sub, g] of [
    ['unet', unet(s, w)],
    ['vae_decoder', vae(s, w)],
    ['text_encoder', textEncoder(s, w)],
  ] as const) {
    await mkdir(join(dir, sub), { recursive: true });
    await writeFile(join(dir, sub, 'model.onnx'), graphBytes(g));
  }
  const stats = new Float32Array(2 * s.embeddingDim);
  stats.set(w.mean, 0);
  stats.set(w.std, s.embeddingDim);
  await writeNpy(join(dir, 'image_normalizer.npy'), { dtype: 'float32', shape: [2, s.embeddingDim], data: stats });
  const m: StableUnclipManifest = {
    format: 'imagebind-ts/decoder',
    formatVersion: 1,
    kind: 'stable-unclip',
    name: 'sd21-unclip-miniature',
    space: 'openclip-vit-h-14',
    embeddingDim: s.embeddingDim,
    unet: 'unet/model.onnx',
    vaeDecoder: 'vae_decoder/model.onnx',
    textEncoder: 'text_encoder/model.onnx',
    imageNormalizer: 'image_normalizer.npy',
    latentChannels: s.channels,
    vaeScaleFactor: 8,
    scalingFactor: SCALING,
    sampleSize: s.side,
    embeddingScale: 1,
    scheduler: {
      schedule: { trainTimesteps: 1000, betaSchedule: 'scaled_linear', betaStart: 0.00085, betaEnd: 0.012 },
      prediction: 'v_prediction',
      spacing: 'leading',
      stepsOffset: 1,
      setAlphaToOne: false,
    },
    noiseAugmentation: { schedule: { trainTimesteps: 1000, betaSchedule: 'squaredcos_cap_v2' } },
    defaults: { sampler: 'ddim', steps: 20, guidance: 10, noiseLevel: 0 },
    ...manifest,
  };
  await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
  return { weights: w, manifest: m };
}

/**
 * The whole pipeline recomputed in float64 from the published formulas and the miniature's
 * weights: noise augmentation, leading-spacing DDIM (v-prediction, ᾱ_final = ᾱ₀), guidance, VAE.
 * `noise(k)` is image k's N(0, 1) stream (the condition's D draws, then the latents).
 */
export function miniatureForward(
  s: MiniatureShape,
  w: MiniatureWeights,
  o: {
    cond: Float32Array;
    promptIds: readonly number[];
    emptyIds: readonly number[];
    noiseLevel: number;
    steps: number;
    guidance: number;
    noise: () => number;
  },
): Uint8Array {
  const C = s.channels,
    D = s.embeddingDim,
    H = s.hidden,
    hw = s.side * s.side;
  const T = 1000;
  const betas = Array.from(
    { length: T },
    (_, i) => (Math.sqrt(0.00085) + ((Math.sqrt(0.012) - Math.sqrt(0.00085)) * i) / (T - 1)) ** 2,
  );
  const abar: number[] = [];
  betas.reduce((p, b) => (abar.push(p * (1 - b)), p * (1 - b)), 1);
  const f = (t: number) => Math.cos(((t / T + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  let q = 1;
  for (let i = 0; i <= o.noiseLevel; i++) q *= 1 - Math.min(1 - f(i + 1) / f(i), 0.999);
  const cl = new Float64Array(2 * D);
  for (let j = 0; j < D; j++) {
    const z = (o.cond[j] - w.mean[j]) / w.std[j];
    cl[j] = (Math.sqrt(q) * z + Math.sqrt(1 - q) * o.noise()) * w.std[j] + w.mean[j];
  }
  for (let i = 0; i < D / 2; i++) {
    const arg = o.noiseLevel * Math.exp((-Math.log(10000) * i) / (D / 2));
    cl[D + i] = Math.cos(arg);
    cl[D + D / 2 + i] = Math.sin(arg);
  }
  const pooled = (ids: readonly number[]) => {
    const out = new Float64Array(H);
    for (const id of ids) for (let k = 0; k < H; k++) out[k] += Math.tanh(w.table[id * H + k]) / ids.length;
    return out;
  };
  const hPrompt = pooled(o.promptIds),
    hEmpty = pooled(o.emptyIds);
  const model = (x: Float64Array, t: number, c: Float64Array | null, h: Float64Array) => {
    const out = new Float64Array(C * hw);
    for (let ch = 0; ch < C; ch++) {
      let bias = Math.sin(t / 100) * w.wt[ch];
      for (let j = 0; j < 2 * D; j++) bias += w.wc[ch * 2 * D + j] * (c ? c[j] : 0);
      for (let k = 0; k < H; k++) bias += w.wh[ch * H + k] * h[k];
      for (let p = 0; p < hw; p++) {
        let v = bias;
        for (let c2 = 0; c2 < C; c2++) v += w.ws[ch * C + c2] * x[c2 * hw + p];
        out[ch * hw + p] = Math.tanh(v);
      }
    }
    return out;
  };
  let x = Float64Array.from({ length: C * hw }, () => o.noise());
  const ratio = Math.floor(T / o.steps);
  const ts = Array.from({ length: o.steps }, (_, k) => (o.steps - 1 - k) * ratio + 1);
  ts.forEach((t, i) => {
    const vu = model(x, t, null, hEmpty),
      vc = model(x, t, cl, hPrompt);
    const v = vu.map((u, k) => u + o.guidance * (vc[k] - u));
    const at = abar[t],
      ap = i + 1 < ts.length ? abar[ts[i + 1]] : abar[0];
    const x0 = x.map((xv, k) => Math.sqrt(at) * xv - Math.sqrt(1 - at) * v[k]);
    const eps = x.map((xv, k) => Math.sqrt(at) * v[k] + Math.sqrt(1 - at) * xv);
    x = x0.map((x0v, k) => Math.sqrt(ap) * x0v + Math.sqrt(1 - ap) * eps[k]);
  });
  const side = 8 * s.side;
  const rgb = new Uint8Array(side * side * 3);
  for (let y = 0; y < side; y++)
    for (let xx = 0; xx < side; xx++)
      for (let c = 0; c < 3; c++) {
        let v = 0;
        for (let ch = 0; ch < C; ch++)
          v += w.wv[c * C + ch] * (x[ch * hw + Math.floor(y / 8) * s.side + Math.floor(xx / 8)] / SCALING);
        const u = (Math.tanh(v) / 2 + 0.5) * 255;
        rgb[(y * side + xx) * 3 + c] = Math.min(255, Math.max(0, Math.round(u)));
      }
  return rgb;
}
