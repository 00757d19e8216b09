/**
 * Weaviate `multi2vec-bind` inference-container contract, so Weaviate can use this server as its
 * `BIND_INFERENCE_API`. Learned from (read, not copied):
 *   weaviate/multi2vec-bind-inference @ b0700c1: app.py (routes, 204 probes, 500 + {"error": str}),
 *     bind.py (BindInput field names; outputs are `model(inputs)[m].tolist()`, i.e. raw ImageBind
 *     outputs; video embedded by the vision encoder), meta.py + download.py (/meta body
 *     {"model": model._get_name(), "version": model._version} = {"model": "ImageBindModel", "version": 1}),
 *     smoke_tests.py (every response key present, [] when that kind was not sent).
 *   weaviate/weaviate @ adcffc5: modules/multi2vec-bind/clients/vectorizer.go (vecRequest/vecResponse
 *     JSON names, any non-200 is a failure reported with `error`), clients/meta.go, clients/startup.go
 *     (ready = status < 300), vectorizer/vectorizer.go (Weaviate averages the returned vectors of
 *     an object's fields with normalised weights).
 * Normalisation: like the Python container we return the raw outputs (text/audio/depth/thermal/
 * IMU carry the official logit scales; vision is unit-norm; video is a mean of unit vectors), so
 * objects vectorised here and by the official container are interchangeable. Weaviate's cosine
 * distance ignores the length of a single vector; for multi-field objects the scales weigh the
 * average exactly as they do with the official container.
 * Errors use the container's shape {"error": "<message>"} (Weaviate's client reads that string).
 * app.py answers every failure 500; Weaviate treats any non-200 alike, so ours say whose fault it
 * is (see weaviateStatus): a body that is not the request object, or holds undecodable input, is
 * 422 as FastAPI's validation (whose {"detail": ...} body Weaviate cannot read, so ours says "error").
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ImageBindError, MediaError } from '../../core/errors.ts';
import type { FileKind } from '../../preprocess/loaders.ts';
import { type ServerContext, withTimeout } from '../context.ts';
import { type MediaSource, vectorsOf } from '../engine.ts';
import { fail, statusFor } from '../http-errors.ts';
import { decodeBase64 } from '../inputs.ts';
import { RequestBudget } from '../limits.ts';
import { publicMessage } from '../public-path.ts';
import { checkContent } from '../sniff.ts';

export const WEAVIATE_ROUTES = new Set(['/vectorize', '/meta', '/.well-known/live', '/.well-known/ready']);

/** Request field → our input kind, and response field, in the container's order. */
const FIELDS: readonly [string, FileKind | 'text', string][] = [
  ['texts', 'text', 'textVectors'],
  ['images', 'vision', 'imageVectors'],
  ['audio', 'audio', 'audioVectors'],
  ['video', 'video', 'videoVectors'],
  ['imu', 'imu', 'imuVectors'],
  ['depth', 'depth', 'depthVectors'],
  ['thermal', 'thermal', 'thermalVectors'],
];

export type VectorizeResponse = Record<string, number[][]>;

/**
 * The status for an error on a Weaviate route. Weaviate reports any non-200 with its `error`
 * string, so statuses follow the request's fault: a body that is not JSON is 400, one that is JSON
 * but not the request object (or holds bad base64 or undecodable media) 422 as FastAPI's
 * validation, limits and overload keep theirs, and only the server's own failures are 500.
 */
export function weaviateStatus(e: unknown): number {
  if (!(e instanceof ImageBindError)) return 500;
  const s = statusFor(e);
  if (s === 400) return e.code.startsWith('JSON_') ? 400 : 422;
  return s;
}

function strings(field: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
    throw fail('BAD_REQUEST', `${field} must be a list of strings`);
  return v as string[];
}

async function vectorize(ctx: ServerContext, req: FastifyRequest): Promise<VectorizeResponse> {
  const body = req.body;
  const budget = new RequestBudget(ctx.limits);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ImageBindError(
      'BAD_REQUEST',
      'the body must be a JSON object with texts, images, audio, video, imu, thermal, depth',
    );
  const b = body as Record<string, unknown>;
  const texts = strings('texts', b.texts);
  texts.forEach((t, i) => budget.text(`texts[${i}]`, t));
  const media: { [K in FileKind]?: MediaSource[] } = {};
  for (const [field, kind] of FIELDS) {
    if (kind === 'text') continue;
    media[kind] = strings(field, b[field]).map((s, i) => {
      const bytes = decodeBase64(`${field}[${i}]`, s);
      budget.media(`${field}[${i}]`, kind, bytes.length);
      checkContent(`${field}[${i}]`, bytes, kind);
      return { bytes };
    });
  }
  const out = await withTimeout(ctx, req, (signal) => ctx.engine.embed({ text: texts, ...media }, { signal }));
  // The container embeds a request in one model call: one bad item fails the request.
  if (out.errors.length > 0) {
    const e = out.errors[0];
    throw new MediaError(e.code, `${FIELDS.find((f) => f[1] === e.kind)?.[0] ?? e.kind}[${e.index}]: ${e.message}`);
  }
  const res: VectorizeResponse = {};
  for (const [, kind, key] of FIELDS) res[key] = vectorsOf(out, kind).map((v) => Array.from(v!));
  return res;
}

export function registerWeaviate(app: FastifyInstance, ctx: ServerContext): void {
  const probe = (ready: boolean) => async (_req: unknown, reply: FastifyReply) =>
    reply.code(ready || ctx.state.ready ? 204 : 503).send();
  for (const method of ['GET', 'HEAD'] as const) {
    app.route({ method, url: '/.well-known/live', handler: probe(true), exposeHeadRoute: false });
    app.route({ method, url: '/.well-known/ready', handler: probe(false), exposeHeadRoute: false });
  }
  app.get('/meta', async () => ({ model: 'ImageBindModel', version: 1 }));
  app.post('/vectorize', async (req, reply) => {
    try {
      return await vectorize(ctx, req);
    } catch (e) {
      const status = weaviateStatus(e);
      if (status === 500 && !(e instanceof ImageBindError)) req.log.error(e);
      if (status === 429 || status === 503) reply.header('retry-after', '1');
      const message = e instanceof ImageBindError ? e.message : 'internal server error (see the server log)';
      return reply.code(status).send({ error: publicMessage(ctx, message) });
    }
  });
}
