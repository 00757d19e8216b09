/**
 * Where encoders run: onnxruntime-node's execution providers. On Linux x64 the npm package bundles
 * the CPU and WebGPU (Dawn over Vulkan) providers; CUDA's libraries are downloaded only when the
 * package is installed with ONNXRUNTIME_NODE_INSTALL=cuda12. A device is checked once per process
 * by opening a one-node graph on it, so a missing provider or GPU fails at load with an error that
 * names the provider and what to install, not in the middle of a run; `auto` takes the first that
 * works (CUDA, then WebGPU) and falls back to the CPU, saying so.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { InferenceSession } from 'onnxruntime-common';
import { ConfigError } from '../core/errors.ts';
import { Graph } from '../model/graph.ts';
import { serializeModel } from '../model/onnx/serialize.ts';

export const DEVICES = ['cpu', 'webgpu', 'cuda', 'auto'] as const;
/** What a user asks for. */
export type Device = (typeof DEVICES)[number];
/** Where sessions actually run once `auto` is resolved. */
export type ResolvedDevice = Exclude<Device, 'auto'>;

/** onnxruntime's name for each device's provider, as its profiler reports node placement. */
export const PROVIDER_NAMES: Readonly<Record<ResolvedDevice, string>> = {
  cpu: 'CPUExecutionProvider',
  webgpu: 'WebGpuExecutionProvider',
  cuda: 'CUDAExecutionProvider',
};

/** A device name from a flag or IMAGEBIND_DEVICE; `source` names where it came from in the error. */
export function parseDevice(s: string, source = '--device'): Device {
  const name = s.trim().toLowerCase();
  if ((DEVICES as readonly string[]).includes(name)) return name as Device;
  throw new ConfigError('BAD_ARGUMENT', `${source}: unknown device "${s}"; use one of: ${DEVICES.join(', ')}.`);
}

/** The device asked for: the option, else $IMAGEBIND_DEVICE, else the CPU. */
export function requestedDevice(option?: Device | string): Device {
  if (option !== undefined) return parseDevice(option, 'device');
  const env = process.env.IMAGEBIND_DEVICE;
  return env ? parseDevice(env, 'IMAGEBIND_DEVICE') : 'cpu';
}

/** The execution providers a session on `device` is given; onnxruntime places what they lack on the CPU. */
export function executionProviders(device: ResolvedDevice): InferenceSession.ExecutionProviderConfig[] {
  if (device === 'cuda') return [{ name: 'cuda', deviceId: 0 }, 'cpu'];
  if (device === 'webgpu') return ['webgpu', 'cpu'];
  return ['cpu'];
}

