/**
 * The fastify application: body limits, multipart, the bearer-token gate, request metrics, and
 * one error handler that turns every failure into the JSON error shape via http-errors.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ServerContext } from './context.ts';
import { errorBody, fail, toHttpError } from './http-errors.ts';
import { registerClassify } from './routes/classify.ts';
import { registerEmbed } from './routes/embed.ts';
import { registerInfo } from './routes/info.ts';
import { registerItems } from './routes/items.ts';
import { registerModelFiles } from './routes/model.ts';
import { registerSearch } from './routes/search.ts';
import { WEAVIATE_ROUTES, registerWeaviate, weaviateStatus } from './routes/weaviate.ts';
import { isUiPath, registerWeb } from './routes/web.ts';

/**
 * Open without a token: liveness/readiness probes (orchestrators and Weaviate's startup check send
 * no credentials) and the UI's static shell (it holds no data; it asks for the token itself).
 */
const PUBLIC = new Set(['/healthz', '/readyz', '/.well-known/live', '/.well-known/ready']);

function presentedToken(req: FastifyRequest): string | null {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  // Lets <img>/<audio> tags in the UI load /v1/items/:id/media, which cannot send headers.
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('imagebind_token='));
  return cookie ? decodeURIComponent(cookie.slice('imagebind_token='.length)) : null;
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function buildApp(ctx: ServerContext, logger = false): Promise<FastifyInstance> {
  const app = Fastify({ logger, bodyLimit: ctx.bodyLimit, return503OnClosing: true, forceCloseConnections: 'idle' });
  await app.register(multipart, {
    limits: { fileSize: ctx.bodyLimit, fieldSize: 1 << 20, files: 64, parts: 1000 },
    throwFileSizeLimit: true,
  });

  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url ?? '';
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > ctx.bodyLimit)
      throw fail(
        'BODY_TOO_LARGE',
        `the body is ${length} bytes; the limit is ${ctx.bodyLimit} (start the server with a larger --max-body-mb).`,
      );
    if (
      ctx.token === undefined ||
      PUBLIC.has(route) ||
      ((req.method === 'GET' || req.method === 'HEAD') && isUiPath(req.url.split('?')[0]))
    )
      return;
    if (!tokenMatches(presentedToken(req), ctx.token))
      throw fail('UNAUTHORIZED', 'missing or wrong token: send "Authorization: Bearer <token>".');
  });

  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.observeRequest(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  // While draining, answered keep-alive connections must close, or server.close() never returns.
  app.addHook('onSend', async (_req, reply) => {
    if (ctx.state.draining) reply.header('connection', 'close');
  });

  app.setErrorHandler((err, req, reply) => {
    const e = toHttpError(err);
    if (e.status >= 500) req.log.error(err);
    if (e.status === 401) reply.header('www-authenticate', 'Bearer');
    reply.headers(e.headers);
    if (WEAVIATE_ROUTES.has(req.routeOptions.url ?? '')) {
      return reply.code(e.status === 400 ? weaviateStatus(err) : e.status).send({ error: e.message });
    }
    return reply.code(e.status).send(errorBody(e));
  });

  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(
      errorBody({
        status: 404,
        code: 'NOT_FOUND',
        message: `no route ${req.method} ${req.url.split('?')[0]}`,
        headers: {},
      }),
    );
  });

  registerInfo(app, ctx);
  registerEmbed(app, ctx);
  registerSearch(app, ctx);
  registerClassify(app, ctx);
  registerItems(app, ctx);
  registerWeaviate(app, ctx);
  registerModelFiles(app, ctx);
  registerWeb(app);
  return app;
}
