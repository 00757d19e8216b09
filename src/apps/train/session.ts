/**
 * Runs an in-memory graph (training graphs, gradient checks) with onnxruntime-node. Every weight
 * the caller feeds is a graph input, so there is no external data to place: the serialized model
 * holds only inline constants.
 */
import ort from 'onnxruntime-node';
import type { Tensor } from '../../core/tensor.ts';
import type { Graph } from '../../model/graph.ts';
import { serializeModel } from '../../model/onnx/serialize.ts';
import { OPSET } from '../../model/convert.ts';

export interface GraphSessionOptions {
  /** Intra-op threads; 1 makes runs bit-reproducible. */
  readonly threads?: number;
}

export type Feeds = Readonly<Record<string, Tensor>>;

function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'float32' || t.dtype === 'int64') return new ort.Tensor(t.dtype, t.data as Float32Array | BigInt64Array, [...t.shape]);
  throw new TypeError(`graph session: unsupported input dtype ${t.dtype}`);
}

export function graphBytes(graph: Graph): Uint8Array {
  return serializeModel(graph, {
    opsetVersion: OPSET,
    producerVersion: '0.1.0',
    locate: (init) => {
      throw new Error(`graph session: initializer ${init.name} still points into a checkpoint; bind it first (bindWeights)`);
    },
  });
}

export class GraphSession {
  private constructor(private readonly session: ort.InferenceSession, readonly inputNames: readonly string[], readonly outputNames: readonly string[]) {}

  static async create(graph: Graph, opts: GraphSessionOptions = {}): Promise<GraphSession> {
    const session = await ort.InferenceSession.create(graphBytes(graph), {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: opts.threads ?? 2,
      interOpNumThreads: 1,
    });
    return new GraphSession(session, session.inputNames, session.outputNames);
  }

  /** Runs the graph; returns the requested outputs (all by default) as float32 tensors. */
  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Map<string, Tensor<'float32'>>> {
    const input: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) input[k] = toOrt(t);
    const result = outputs ? await this.session.run(input, [...outputs]) : await this.session.run(input);
    const out = new Map<string, Tensor<'float32'>>();
    for (const [name, value] of Object.entries(result)) {
      out.set(name, { dtype: 'float32', shape: [...value.dims], data: value.data as Float32Array });
    }
    return out;
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
