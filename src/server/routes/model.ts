/**
 * The model directory and the onnxruntime-web runtime, served so that browsers can embed queries
 * themselves (src/embed/web.ts). Only files the manifest names are served, never a path lookup.
 * The runtime's files are public like the UI shell; the model needs the token like the rest of /v1.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.ts';
import { fail } from '../http-errors.ts';

/** Cross-origin isolation: WASM threads need SharedArrayBuffer, which only isolated pages get. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

const RUNTIME_FILE = /^ort-wasm-simd-threaded(\.jsep|\.asyncify|\.jspi)?\.(wasm|mjs)$/;

function runtimeDir(): string | null {
  try {
    // The package's CommonJS entry sits in dist/, beside the .wasm files.
    return dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
  } catch {
    return null;
  }
}

function modelFiles(ctx: ServerContext): Map<string, string> {
  const { manifest } = ctx.engine.model;
  const files = new Map<string, string>();
  for (const entry of Object.values(manifest.modalities)) {
    if (!entry) continue;
    files.set(entry.graph, 'application/octet-stream');
    files.set(entry.weights, 'application/octet-stream');
  }
  if (manifest.tokenizer)
    files.set(
      manifest.tokenizer.merges,
      manifest.tokenizer.merges.endsWith('.gz') ? 'application/gzip' : 'text/plain; charset=utf-8',
    );
  return files;
}

/**
 * `name` is what the client asked for: errors say that, never the server's own paths. The ETag is
 * `tag` with the file's size and mtime, so it changes when the file does.
 */
async function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  path: string,
  name: string,
  type: string,
  tag: string,
) {
  const info = await stat(path).catch(() => null);
  if (!info?.isFile())
    throw fail(
      'FILE_NOT_FOUND',
      `${name} is missing on the server; its operator should re-create the model directory with \`imagebind convert\`.`,
    );
  const etag = `"${tag}${info.size}-${Math.floor(info.mtimeMs)}"`;
  reply.headers({ ...ISOLATION_HEADERS, etag, 'cache-control': 'no-cache', 'content-type': type });
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  reply.header('content-length', info.size);
  return reply.send(createReadStream(path));
}

export function registerModelFiles(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/v1/model/manifest.json', async (_req, reply) => {
    const { manifest } = ctx.engine.model;
    // The checkpoint's path on the server is nobody else's business; its file name may help.
    const checkpoint = manifest.source.checkpoint?.split(/[\\/]/).pop() ?? null;
    return reply
      .headers(ISOLATION_HEADERS)
      .header('cache-control', 'no-cache')
      .send({ ...manifest, source: { ...manifest.source, checkpoint } });
  });

  app.get<{ Params: { '*': string } }>('/v1/model/*', async (req, reply) => {
    const name = req.params['*'];
    const type = modelFiles(ctx).get(name);
    if (!type)
      throw fail(
        'NOT_FOUND',
        `the model directory serves manifest.json and the files it names; "${name}" is not one of them.`,
      );
    return sendFile(
      req,
      reply,
      join(ctx.engine.model.dir, name),
      name,
      type,
      `${ctx.engine.model.identity.slice(0, 16)}-`,
    );
  });

  const dir = runtimeDir();
  app.get<{ Params: { file: string } }>('/ort/:file', async (req, reply) => {
    const { file } = req.params;
    if (!dir || !RUNTIME_FILE.test(file))
      throw fail('NOT_FOUND', `no such runtime file: ${file}${dir ? '' : ' (onnxruntime-web is not installed)'}`);
    const type = file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript; charset=utf-8';
    return sendFile(req, reply, join(dir, file), file, type, '');
  });
}
