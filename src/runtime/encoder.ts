/**
 * One modality's encoder session with the official forward's input semantics around it:
 * rank ≥ 5 inputs are flattened to (B·S, ...) and the post-processed outputs averaged over S
 * (imagebind_model.py: ImageBindModel.forward); still images become 2-frame clips (PadIm2Video,
 * pad_type="repeat"); batches are split into chunks to bound memory.
 */
import { ShapeError } from '../core/errors.ts';
import { averagesClips } from '../core/modalities.ts';
import { type Tensor, type Float32Tensor, formatShape, numel } from '../core/tensor.ts';
import type { Modality } from '../model/config.ts';
import type { ModalityEntry } from '../model/manifest.ts';
import type { BackendSession } from './session.ts';

export interface EncodeResult {
  /** [B, outputDim]: exactly what `model({modality: x})[modality]` returns. */
  readonly output: Float32Tensor;
  /** Debug stages when the graph exposes them (`debug.trunk_out`, ...), per flattened item. */
  readonly stages: Map<string, Float32Tensor>;
}

function describeAccepted(m: Modality, item: readonly number[]): string {
  if (m === 'vision')
    return `[B, 3, 224, 224] images, [B, S, 3, 224, 224] (S images per item) or [B, S, 3, ${item[1]}, 224, 224] clips`;
  const base = formatShape(['B', ...item]);
  return averagesClips(m) ? `${base} or ${formatShape(['B', 'S', ...item])} (S clips per item, averaged)` : base;
}

/** PadIm2Video(repeat, T): [N, C, H, W] → [N, C, T, H, W] with the frame copied T times. */
function padImagesToClips(t: Float32Tensor, frames: number): Float32Tensor {
  const [n, c, h, w] = t.shape;
  const plane = h * w;
  const out = new Float32Array(n * c * frames * plane);
  for (let i = 0; i < n * c; i++) {
    const src = t.data.subarray(i * plane, (i + 1) * plane);
    for (let f = 0; f < frames; f++) out.set(src, (i * frames + f) * plane);
  }
  return { dtype: 'float32', shape: [n, c, frames, h, w], data: out };
}

export class Encoder {
  private constructor(
    readonly modality: Modality,
    readonly entry: ModalityEntry,
    private readonly session: BackendSession,
    readonly batchSize: number,
  ) {}

  /** Wraps a session over `entry.graph` (made by backend.ts in Node, backend-web.ts in a browser). */
  static create(modality: Modality, entry: ModalityEntry, session: BackendSession, batchSize = 8): Encoder {
    return new Encoder(modality, entry, session, batchSize);
  }

  /** Validates and reshapes an input to [N, ...itemShape]; returns N and the S to average over. */
  private normalizeInput(t: Tensor): { flat: Tensor; groups: number; perGroup: number } {
    const { itemShape, inputDType } = this.entry;
    const fail = (what: string): never => {
      throw new ShapeError(
        'INPUT_SHAPE',
        `${this.modality} input ${what}: expected ${inputDType} ${describeAccepted(this.modality, itemShape)}, got ${t.dtype} ${formatShape(t.shape)}.`,
      );
    };
    if (t.dtype !== inputDType) fail('has the wrong dtype');
    let shape = [...t.shape];
    let groups = shape[0] ?? 0;
    let perGroup = 1;
    if (shape.length >= 5) {
      perGroup = shape[1];
      shape = [shape[0] * shape[1], ...shape.slice(2)];
    }
    let flat: Tensor = { dtype: t.dtype, shape, data: t.data };
    const isStillImages = this.modality === 'vision' && shape.length === 4 && shape[1] === itemShape[0];
    if (isStillImages) flat = padImagesToClips(flat as Float32Tensor, itemShape[1]);
    if (formatShape(flat.shape.slice(1)) !== formatShape(itemShape) || flat.shape[0] === 0) fail('has the wrong shape');
    if (perGroup === 0) fail('has no clips');
    return { flat, groups, perGroup };
  }

  async encode(input: Tensor): Promise<EncodeResult> {
    const { flat, groups, perGroup } = this.normalizeInput(input);
    const n = flat.shape[0];
    const per = numel(flat.shape.slice(1));
    const outDim = this.entry.outputDim;
    const rows = new Float32Array(n * outDim);
    const stages = new Map<string, { parts: Float32Array[]; tail: number[] }>();
    for (let start = 0; start < n; start += this.batchSize) {
      const count = Math.min(this.batchSize, n - start);
      const data = (flat.data as Float32Array | BigInt64Array).subarray(start * per, (start + count) * per);
      const chunk = { dtype: flat.dtype, shape: [count, ...flat.shape.slice(1)], data } as Tensor;
      const result = await this.session.run('input', chunk);
      for (const [name, value] of result) {
        if (name === this.session.outputNames[0]) rows.set(value.data, start * outDim);
        else {
          const s = stages.get(name) ?? { parts: [], tail: value.shape.slice(1) };
          s.parts.push(value.data);
          stages.set(name, s);
        }
      }
    }
    const stageTensors = new Map<string, Float32Tensor>();
    for (const [name, s] of stages) {
      const data = new Float32Array(s.parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of s.parts) {
        data.set(p, o);
        o += p.length;
      }
      stageTensors.set(name, { dtype: 'float32', shape: [n, ...s.tail], data });
    }
    return { output: averageGroups(rows, groups, perGroup, outDim), stages: stageTensors };
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** Mean over S of [B·S, D] rows in float32, as `tensor.reshape(B, S, -1).mean(dim=1)`. */
function averageGroups(rows: Float32Array, groups: number, perGroup: number, dim: number): Float32Tensor {
  if (perGroup === 1) return { dtype: 'float32', shape: [groups, dim], data: rows };
  const out = new Float32Array(groups * dim);
  for (let b = 0; b < groups; b++) {
    for (let j = 0; j < dim; j++) {
      let acc = 0;
      for (let s = 0; s < perGroup; s++) acc = Math.fround(acc + rows[(b * perGroup + s) * dim + j]);
      out[b * dim + j] = Math.fround(acc / perGroup);
    }
  }
  return { dtype: 'float32', shape: [groups, dim], data: out };
}
