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
  release(): Promise<void>;
}

function toOrt(t: Tensor): ort.Tensor {
  if (t.dtype === 'float32') return new ort.Tensor('float32', t.data as Float32Array, [...t.shape]);
  if (t.dtype === 'int64') return new ort.Tensor('int64', t.data as BigInt64Array, [...t.shape]);
  throw new TypeError(`backend: unsupported input dtype ${t.dtype as DType}`);
}

export async function createSession(path: string, opts: SessionOptions = {}): Promise<BackendSession> {
  const threads = opts.threads ?? availableParallelism();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(path, {
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      enableCpuMemArena: true,
      enableMemPattern: true,
      ...(opts.optimizedModelPath ? { optimizedModelFilePath: opts.optimizedModelPath } : {}),
    });
  } catch (e) {
    throw new ConfigError('MODEL_LOAD_FAILED', `${path}: onnxruntime could not load the graph (${(e as Error).message}). Re-create the model directory with \`imagebind convert\`.`, { cause: e });
  }
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    async run(inputName, input) {
      const result = await session.run({ [inputName]: toOrt(input) });
      const out = new Map<string, Tensor<'float32'>>();
      for (const [name, value] of Object.entries(result)) {
        out.set(name, { dtype: 'float32', shape: [...value.dims], data: value.data as Float32Array });
      }
      return out;
    },
    release: () => session.release(),
  };
}
