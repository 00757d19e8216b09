import type { Command } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { type FileKind, userNameOf } from '../../core/modalities.ts';
import { DEFAULT_KIND_MB, DEFAULT_LIMITS, parseKindBudgets } from '../../server/limits.ts';
import { startServer } from '../../server/start.ts';
import { resolveModelDir } from '../model-dir.ts';
import { deviceLoadOptions, deviceOption } from '../device-option.ts';
import { vectorPrecisionOption } from '../store-options.ts';
import type { VectorPrecision } from '../../store/index.ts';
import type { Device } from '../../runtime/device.ts';
import { collect, parsePositiveInt } from '../options.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function parsePort(s: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError('BAD_ARGUMENT', `--port must be 0-65535 (0 picks a free port), got "${s}".`);
  return n;
}

function parseNonNegative(name: string) {
  return (s: string): number => {
    const n = Number(s);
    if (!Number.isFinite(n) || n < 0)
      throw new ConfigError('BAD_ARGUMENT', `${name} must be a number ≥ 0, got "${s}".`);
    return n;
  };
}

interface ServeFlags {
  model?: string;
  db: string;
  port: number;
  host: string;
  token?: string;
  root?: string[];
  uploads?: string;
  maxBatch: number;
  batchWindowMs: number;
  maxQueue: number;
  workers?: number;
  requestTimeoutMs: number;
  maxBodyMb: number;
  maxKindMb?: string;
  maxTextChars: number;
  maxRequestTextChars: number;
  maxInputs: number;
  allowedHosts?: string[];
  allowedOrigins?: string[];
  log?: boolean;
  maxGenerateSteps: number;
  decoder?: string;
  generateConcurrency: number;
  device?: Device;
  vectorPrecision?: VectorPrecision;
}

