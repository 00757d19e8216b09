/**
 * Runs an in-memory graph (training graphs, gradient checks) through the backend. Every weight
 * the caller feeds is a graph input, so there is no external data to place: the serialized model
 * holds only inline constants.
 */
import type { Tensor } from '../core/tensor.ts';
import { OPSET } from '../model/convert.ts';
import type { Graph } from '../model/graph.ts';
import { serializeModel } from '../model/onnx/serialize.ts';
import { type BackendSession, createSession } from '../runtime/backend.ts';

export interface GraphSessionOptions {
  /** Intra-op threads; 1 makes runs bit-reproducible. */
  readonly threads?: number;
}

export type Feeds = Readonly<Record<string, Tensor>>;

export function graphBytes(graph: Graph): Uint8Array {
  return serializeModel(graph, {
    opsetVersion: OPSET,
    producerVersion: '0.1.0',
    extraOpsets: [{ domain: 'com.microsoft', version: 1 }],
    locate: (init) => {
      throw new Error(
        `graph session: initializer ${init.name} still points into a checkpoint; bind it first (bindWeights)`,
      );
    },
  });
}

export class GraphSession {
  private constructor(private readonly session: BackendSession) {}

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  static async create(graph: Graph, opts: GraphSessionOptions = {}): Promise<GraphSession> {
    return new GraphSession(await createSession(graphBytes(graph), { threads: opts.threads ?? 2 }));
  }

  /** Runs the graph; returns the requested outputs (all by default) as float32 tensors. */
  run(feeds: Feeds, outputs?: readonly string[]): Promise<Map<string, Tensor<'float32'>>> {
    return this.session.runFeeds(feeds, outputs);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
