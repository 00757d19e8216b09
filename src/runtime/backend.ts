/**
 * The Node backend: `onnxruntime-node` sessions over a model file (external weights beside it) or
 * in-memory bytes. The browser's counterpart is backend-web.ts; both return session.ts's interface.
 */
import { availableParallelism } from 'node:os';
import ort from 'onnxruntime-node';
import { ConfigError } from '../core/errors.ts';
import { type CacheEntry, optimizedCacheEntry } from './optimized-cache.ts';
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

function baseOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableCpuMemArena: true,
    enableMemPattern: true,
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

export async function createSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<BackendSession> {
  if (opts.inWorker && typeof model === 'string') return createWorkerSession(model, opts);
  const base = baseOptions(opts.threads ?? availableParallelism());
  const options = withExternalDataDir(base, opts.externalDataDir);
  const where = typeof model === 'string' ? model : '<in-memory graph>';
  let session: ort.InferenceSession;
  try {
    if (typeof model !== 'string') session = await ort.InferenceSession.create(model, options);
    else {
      // A cache that cannot be used (read-only folder, full disk) must not stop the model loading.
      const entry = opts.cacheDir
        ? await optimizedCacheEntry(opts.cacheDir, model, ort.env.versions.node ?? '', opts.cacheKey).catch(() => null)
        : null;
      session = entry
        ? await createCached(model, entry, base, opts.externalDataDir)
        : await ort.InferenceSession.create(model, options);
    }
  } catch (e) {
    throw new ConfigError(
      'MODEL_LOAD_FAILED',
      `${where}: onnxruntime could not load the graph (${(e as Error).message}). Re-create the model directory with \`imagebind convert\`.`,
      { cause: e },
    );
  }
  return wrapOrtSession(session, ort.Tensor as unknown as OrtTensorConstructor);
}
