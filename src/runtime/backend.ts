/**
 * The Node backend: `onnxruntime-node` sessions over a model file (external weights beside it) or
 * in-memory bytes, on the CPU or a GPU execution provider (device.ts). The browser's counterpart is
 * backend-web.ts; both return session.ts's interface.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { ConfigError } from '../core/errors.ts';
import { debugLog } from '../core/debug.ts';
import {
  PROVIDER_NAMES,
  type ResolvedDevice,
  executionProviders,
  explainFailure,
  formatFailure,
  shortReason,
} from './device.ts';
import { type CacheEntry, optimizedCacheEntry } from './optimized-cache.ts';
import { type PlacementReport, formatPlacement, placementFromProfile, profileTarget } from './placement.ts';
import { createWorkerSession } from './session-thread-proxy.ts';
import { type BackendSession, type OrtTensorConstructor, type SessionOptions, wrapOrtSession } from './session.ts';

export type { BackendSession, SessionOptions } from './session.ts';

/*
 * onnxruntime-node 1.30's Linux library embeds Microsoft's 1DS telemetry SDK. Creating the first
 * session builds the ORT environment, whose telemetry set-up reads /proc/self/cmdline whole and
 * matches it with the std::regex "(.*)[ ]*.*[\n]*" to find an "appId" (1DS
 * lib/pal/posix/sysinfo_sources.cpp). libstdc++'s regex executor recurses once per character that
 * `.` consumes (3 frames, ~250 bytes of stack per character): an argv of ~29 KB without a newline
 * overflows the 8 MB main-thread stack (gdb: 86,900 frames of three mutually recursive functions
 * inside libonnxruntime.so under OrtEnv creation), SIGSEGV, exit 139; on a 4 MB worker-thread stack
 * half of that. ORT skips its telemetry entirely when ORT_DISABLE_TELEMETRY is set ("1"/"true"; read
 * with getenv when the environment is created, so setting it before the first session suffices,
 * in every thread). Nothing of ours uses that telemetry, and it would also try HTTPS uploads.
 * An explicit value from the user is kept.
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';

function baseOptions(threads: number, device: ResolvedDevice): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
    executionProviders: executionProviders(device),
  };
}

/** onnxruntime's option naming the folder of external weights (for graphs whose weights live elsewhere). */
function withExternalDataDir(
  options: ort.InferenceSession.SessionOptions,
  dir: string | undefined,
): ort.InferenceSession.SessionOptions {
  if (!dir) return options;
  const extra = (options.extra ?? {}) as Record<string, Record<string, string>>;
  return {
    ...options,
    extra: { ...extra, session: { ...extra.session, model_external_initializers_file_folder_path: dir } },
  };
}

/** A cached optimised graph when there is one; if it fails to load, it is dropped and rebuilt. */
async function createCached(
  path: string,
  entry: CacheEntry,
  base: ort.InferenceSession.SessionOptions,
  externalDataDir: string | undefined,
): Promise<ort.InferenceSession> {
  // The cached graph keeps its weights beside itself; only the source graph reads them elsewhere.
  const options = withExternalDataDir(base, externalDataDir);
  if (entry.cached) {
    try {
      return await ort.InferenceSession.create(entry.cached, { ...base, graphOptimizationLevel: 'disabled' });
    } catch {
      await entry.discard();
      return ort.InferenceSession.create(path, options);
    }
  }
  let session: ort.InferenceSession;
  try {
    // logSeverityLevel 3: its warning that level-`all` graphs are hardware-specific is why the
    // cache key names the CPU; printing it on every first load would only alarm users.
    session = await ort.InferenceSession.create(path, {
      ...withExternalDataDir({ ...base, extra: entry.saveConfig }, externalDataDir),
      optimizedModelFilePath: entry.savePath,
      logSeverityLevel: 3,
    });
  } catch {
    await entry.commit().catch(() => undefined); // nothing was saved: this only removes the staging folder
    return ort.InferenceSession.create(path, options);
  }
  // The session is ready: a cache that cannot be written only costs the next start-up its speed.
  await entry.commit().catch(() => undefined);
  return session;
}

