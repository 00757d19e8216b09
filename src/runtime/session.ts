/**
 * What the encoders need from an onnxruntime session, independent of which onnxruntime package
 * (node or web) made it. Both packages share `onnxruntime-common`'s API, so one adapter serves them.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-common';
import type { DType, Tensor } from '../core/tensor.ts';
import type { ResolvedDevice } from './device.ts';
import type { PlacementReport } from './placement.ts';

export interface SessionOptions {
  /** Threads for one operator; defaults to the machine's cores. */
  readonly threads?: number;
  /** A folder where the optimised graph of each model file is cached (Node; see optimized-cache.ts). */
  readonly cacheDir?: string;
  /** Identifies the weights in the cache key (ImageBind passes the manifest's weight hash and precision). */
  readonly cacheKey?: string;
  /**
   * Where the graph's external weights are when not beside the graph file (Node): a graph variant
   * built elsewhere (the dense vision graph) reads a model directory's weights in place.
   */
  readonly externalDataDir?: string;
  /** Run the session on the process's shared session thread, so runs never block the event loop (Node; graphs given by path). */
  readonly inWorker?: boolean;
  /** Execution provider (Node; resolve `auto` first with device.ts). Default: the CPU. */
  readonly device?: ResolvedDevice;
  /**
   * Profile one warm-up run and record where each node ran (`BackendSession.placement`); on by
   * default for GPU devices, where a compute node placed on the CPU fails the load (DEVICE_FALLBACK).
   */
  readonly checkPlacement?: boolean;
  /** Accept compute nodes on the CPU under a GPU device (a warning instead of DEVICE_FALLBACK). */
  readonly allowCpuFallback?: boolean;
}

/** A graph input's declared element type and shape (symbolic dims as strings). */
export interface InputInfo {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface BackendSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Declared types and shapes of the inputs, where the backend reports them. */
  readonly inputInfo?: readonly InputInfo[];
  run(inputName: string, input: Tensor): Promise<Map<string, Tensor<'float32'>>>;
  /** Several named inputs; returns the requested outputs (all by default). */
  runFeeds(
    feeds: Readonly<Record<string, Tensor>>,
    outputs?: readonly string[],
  ): Promise<Map<string, Tensor<'float32'>>>;
  release(): Promise<void>;
  /** Where each node ran, when the session was opened with placement checking (Node). */
  readonly placement?: PlacementReport;
}

/** The package's Tensor constructor, for the input dtypes the graphs take (encoders: float32, int64). */
export type OrtTensorConstructor = new (
  type: 'float32' | 'int64' | 'int32',
  data: Float32Array | BigInt64Array | Int32Array,
  dims: readonly number[],
) => OrtTensor;

function toOrt(Ctor: OrtTensorConstructor, t: Tensor): OrtTensor {
  if (t.dtype === 'float32') return new Ctor('float32', t.data as Float32Array, [...t.shape]);
  if (t.dtype === 'int64') return new Ctor('int64', t.data as BigInt64Array, [...t.shape]);
  if (t.dtype === 'int32') return new Ctor('int32', t.data as Int32Array, [...t.shape]);
  throw new TypeError(`backend: unsupported input dtype ${t.dtype as DType}`);
}

/** Wraps an onnxruntime session (from either package) in the BackendSession interface. */
export function wrapOrtSession(
  session: InferenceSession,
  Ctor: OrtTensorConstructor,
  placement?: PlacementReport,
): BackendSession {
  const runFeeds = async (feeds: Readonly<Record<string, Tensor>>, outputs?: readonly string[]) => {
    const input: Record<string, OrtTensor> = {};
    for (const [k, t] of Object.entries(feeds)) input[k] = toOrt(Ctor, t);
    const result = outputs ? await session.run(input, [...outputs]) : await session.run(input);
    const out = new Map<string, Tensor<'float32'>>();
    for (const [name, value] of Object.entries(result)) {
      // A GPU-resident output (WebGPU) is downloaded here; CPU outputs return their data as is.
      const data = value.location === 'cpu' || value.location === undefined ? value.data : await value.getData(true);
      out.set(name, { dtype: 'float32', shape: [...value.dims], data: data as Float32Array });
    }
    return out;
  };
  const meta = (
    session as {
      inputMetadata?: readonly {
        name: string;
        isTensor: boolean;
        type?: string;
        shape?: readonly (number | string)[];
      }[];
    }
  ).inputMetadata;
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputInfo: meta?.map((m) => ({
      name: m.name,
      type: m.isTensor ? (m.type ?? 'unknown') : 'non-tensor',
      shape: m.shape ?? [],
    })),
    run: (inputName, input) => runFeeds({ [inputName]: input }),
    runFeeds,
    release: () => session.release(),
    ...(placement ? { placement } : {}),
  };
}
