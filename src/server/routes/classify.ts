/**
 * POST /v1/classify: zero-shot classification with the semantics of apps/classify.ts (softmax over
 * dot products of the raw outputs, so logit scales act as temperature), for base64 or text inputs.
 */
import type { FastifyInstance } from 'fastify';
import { softmax } from '../../apps/classify.ts';
import type { FileKind } from '../../preprocess/loaders.ts';
import { type ServerContext, withTimeout } from '../context.ts';
import { type MediaSource, vectorsOf } from '../engine.ts';
import type { InputKind } from '../../embed/embed.ts';
import { fail } from '../http-errors.ts';
import { decodeBase64, fileKindOf, objectBody, stringList } from '../inputs.ts';
import { RequestBudget } from '../limits.ts';
import { checkContent } from '../sniff.ts';

export function registerClassify(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/classify', async (req) => {
    const body = objectBody(req.body);
    const budget = new RequestBudget(ctx.limits);
    const labels = stringList('labels', body.labels);
    if (labels.length < 2) throw fail('LABELS_REQUIRED', 'give at least two labels, e.g. {"labels": ["dog", "car"]}.');
    const template = body.template === undefined ? 'a {}.' : body.template;
    if (typeof template !== 'string') throw fail('BAD_REQUEST', 'template must be a string such as "a photo of a {}."');
    if (!Array.isArray(body.inputs) || body.inputs.length === 0)
      throw fail('NO_INPUT', 'inputs must be a non-empty array of {kind, data} or {kind: "text", text}.');
    const prompts = labels.map((l) => (template.includes('{}') ? template.replaceAll('{}', l) : `${template} ${l}`));
    prompts.forEach((p, i) => budget.text(`the prompt for labels[${i}]`, p));
    const texts = [...prompts];
    const media: { [K in FileKind]?: MediaSource[] } = {};
    const where = body.inputs.map((x: unknown, i): [string, number] => {
      const o = objectBody(x);
      if (o.kind === 'text') {
        if (typeof o.text !== 'string') throw fail('BAD_REQUEST', `inputs[${i}].text must be a string.`);
        budget.text(`inputs[${i}].text`, o.text);
        return ['text', texts.push(o.text) - 1];
      }
      const kind = typeof o.kind === 'string' ? fileKindOf(o.kind) : null;
      if (!kind)
        throw fail('BAD_REQUEST', `inputs[${i}].kind must be text, image, audio, video, depth, thermal or imu.`);
      const bytes = decodeBase64(`inputs[${i}].data`, o.data);
      budget.media(`inputs[${i}].data`, kind, bytes.length);
      checkContent(`inputs[${i}].data`, bytes, kind);
      return [kind, (media[kind] ??= []).push({ bytes }) - 1];
    });
    const out = await withTimeout(ctx, req, (signal) => ctx.engine.embed({ text: texts, ...media }, { signal }));
    const labelVecs = prompts.map((_, j) => vectorsOf(out, 'text')[j]);
    if (labelVecs.some((v) => !v)) throw fail('BAD_REQUEST', 'a label prompt could not be embedded.');
    const results = where.map(([kind, index]) => {
      const v = vectorsOf(out, kind as InputKind)[index];
      if (!v) {
        const e = out.errors.find((x) => x.kind === kind && x.index === index);
        return {
          label: null,
          probs: null,
          error: { code: e?.code ?? 'EMBED_FAILED', message: e?.message ?? 'could not be embedded' },
        };
      }
      const p = softmax(labelVecs.map((t) => t!.reduce((a, x, j) => a + x * v[j], 0)));
      return { label: labels[p.indexOf(Math.max(...p))], probs: Object.fromEntries(labels.map((l, j) => [l, p[j]])) };
    });
    return { results };
  });
}