/** onnxruntime-node's native folder, where the CUDA provider's libraries are installed. */
function nativeDir(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

function installScript(): string {
  return join(dirname(createRequire(import.meta.url).resolve('onnxruntime-node/package.json')), 'script', 'install.js');
}

/** Why a provider could not start: a short summary (what `auto` reports) and what to do about it. */
export interface DeviceFailure {
  readonly summary: string;
  readonly help: string;
}

export function formatFailure(f: DeviceFailure): string {
  return `${f.summary}. ${f.help}`;
}

/** The CUDA provider's library, which onnxruntime-node's installer downloads only when asked. */
function cudaLibrary(): string {
  return join(nativeDir(), 'libonnxruntime_providers_cuda.so');
}

/** Why a provider failed to start, as an actionable message (what is missing and how to get it). */
export function explainFailure(device: ResolvedDevice, reason: string): DeviceFailure {
  if (device === 'cuda') {
    if (!existsSync(cudaLibrary()))
      return {
        summary: 'the CUDA execution provider is not installed',
        help:
          `onnxruntime-node bundles only the CPU and WebGPU providers and downloads CUDA's (${cudaLibrary()}) only when ` +
          `installed with ONNXRUNTIME_NODE_INSTALL=cuda12: run \`ONNXRUNTIME_NODE_INSTALL=cuda12 node ${installScript()}\` ` +
          `(it needs CUDA 12 and cuDNN 9 on the machine), or use --device webgpu or cpu.`,
      };
    return {
      summary: `the CUDA execution provider could not start (${reason})`,
      help:
        'Its libraries are installed; check that the NVIDIA driver, CUDA 12 (libcudart, libcublas) and cuDNN 9 are ' +
        'installed and on LD_LIBRARY_PATH and that a GPU is visible (nvidia-smi), or use --device webgpu or cpu.',
    };
  }
  if (device === 'webgpu') {
    return {
      summary: `the WebGPU execution provider found no usable GPU (${reason})`,
      help:
        "onnxruntime-node's WebGPU provider runs Dawn over Vulkan: install libvulkan1 and the GPU's Vulkan driver " +
        "(NVIDIA's also needs the glvnd libraries: libglvnd0, libegl1, libgl1, libglx0, libopengl0, libgles2; " +
        '`vulkaninfo --summary` should list the GPU), or use --device cpu.',
    };
  }
  return { summary: `the CPU execution provider failed (${reason})`, help: 'Re-install onnxruntime-node.' };
}

/** The useful part of onnxruntime's message: Dawn's own sentence, else the first line without its source prefix. */
export function shortReason(message: string): string {
  const adapter = /Failed to get a WebGPU adapter[^\n]*/.exec(message);
  if (adapter) return adapter[0].trim();
  const first = message.split('\n')[0];
  const tail = / was false\. (.*)$/.exec(first);
  return (tail ? tail[1] : first.replace(/^\/\S+:\d+ \S+ /, '')).trim();
}

function probeGraph(): Uint8Array {
  const g = new Graph('imagebind_device_probe');
  const x = g.input('x', 'float32', [4]);
  g.output(g.op('Add', [x, x], {}, 'y'), 'float32', [4]);
  return serializeModel(g, {
    locate: () => {
      throw new Error('the probe graph has no external weights');
    },
    opsetVersion: 17,
    producerVersion: '0',
  });
}

/**
 * The probe, run in a child process: Dawn and onnxruntime print their own warnings straight to the
 * native stderr when a provider fails (and a broken driver can take the process down), so a
 * separate process keeps both out of the caller's. It prints one JSON line: {"ok"} or {"error"}.
 */
const PROBE_SCRIPT = `
const [ortPath, graph, device, providers] = process.argv.slice(1);
const { default: ort } = await import(ortPath);
try {
  const s = await ort.InferenceSession.create(Buffer.from(graph, 'base64'), {
    executionProviders: JSON.parse(providers), logSeverityLevel: 4 });
  const out = await s.run({ x: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [4]) });
  const y = out[s.outputNames[0]];
  const data = y.location === 'cpu' || y.location === undefined ? y.data : await y.getData(true);
  await s.release();
  console.log(JSON.stringify(data[3] === 8 ? { ok: true } : { error: 'a test graph returned ' + Array.from(data).join(', ') }));
} catch (e) {
  console.log(JSON.stringify({ error: String(e && e.message || e) }));
}`;

/** Opens and runs a one-node graph on `device` (in a child process); null when it works, else why not. */
export async function probeDevice(device: ResolvedDevice): Promise<DeviceFailure | null> {
  if (device === 'cpu') return null;
  // Without the library there is nothing to try (and onnxruntime would log its own error for it).
  if (device === 'cuda' && !existsSync(cudaLibrary())) return explainFailure(device, 'not installed');
  const ortPath = pathToFileURL(createRequire(import.meta.url).resolve('onnxruntime-node')).href;
  const args = [
    '--input-type=module',
    '-e',
    PROBE_SCRIPT,
    ortPath,
    Buffer.from(probeGraph()).toString('base64'),
    device,
    JSON.stringify(executionProviders(device)),
  ];
  const r = await new Promise<{ stdout: string; stderr: string; code: number | null; signal: string | null }>(
    (resolve) => {
      execFile(process.execPath, args, { timeout: 120_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) =>
        resolve({
          stdout,
          stderr,
          code: err ? ((err as { code?: number }).code ?? 1) : 0,
          signal: (err as { signal?: string } | null)?.signal ?? null,
        }),
      );
    },
  );
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  let result: { ok?: boolean; error?: string } = {};
  try {
    result = JSON.parse(line) as typeof result;
  } catch {
    const why = r.signal ? `the probe process was killed by ${r.signal}` : `the probe process exited with ${r.code}`;
    return explainFailure(device, `${why}: ${shortReason(r.stderr.trim() || 'no output')}`);
  }
  return result.ok ? null : explainFailure(device, shortReason(result.error ?? 'unknown error'));
}

const probes = new Map<ResolvedDevice, Promise<DeviceFailure | null>>();

/** probeDevice, once per process and device. */
export function checkDevice(device: ResolvedDevice): Promise<DeviceFailure | null> {
  let p = probes.get(device);
  if (!p) {
    p = probeDevice(device);
    probes.set(device, p);
  }
  return p;
}

export interface DeviceChoice {
  readonly device: ResolvedDevice;
  /** Set when `auto` fell back to the CPU: what was tried and why each failed. */
  readonly note: string | null;
}

/** The order `auto` tries GPUs in: CUDA's kernels are faster where its libraries are installed. */
const AUTO_ORDER: readonly ResolvedDevice[] = ['cuda', 'webgpu'];

/**
 * Resolves a requested device: an explicit GPU that cannot start is an error (DEVICE_UNAVAILABLE,
 * naming the provider and what to install); `auto` returns the first GPU that starts, else the CPU
 * with a note listing why each GPU did not.
 */
export async function resolveDevice(requested: Device): Promise<DeviceChoice> {
  if (requested === 'cpu') return { device: 'cpu', note: null };
  if (requested !== 'auto') {
    const failure = await checkDevice(requested);
    if (failure) throw new ConfigError('DEVICE_UNAVAILABLE', `device ${requested}: ${formatFailure(failure)}`);
    return { device: requested, note: null };
  }
  const reasons: string[] = [];
  for (const d of AUTO_ORDER) {
    const failure = await checkDevice(d);
    if (!failure) return { device: d, note: null };
    reasons.push(`${d}: ${failure.summary}`);
  }
  return {
    device: 'cpu',
    note: `device auto: no GPU execution provider could start, running on the CPU (${reasons.join('; ')}).`,
  };
}
