/**
 * The fastify application: body limits and parsers, multipart, the access guard (Host, Origin,
 * token), request cancellation, request metrics, and one error handler that turns every failure into the JSON error shape via http-errors.ts.
 */
import multipart from '@fastify/multipart';
import { ImageBindError } from '../core/errors.ts';
import Fastify, { type FastifyInstance } from 'fastify';
import { type ServerContext, trackRequest } from './context.ts';
import { checkHost, checkOrigin, checkToken } from './guard.ts';
import { errorBody, toHttpError } from './http-errors.ts';
import { parseJsonBody } from './inputs.ts';
import { bodyTooLarge } from './limits.ts';
import { publicMessage } from './public-path.ts';
import { registerClassify } from './routes/classify.ts';
import { registerEmbed } from './routes/embed.ts';
import { registerGenerate } from './routes/generate.ts';
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

export async function buildApp(ctx: ServerContext, logger = false): Promise<FastifyInstance> {
  const bodyLimit = ctx.limits.bodyBytes;
  const app = Fastify({ logger, bodyLimit, return503OnClosing: true, forceCloseConnections: 'idle' });
  await app.register(multipart, {
    // Text fields: a text's UTF-8 bytes (≤ 4 per character) up to the text limit, then readParts says so.
    limits: { fileSize: bodyLimit, fieldSize: ctx.limits.textChars * 4, files: 64, parts: 1000 },
    throwFileSizeLimit: true,
  });
  // Only JSON and multipart bodies: text/plain is one of the types a cross-site form may post.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (e) {
      done(e as Error, undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    trackRequest(req, reply);
    const route = req.routeOptions.url ?? '';
    // Probes reveal nothing, and orchestrators send the pod's address as Host.
    if (!PUBLIC.has(route)) checkHost(req, ctx.access);
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > bodyLimit) throw bodyTooLarge(length, bodyLimit);
    const isPublic =
      PUBLIC.has(route) || ((req.method === 'GET' || req.method === 'HEAD') && isUiPath(req.url.split('?')[0]));
    if (ctx.access.token !== undefined && !isPublic) checkToken(req, ctx.access.token);
    checkOrigin(req, ctx.access);
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
    const raw = toHttpError(err);
    const e = { ...raw, message: publicMessage(ctx, raw.message) };
    if (e.status >= 500) req.log.error(err);
    if (e.status === 401) reply.header('www-authenticate', 'Bearer');
    reply.headers(e.headers);
    if (WEAVIATE_ROUTES.has(req.routeOptions.url ?? '')) {
      return reply.code(err instanceof ImageBindError ? weaviateStatus(err) : e.status).send({ error: e.message });
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
  registerGenerate(app, ctx, ctx.generate);
  registerItems(app, ctx);
  registerWeaviate(app, ctx);
  registerModelFiles(app, ctx);
  registerWeb(app);
  return app;
}
