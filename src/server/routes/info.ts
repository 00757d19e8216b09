/** Probes, /metrics and /v1/info (what the UI needs to draw itself). */
import type { FastifyInstance } from 'fastify';
import { INPUT_KINDS, encoderFor } from '../../embed/embed.ts';
import { STORE_MODALITIES } from '../../store/index.ts';
import type { ServerContext } from '../context.ts';
import { fail } from '../http-errors.ts';
import { modelJson } from './embed.ts';

export function registerInfo(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    if (!ctx.state.ready || ctx.state.draining)
      throw fail(
        ctx.state.draining ? 'SHUTTING_DOWN' : 'NOT_READY',
        ctx.state.draining ? 'the server is shutting down.' : 'the model or store is not open yet.',
      );
    return reply.send({ status: 'ready' });
  });

  app.get('/metrics', async (_req, reply) =>
    reply.type('text/plain; version=0.0.4; charset=utf-8').send(ctx.metrics.render()),
  );

  app.get('/v1/info', async () => {
    const counts: Record<string, number> = {};
    for (const m of STORE_MODALITIES) counts[m] = ctx.store.count(m);
    const model = ctx.engine.model;
    return {
      model: {
        ...modelJson(ctx),
        modalities: model.modalities,
        scales: Object.fromEntries(model.modalities.map((m) => [m, model.manifest.modalities[m]?.outputScale ?? null])),
      },
      // What /v1/embed, /v1/search and uploads accept; video runs through the vision encoder.
      inputKinds: INPUT_KINDS.filter((k) => model.modalities.includes(encoderFor(k))),
      items: { total: ctx.store.count(), byModality: counts },
      auth: { required: ctx.access.token !== undefined },
      limits: {
        bodyBytes: ctx.limits.bodyBytes,
        kindBytes: ctx.limits.kindBytes,
        textChars: ctx.limits.textChars,
        requestTextChars: ctx.limits.requestTextChars,
        inputs: ctx.limits.inputs,
        requestTimeoutMs: ctx.requestTimeoutMs,
      },
    };
  });
}