/** Zeros shaped like each input (symbolic dimensions = 1): enough for one run that shows placement. */
function warmUpFeeds(session: ort.InferenceSession): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const m of session.inputMetadata) {
    if (!m.isTensor) continue;
    const dims = m.shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    if (m.type === 'int64') feeds[m.name] = new ort.Tensor('int64', new BigInt64Array(n), dims);
    else if (m.type === 'float16') feeds[m.name] = new ort.Tensor('float16', new Uint16Array(n), dims);
    else feeds[m.name] = new ort.Tensor('float32', new Float32Array(n), dims);
  }
  return feeds;
}

/**
 * Opens a session with the profiler on, runs it once and reads where each node ran. Compute nodes
 * that a GPU device left on the CPU fail the load (DEVICE_FALLBACK) unless `allowCpuFallback`.
 */
async function createProfiled(
  model: string | Uint8Array,
  options: ort.InferenceSession.SessionOptions,
  device: ResolvedDevice,
  allowCpuFallback: boolean,
): Promise<{ session: ort.InferenceSession; placement: PlacementReport }> {
  const target = await profileTarget();
  const profiling = { ...options, enableProfiling: true, profileFilePrefix: target.prefix };
  const session =
    typeof model === 'string'
      ? await ort.InferenceSession.create(model, profiling)
      : await ort.InferenceSession.create(model, profiling);
  let placement: PlacementReport;
  try {
    await session.run(warmUpFeeds(session));
  } finally {
    session.endProfiling();
    placement = placementFromProfile(await target.read(), PROVIDER_NAMES[device]);
  }
  const where = typeof model === 'string' ? model : '<in-memory graph>';
  debugLog('placement', `${where} on ${device}:\n${formatPlacement(placement)}`);
  if (placement.heavyFallbacks.length > 0) {
    const list = placement.heavyFallbacks
      .slice(0, 5)
      .map((n) => `${n.node} (${n.op})`)
      .join(', ');
    const message = `${where}: ${placement.heavyFallbacks.length} compute node(s) ran on the CPU instead of ${PROVIDER_NAMES[device]}, e.g. ${list}; the provider has no kernel for them.`;
    if (!allowCpuFallback) {
      await session.release();
      throw new ConfigError(
        'DEVICE_FALLBACK',
        `${message} Set IMAGEBIND_ALLOW_CPU_FALLBACK=1 to run anyway (slower), or use --device cpu.`,
      );
    }
    process.emitWarning(message, { code: 'IMAGEBIND_CPU_FALLBACK' });
  }
  return { session, placement };
}

export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<BackendSession> {
  if (opts.inWorker && typeof model === 'string') return createWorkerSession(model, opts);
  const device = opts.device ?? 'cpu';
  const base = baseOptions(opts.threads ?? availableParallelism(), device);
  const options = withExternalDataDir(base, opts.externalDataDir);
  const where = typeof model === 'string' ? model : '<in-memory graph>';
  const profiled = opts.checkPlacement ?? device !== 'cpu';
  const allowFallback = opts.allowCpuFallback ?? ['1', 'true'].includes(process.env.IMAGEBIND_ALLOW_CPU_FALLBACK ?? '');
  let session: ort.InferenceSession;
  let placement: PlacementReport | undefined;
  try {
    if (profiled) ({ session, placement } = await createProfiled(model, options, device, allowFallback));
    else if (typeof model !== 'string') session = await ort.InferenceSession.create(model, options);
    else {
      // A cache that cannot be used (read-only folder, full disk) must not stop the model loading.
      // Only CPU graphs are cached: the key names the CPU, and GPU placement is decided per session.
      const entry =
        opts.cacheDir && device === 'cpu'
          ? await optimizedCacheEntry(opts.cacheDir, model, ort.env.versions.node ?? '', opts.cacheKey).catch(
              () => null,
            )
          : null;
      session = entry
        ? await createCached(model, entry, base, opts.externalDataDir)
        : await ort.InferenceSession.create(model, options);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const reason = (e as Error).message;
    if (device !== 'cpu' && /provider|adapter|shared library|webgpu|cuda|vulkan|dawn/i.test(reason))
      throw new ConfigError(
        'DEVICE_UNAVAILABLE',
        `${where}: ${formatFailure(explainFailure(device, shortReason(reason)))}`,
        {
          cause: e,
        },
      );
    throw new ConfigError(
      'MODEL_LOAD_FAILED',
      `${where}: onnxruntime could not load the graph${device === 'cpu' ? '' : ` on ${device}`} (${reason}). Re-create the model directory with \`imagebind convert\`.`,
      { cause: e },
    );
  }
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor, placement);
}
