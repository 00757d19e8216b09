/**
 * POST /v1/generate: the same composed query as /v1/search (JSON `queries` or multipart fields)
 * conditions the model's image decoder; the answer is one PNG. Limits: `steps` ≤ the server's
 * --max-generate-steps; at most --generate-concurrency generations at once (more get 429 with
 * Retry-After); search's per-request limits (--max-body-mb, --max-kind-mb, --max-text-chars,
 * --max-inputs); the request timeout, which (like a client that leaves) stops sampling between
 * steps. With `Accept: text/event-stream` the answer streams `progress` events ({"done", "total"})
 * and ends with an `image` event ({"png": base64, "seed"}) or an `error` one.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { imageToPng } from '../../apps/generate/output.ts';
import type { GenerateOptions } from '../../embed/generate.ts';
import type { SamplerKind } from '../../runtime/diffusion/samplers.ts';
import { type ServerContext, withTimeout } from '../context.ts';
import { errorBody, fail, toHttpError } from '../http-errors.ts';
import { type Part, fieldValues, objectBody, optionalNumber, readParts } from '../inputs.ts';
import { RequestBudget } from '../limits.ts';
import { type ServerQueryPart, composeServerQuery } from '../query.ts';
import { fromJson, fromParts } from './search.ts';

export interface GenerateLimits {
  /** Largest `steps` a request may ask for. */
  readonly maxSteps: number;
  /** Generations running at once; more are refused with 429. */
  readonly concurrency: number;
}

export const DEFAULT_GENERATE_LIMITS: GenerateLimits = { maxSteps: 50, concurrency: 1 };

// k and modalities: the web UI sends the search's form as it is.
const CONTROL = new Set(['weights', 'steps', 'guidance', 'seed', 'sampler', 'noise_level', 'k', 'modalities']);

function settings(get: (name: string) => unknown, limits: GenerateLimits): GenerateOptions {
  const steps = get('steps');
  const o: GenerateOptions = {
    steps:
      steps === undefined || steps === '' ? undefined : optionalNumber('steps', steps, 0, { integer: true, min: 1 }),
    guidance: get('guidance') === undefined ? undefined : optionalNumber('guidance', get('guidance'), 0),
    seed: optionalNumber('seed', get('seed'), 0, { integer: true, min: 0, max: 0xffffffff }),
    noiseLevel:
      get('noise_level') === undefined
        ? undefined
        : optionalNumber('noise_level', get('noise_level'), 0, { integer: true, min: 0 }),
    sampler: typeof get('sampler') === 'string' ? (get('sampler') as SamplerKind) : undefined,
  };
  if (o.steps !== undefined && o.steps > limits.maxSteps)
    throw fail(
      'STEPS_LIMIT',
      `steps ${o.steps} is over this server's limit of ${limits.maxSteps}; ask for fewer (or start the server with a larger --max-generate-steps).`,
    );
  return o;
}

export function registerGenerate(app: FastifyInstance, ctx: ServerContext, limits = DEFAULT_GENERATE_LIMITS): void {
  let active = 0;
  app.post('/v1/generate', async (req, reply) => {
    let parts: ServerQueryPart[];
    let o: GenerateOptions;
    // The same per-request limits as search: body bytes, bytes per kind, text characters, inputs.
    const budget = new RequestBudget(ctx.limits);
    if (req.isMultipart()) {
      const raw: Part[] = await readParts(req, ctx.limits.bodyBytes);
      parts = fromParts(raw, budget, CONTROL);
      o = settings((n) => fieldValues(raw, n)[0], limits);
    } else {
      const body = objectBody(req.body);
      parts = fromJson(ctx, body, budget);
      o = settings((n) => body[n === 'noise_level' ? 'noiseLevel' : n] ?? body[n], limits);
    }
    if (active >= limits.concurrency)
      throw fail(
        'GENERATE_BUSY',
        `${active} generation${active === 1 ? ' is' : 's are'} running, this server's limit (--generate-concurrency ${limits.concurrency}); retry shortly.`,
      );
    active++;
    const stream = (req.headers.accept ?? '').includes('text/event-stream');
    const send = stream ? openStream(reply) : null;
    // A timeout or a client that leaves fires the signal: queued embeds are dropped and sampling
    // stops before its next step. The slot is freed when the work really ends, not at the timeout.
    const generate = (signal: AbortSignal): Promise<Uint8Array> => {
      const work = (async () => {
        const cond = await composeServerQuery(ctx, parts, signal);
        const [img] = await ctx.engine.model.generate(cond, {
          ...o,
          count: 1,
          signal,
          onStep: (done, total) => send?.('progress', { done, total }),
        });
        return imageToPng(img);
      })().finally(() => active--);
      return work;
    };
    if (!send) {
      const png = await withTimeout(ctx, req, generate);
      return reply
        .type('image/png')
        .header('x-imagebind-seed', String(o.seed ?? 0))
        .send(Buffer.from(png));
    }
    try {
      const png = await withTimeout(ctx, req, generate);
      send('image', { png: Buffer.from(png).toString('base64'), seed: o.seed ?? 0 });
    } catch (e) {
      send('error', errorBody(toHttpError(e)).error);
    }
    reply.raw.end();
    return reply;
  });
}

/** Takes over the response for server-sent events; returns the event writer. */
function openStream(reply: FastifyReply): (event: string, data: unknown) => void {
  reply.hijack();
  reply.raw.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  return (event, data) => {
    if (!reply.raw.writableEnded) reply.raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
}
