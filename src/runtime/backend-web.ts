/**
 * The browser backend: `onnxruntime-web` sessions (WebGPU where the browser has an adapter, else
 * WebAssembly with SIMD and threads) over graph and weight bytes the caller fetched. Same session
 * interface as the Node backend, so the encoders above it do not know which one runs them.
 */
import * as ort from 'onnxruntime-web';
import { ConfigError } from '../core/errors.ts';
import { type BackendSession, type OrtTensorConstructor, wrapOrtSession } from './session.ts';

export type WebExecutionProvider = 'webgpu' | 'wasm';

export interface WebRuntimeOptions {
  /** Tried in order; defaults to WebGPU when the browser offers an adapter, then WASM. */
  readonly executionProviders?: readonly WebExecutionProvider[];
  /** WASM threads; more than one needs a cross-origin-isolated page (COOP + COEP headers). */
  readonly threads?: number;
  /** URL prefix where onnxruntime-web's `.wasm`/`.mjs` files are served (ending in `/`). */
  readonly wasmPaths?: string;
}

export interface WebRuntime {
  readonly executionProviders: readonly WebExecutionProvider[];
  readonly threads: number;
}

interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
  hardwareConcurrency?: number;
}

async function hasWebGpu(): Promise<boolean> {
  const nav = (globalThis as { navigator?: GpuNavigator }).navigator;
  if (!nav?.gpu) return false;
  try {
    return (await nav.gpu.requestAdapter()) !== null;
  } catch {
    return false;
  }
}

function defaultThreads(): number {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: GpuNavigator };
  // SharedArrayBuffer, which WASM threads need, exists only on cross-origin-isolated pages.
  if (g.crossOriginIsolated === false) return 1;
  return Math.max(1, Math.min(8, g.navigator?.hardwareConcurrency ?? 1));
}

let configured: Promise<WebRuntime> | null = null;

/**
 * Sets onnxruntime-web's global options once, before the first session (it reads them when it
 * initialises its WASM module); later calls, concurrent ones included, get the first configuration.
 */
export function configureWebRuntime(opts: WebRuntimeOptions = {}): Promise<WebRuntime> {
  configured ??= configure(opts).catch((e: unknown) => {
    configured = null;
    throw e;
  });
  return configured;
}

async function configure(opts: WebRuntimeOptions): Promise<WebRuntime> {
  const threads = opts.threads ?? defaultThreads();
  ort.env.wasm.numThreads = threads;
  if (opts.wasmPaths) ort.env.wasm.wasmPaths = opts.wasmPaths;
  const wanted = opts.executionProviders ?? ['webgpu', 'wasm'];
  const gpu = wanted.includes('webgpu') && (await hasWebGpu());
  const executionProviders = wanted.filter((ep) => ep !== 'webgpu' || gpu);
  if (executionProviders.length === 0) {
    throw new ConfigError(
      'NO_EXECUTION_PROVIDER',
      `none of the requested execution providers (${wanted.join(', ')}) is available in this browser; allow 'wasm' as a fallback.`,
    );
  }
  return { executionProviders, threads };
}

/** A session over one encoder's graph, with its external weights file supplied as bytes. */
export async function createWebSession(
  graph: Uint8Array,
  weights: { readonly path: string; readonly data: Uint8Array },
  where: string,
): Promise<BackendSession> {
  const runtime = await configureWebRuntime();
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(graph, {
      executionProviders: [...runtime.executionProviders],
      graphOptimizationLevel: 'all',
      externalData: [{ path: weights.path, data: weights.data }],
    });
  } catch (e) {
    throw new ConfigError(
      'MODEL_LOAD_FAILED',
      `${where}: onnxruntime-web could not load the graph (${(e as Error).message}).`,
      { cause: e },
    );
  }
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor);
}
