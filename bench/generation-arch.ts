/**
 * The measurements behind the mini decoder's architecture: forward and training-step time at
 * batch 32 on this machine (2 onnxruntime threads) for the shipped DiT (patch 8), the same DiT at
 * patch 4, and a small convolutional UNet of similar size (forward only: the autodiff has no
 * rule for padded 3×3 convolutions w.r.t. their input or for up-sampling).
 */
import { Rng } from '../src/core/random.ts';
import type { Tensor } from '../src/core/tensor.ts';
import { numel } from '../src/core/tensor.ts';
import { type DitSpec, ditTokens } from '../src/model/diffusion/dit-spec.ts';
import { buildDitGraph } from '../src/model/diffusion/dit.ts';
import { Graph, type Value, attr, bindWeights } from '../src/model/graph.ts';
import { buildDiffusionTrainingGraph } from '../src/train/diffusion/graph.ts';
import { GraphSession } from '../src/train/graph-session.ts';
import decoderConfig from '../src/synth/decoder/decoder-config.json' with { type: 'json' };

export interface ArchRow {
  name: string;
  tokensOrPixels: string;
  params: number;
  forwardMs: number;
  trainMs: number | null;
}

const B = 32;

function feedsFor(g: Graph, rng: Rng): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const io of g.inputs) {
    const shape = io.shape.map((d) => (typeof d === 'number' ? d : B));
    feeds[io.name] = { dtype: 'float32', shape, data: rng.fillNormal(new Float32Array(numel(shape)), 0.02) };
  }
  return feeds;
}

async function time(g: Graph, runs = 3): Promise<number> {
  const s = await GraphSession.create(g, { threads: 2 });
  const feeds = feedsFor(g, new Rng(1));
  await s.run(feeds);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    best = Math.min(best, performance.now() - t0);
  }
  await s.release();
  return best;
}

/** The denoiser with every weight a graph input (so sizes match what training feeds). */
function asInputs(g: Graph): { graph: Graph; params: number } {
  const params = g.initializers.filter((i) => i.source.kind === 'checkpoint').reduce((n, i) => n + numel(i.shape), 0);
  bindWeights(g, () => 'input');
  return { graph: g, params };
}

async function dit(name: string, spec: DitSpec): Promise<ArchRow> {
  const { graph, params } = asInputs(buildDitGraph(spec));
  const forwardMs = await time(graph);
  const train = buildDiffusionTrainingGraph(spec);
  const trainMs = await time(train.graph, 2);
  return { name, tokensOrPixels: `${ditTokens(spec).total} tokens`, params, forwardMs, trainMs };
}

/** A small UNet: 3×3 convs with GELU-free SiLU-free ReLU blocks, 64 → 128 channels, one down/up level. */
function unet(): { graph: Graph; params: number } {
  const g = new Graph('unet_probe');
  const x = g.input('sample', 'float32', ['batch', 3, 64, 64]);
  const cond = g.input('class_labels', 'float32', ['batch', 128]);
  let n = 0;
  const conv = (v: Value, cin: number, cout: number, stride = 1) => {
    const w = g.weight(`unet.conv${n++}`, [cout, cin, 3, 3]);
    return g.op('Conv', [v, w], {
      kernel_shape: attr.ints([3, 3]),
      pads: attr.ints([1, 1, 1, 1]),
      strides: attr.ints([stride, stride]),
    });
  };
  const relu = (v: Value) => g.op('Relu', [v]);
  const inject = (v: Value, ch: number) => {
    const p = g.op('Gemm', [cond, g.weight(`unet.cond${n++}`, [ch, 128])], { transB: attr.i(1) });
    return g.op('Add', [v, g.op('Unsqueeze', [p, g.constI64('hw', [2, 3])])]);
  };
  const block = (v: Value, ch: number) => g.op('Add', [v, conv(relu(inject(conv(relu(v), ch, ch), ch)), ch, ch)]);
  let h = conv(x, 3, 64);
  h = block(block(h, 64), 64);
  const skip = h;
  h = conv(h, 64, 128, 2);
  h = block(block(h, 128), 128);
  h = g.op('Resize', [h, null, g.constF32('scales', [1, 1, 2, 2])], { mode: attr.s('nearest') });
  h = conv(g.op('Concat', [conv(h, 128, 64), skip], { axis: attr.i(1) }), 128, 64);
  h = block(h, 64);
  g.output(conv(relu(h), 64, 3), 'float32', ['batch', 3, 64, 64]);
  return asInputs(g);
}

export async function architectureMeasurements(log: (s: string) => void = () => {}): Promise<ArchRow[]> {
  const spec = decoderConfig.spec as DitSpec;
  const rows: ArchRow[] = [];
  rows.push(await dit('DiT, patch 8 (shipped)', spec));
  log(
    `  ${rows.at(-1)!.name}: forward ${rows.at(-1)!.forwardMs.toFixed(0)} ms, train ${rows.at(-1)!.trainMs!.toFixed(0)} ms`,
  );
  rows.push(await dit('DiT, patch 4', { ...spec, patch: 4 }));
  log(
    `  ${rows.at(-1)!.name}: forward ${rows.at(-1)!.forwardMs.toFixed(0)} ms, train ${rows.at(-1)!.trainMs!.toFixed(0)} ms`,
  );
  const u = unet();
  rows.push({
    name: 'UNet, 64→128 ch, one level',
    tokensOrPixels: '64² px',
    params: u.params,
    forwardMs: await time(u.graph),
    trainMs: null,
  });
  log(`  ${rows.at(-1)!.name}: forward ${rows.at(-1)!.forwardMs.toFixed(0)} ms`);
  return rows;
}