function list(v: string, acc: string[] | undefined): string[] {
  return [
    ...(acc ?? []),
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function register(program: Command): void {
  program
    .command('serve')
    .description(
      'HTTP API (embed, search, classify, items), the web UI, and a Weaviate multi2vec-bind compatible endpoint',
    )
    .option('--model <dir>', 'model directory (default: the embedded mini model)')
    .addOption(deviceOption())
    .addOption(vectorPrecisionOption())
    .option('--db <file>', 'SQLite index file (created if missing)', 'imagebind.db')
    .option('--port <n>', 'port; 0 picks a free one', parsePort, 8080)
    .option('--host <addr>', 'address to bind; anything but loopback exposes the server', '127.0.0.1')
    .option('--token <token>', 'require "Authorization: Bearer <token>" (default: $IMAGEBIND_TOKEN)')
    .option('--root <dir>', 'folder whose files may be indexed by path and served (repeatable)', collect)
    .option('--uploads <dir>', 'where uploaded files are saved (default: <db dir>/uploads)')
    .option(
      '--max-batch <n>',
      'rows per encoder run (dynamic batching; 1 disables it)',
      parsePositiveInt('--max-batch'),
      16,
    )
    .option('--batch-window-ms <ms>', 'how long a batch waits for more rows', parseNonNegative('--batch-window-ms'), 5)
    .option(
      '--max-queue <n>',
      'rows waiting before requests are refused with 429',
      parsePositiveInt('--max-queue'),
      256,
    )
    .option('--workers <n>', 'preprocessing worker threads (default: CPUs - 1)', parsePositiveInt('--workers'))
    .option('--request-timeout-ms <ms>', 'per-request time limit', parsePositiveInt('--request-timeout-ms'), 120_000)
    .option(
      '--max-body-mb <n>',
      'request body limit in MiB (JSON or multipart, all parts)',
      parsePositiveInt('--max-body-mb'),
      32,
    )
    .option(
      '--max-kind-mb <spec>',
      `bytes of one kind per request in MiB, e.g. "image=64,audio=128" (default ${Object.entries(DEFAULT_KIND_MB)
        .map(([k, v]) => `${userNameOf(k as FileKind)}=${v}`)
        .join(',')})`,
    )
    .option(
      '--max-text-chars <n>',
      'characters per text input',
      parsePositiveInt('--max-text-chars'),
      DEFAULT_LIMITS.textChars,
    )
    .option(
      '--max-request-text-chars <n>',
      'characters of all texts in one request',
      parsePositiveInt('--max-request-text-chars'),
      DEFAULT_LIMITS.requestTextChars,
    )
    .option(
      '--max-inputs <n>',
      'inputs (texts, files, vectors, item ids) per request',
      parsePositiveInt('--max-inputs'),
      DEFAULT_LIMITS.inputs,
    )
    .option(
      '--allowed-hosts <names>',
      'host names the server answers to besides loopback and --host, comma-separated or repeated; "*" for any',
      list,
    )
    .option(
      '--allowed-origins <origins>',
      'origins (e.g. https://app.example) whose pages may POST/DELETE here besides the server\'s own; "*" for any',
      list,
    )
    .option('--log', 'log every request (JSON lines on stderr)')
    .option('--decoder <dir>', 'image decoder for POST /v1/generate (default: <model>/decoder)')
    .option(
      '--max-generate-steps <n>',
      'POST /v1/generate: the most sampling steps a request may ask for',
      parsePositiveInt('--max-generate-steps'),
      50,
    )
    .option(
      '--generate-concurrency <n>',
      'POST /v1/generate: generations at once (more get 429)',
      parsePositiveInt('--generate-concurrency'),
      1,
    )
    .addHelpText(
      'after',
      `
Prints one line "listening on http://HOST:PORT" on stdout when ready; SIGTERM/SIGINT drain
in-flight requests, then exit. With a token, every route except /healthz, /readyz,
/.well-known/{live,ready} and the UI's static files needs it; the token cookie the UI sets for
media tags only authorises reads. Weaviate (multi2vec-bind) sends no token: point it at an
instance without --token on a private network.

Only requests whose Host is a loopback name, the --host address or in --allowed-hosts are
answered (DNS rebinding). POST/DELETE from a browser page need that page to be this server's
own or in --allowed-origins (cross-site forms). Clients without an Origin (curl, Weaviate) pass.
When a request times out or its client disconnects, its queued decodes and encoder rows are
dropped. Limits (413 naming the flag): --max-body-mb, --max-kind-mb, --max-text-chars,
--max-request-text-chars, --max-inputs.

The model directory is served at /v1/model/ (manifest.json and the files it names) so the web
UI's "Embed queries in this browser" can run text, image and audio queries client-side with
onnxruntime-web; the browser then sends only vectors. Encoders run on a worker thread, so probes
and searches are answered while a batch runs. IMAGEBIND_CACHE_DIR=<dir> caches optimised graphs.`,
    )
    .action(async (flags: ServeFlags) => {
      const token = flags.token ?? process.env.IMAGEBIND_TOKEN ?? undefined;
      if (token !== undefined && token.length < 8)
        throw new ConfigError('BAD_ARGUMENT', 'the token must be at least 8 characters.');
      if (!LOOPBACK.has(flags.host) && token === undefined) {
        process.stderr.write(
          `warning: listening on ${flags.host} without a token; anyone who can reach it can read and change the index.\n`,
        );
      }
      const server = await startServer({
        modelDir: await resolveModelDir(flags.model),
        db: flags.db,
        host: flags.host,
        port: flags.port,
        token,
        roots: flags.root ?? [],
        uploads: flags.uploads,
        maxBatch: flags.maxBatch,
        windowMs: flags.batchWindowMs,
        maxQueue: flags.maxQueue,
        workers: flags.workers,
        requestTimeoutMs: flags.requestTimeoutMs,
        limits: {
          bodyBytes: flags.maxBodyMb * 1024 * 1024,
          kindBytes: parseKindBudgets(flags.maxKindMb),
          textChars: flags.maxTextChars,
          requestTextChars: flags.maxRequestTextChars,
          inputs: flags.maxInputs,
        },
        allowedHosts: flags.allowedHosts,
        allowedOrigins: flags.allowedOrigins,
        logger: flags.log === true,
        generate: { maxSteps: flags.maxGenerateSteps, concurrency: flags.generateConcurrency },
        decoder: flags.decoder,
        ...deviceLoadOptions(flags),
        vectorPrecision: flags.vectorPrecision,
      });
      process.stdout.write(`listening on ${server.url}\n`);
      await new Promise<void>((resolve) => {
        const stop = (sig: NodeJS.Signals) => {
          process.stderr.write(`${sig}: draining in-flight requests\n`);
          // A second signal, or a drain that hangs, must still end the process. Not process.exit():
          // tearing down the encoders' thread inside a native onnxruntime call aborts with a core
          // dump, so the signal is raised again with default handling instead.
          const die = (s: NodeJS.Signals) => {
            process.removeAllListeners(s);
            process.kill(process.pid, s);
          };
          process.once(sig, () => die(sig));
          setTimeout(() => {
            process.stderr.write('drain did not finish in 30 s; exiting\n');
            die('SIGKILL');
          }, 30_000).unref();
          void server.close().then(resolve);
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
      });
    });
}
