/**
 * The onnxruntime backend, in one file (transformers.js keeps its backend in one place too), so a
 * browser build can swap `onnxruntime-node` for `onnxruntime-web` behind the same few functions.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { ConfigError } from '../core/errors.ts';
import type { DType, Tensor } from '../core/tensor.ts';

export interface SessionOptions {
  /** Threads for one operator; defaults to the machine's cores. */
  readonly threads?: number;
  /** Where onnxruntime may cache the optimised graph. */
  readonly optimizedModelPath?: string;
}

export interface BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(inputName: string, input: Tensor): Promise<Map<string, Tensor<'float32'>>>;
  /** Several named inputs; returns the requested outputs (all by default). */
  runFeeds(feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]): Promise<Map<string, Tensor<'float32'>>>;
  release(): Promise<void>;
}

function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'float32') return new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
  if (t.dtype === 'int64') return new ort.Tensor('int64', t.data as BigInt64Array, [...t.shape]);
  throw new TypeError(`backend: unsupported input dtype ${t.dtype as DType}`);
}

/** A session over a model file (external weights beside it) or in-memory model bytes. */
export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<BackendSession> {
  const threads = opts.threads ?? availableParallelism();
  const where = typeof model === 'string' ? model : '<in-memory graph>';
  let session: ort.InferenceSession;
  try {
    const options: ort.InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableCpuMemArena: true,
      enableMemPattern: true,
      ...(opts.optimizedModelPath ? { optimizedModelFilePath: opts.optimizedModelPath } : {}),
    };
    session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  } catch (e) {
    throw new ConfigError('MODEL_LOAD_FAILED', `${where}: onnxruntime could not load the graph (${(e as Error).message}). Re-create the model directory with \`imagebind convert\`.`, { cause: e });
  }
  const runFeeds = async (feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]) => {
    const input: Record<string, ort.Tensor> = {};
    for (const [k, t] of Object.entries(feeds)) input[k] = toOrt(t);
    const result = outputs ? await session.run(input, [...outputs]) : await session.run(input);
    const out = new Map<string, Tensor<'float32'>>();
    for (const [name, value] of Object.entries(result)) {
      out.set(name, { dtype: 'float32', shape: [...value.dims], data: value.data as Float32Array });
    }
    return out;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    run: (inputName, input) => runFeeds({ [inputName]: input }),
    runFeeds,
    release: () => session.release(),
  };
}
