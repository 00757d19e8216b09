/** POST /v1/search: composed queries (JSON or multipart) against the store. */
import type { FastifyInstance } from 'fastify';
import { type ServerContext, withTimeout } from '../context.ts';
import { canonicalKindName } from '../../core/modalities.ts';
import { fail } from '../http-errors.ts';
import { type Part, decodeBase64, fieldValues, fileKindOf, objectBody, optionalNumber, readParts } from '../inputs.ts';
import { type ServerQueryPart, composeServerQuery } from '../query.ts';
import { RequestBudget } from '../limits.ts';
import { publicPath } from '../public-path.ts';
import { checkContent } from '../sniff.ts';

const FLOAT32_MAX = 3.4028234663852886e38;

function modalityList(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const list = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : null;
  if (!list || list.some((x) => typeof x !== 'string'))
    throw fail('BAD_REQUEST', 'modalities must be a list of modality names.');
  return (list as string[])
    .map((m) => m.trim())
    .filter(Boolean)
    .map(canonicalKindName);
}

/**
 * A vector the client embedded itself (the web UI's in-browser mode). `identity` is the model's
 * embedding-space identity the client used; a vector from another space would match nonsense.
 */
function vectorQuery(ctx: ServerContext, label: string, o: Record<string, unknown>): Float32Array {
  const v = o.vector;
  // Finite in float64 is not enough: beyond float32's range a value becomes Infinity in the store.
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !(Math.abs(x) <= FLOAT32_MAX))) {
    throw fail('BAD_REQUEST', `${label}.vector must be an array of finite float32 numbers.`);
  }
  if (v.length !== ctx.engine.dim)
    throw fail(
      'BAD_REQUEST',
      `${label}.vector has ${v.length} values; this server's model embeds into ${ctx.engine.dim}.`,
    );
  if (v.every((x) => x === 0))
    throw fail('BAD_REQUEST', `${label}.vector is all zeros, which has no direction to search in.`);
  if (typeof o.identity !== 'string') {
    throw fail(
      'BAD_REQUEST',
      `${label}.identity is required with a vector: the embedding-space identity of the model that made it (GET /v1/info, model.identity).`,
    );
  }
  if (o.identity !== ctx.engine.model.identity) {
    throw fail(
      'QUERY_WRONG_SPACE',
      `${label}.vector comes from another embedding space (identity ${o.identity.slice(0, 12)}…, this server's is ${ctx.engine.model.identity.slice(0, 12)}…); embed it with the model at /v1/model/.`,
    );
  }
  return Float32Array.from(v as number[]);
}

/** `queries` of a JSON body → query parts, counted against `budget` (also POST /v1/generate's). */
export function fromJson(ctx: ServerContext, body: Record<string, unknown>, budget: RequestBudget): ServerQueryPart[] {
  if (!Array.isArray(body.queries))
    throw fail('BAD_REQUEST', 'queries must be an array of {kind, text | data | itemId | vector, weight?, negate?}.');
  return body.queries.map((q: unknown, i): ServerQueryPart => {
    const label = `queries[${i}]`;
    const o = objectBody(q);
    const weight = optionalNumber(`${label}.weight`, o.weight, 1);
    if (o.negate !== undefined && typeof o.negate !== 'boolean')
      throw fail('BAD_REQUEST', `${label}.negate must be true or false.`);
    const negate = o.negate === true;
    if (o.kind === 'vector') {
      budget.input(label);
      return { label, weight, negate, source: { vector: vectorQuery(ctx, label, o) } };
    }
    if (o.itemId !== undefined) {
      budget.input(label);
      return {
        label,
        weight,
        negate,
        source: { itemId: optionalNumber(`${label}.itemId`, o.itemId, 0, { integer: true, min: 1 }) },
      };
    }
    if (o.kind === 'text') {
      if (typeof o.text !== 'string') throw fail('BAD_REQUEST', `${label}.text must be a string.`);
      budget.text(`${label}.text`, o.text);
      return { label, weight, negate, source: { text: o.text } };
    }
    const kind = typeof o.kind === 'string' ? fileKindOf(o.kind) : null;
    if (!kind)
      throw fail('BAD_REQUEST', `${label}.kind must be text, image, audio, video, depth, thermal, imu or vector.`);
    const bytes = decodeBase64(`${label}.data`, o.data);
    budget.media(`${label}.data`, kind, bytes.length);
    checkContent(`${label}.data`, bytes, kind);
    return { label, weight, negate, source: { media: { bytes }, kind } };
  });
}

const CONTROL_FIELDS = new Set(['k', 'modalities', 'weights', 'segments']);

/** Multipart fields → query parts; `control` names the non-input fields (also POST /v1/generate's). */
export function fromParts(
  parts: readonly Part[],
  budget: RequestBudget,
  control: ReadonlySet<string> = CONTROL_FIELDS,
): ServerQueryPart[] {
  const out: ServerQueryPart[] = [];
  for (const p of parts) {
    if (control.has(p.field)) continue;
    const negate = p.field.startsWith('minus_');
    const name = negate ? p.field.slice('minus_'.length) : p.field;
    if (name === 'text' && p.value !== undefined) {
      budget.text(p.field, p.value);
      out.push({ label: p.field, weight: 1, negate, source: { text: p.value } });
    } else if (name === 'itemId' && p.value !== undefined) {
      budget.input(p.field);
      out.push({
        label: p.field,
        weight: 1,
        negate,
        source: { itemId: optionalNumber(p.field, p.value, 0, { integer: true, min: 1 }) },
      });
    } else if (p.file && fileKindOf(name)) {
      const { kind } = checkContent(
        `${p.field} (${p.file.filename})`,
        p.file.bytes,
        fileKindOf(name),
        p.file.filename,
        p.file.mimetype,
      );
      budget.media(`${p.field} (${p.file.filename})`, kind, p.file.bytes.length);
      out.push({ label: p.field, weight: 1, negate, source: { media: { bytes: p.file.bytes }, kind } });
    } else
      throw fail(
        'BAD_REQUEST',
        `unknown field "${p.field}"; use text, image, audio, video, depth, thermal, imu, itemId, minus_<kind>, weights, k, modalities.`,
      );
  }
  // As the CLI: weights apply to the positive inputs, in order.
  const weights = (fieldValues(parts, 'weights')[0] ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => optionalNumber('weights', s, 1));
  const positives = out.filter((q) => !q.negate);
  if (weights.length > positives.length)
    throw fail(
      'BAD_REQUEST',
      `weights has ${weights.length} values but there are ${positives.length} positive query inputs.`,
    );
  return out.map((q) => (q.negate ? q : { ...q, weight: weights[positives.indexOf(q)] ?? 1 }));
}

export function registerSearch(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/search', async (req) => {
    let parts: ServerQueryPart[];
    let k: number;
    let modalities: string[] | undefined;
    let bySegment = false;
    const budget = new RequestBudget(ctx.limits);
    if (req.isMultipart()) {
      const raw = await readParts(req, ctx.limits.bodyBytes);
      parts = fromParts(raw, budget);
      k = optionalNumber('k', fieldValues(raw, 'k')[0], 10, { integer: true, min: 1, max: 1000 });
      modalities = modalityList(fieldValues(raw, 'modalities')[0]);
      bySegment = fieldValues(raw, 'segments')[0] === 'true';
    } else {
      const body = objectBody(req.body);
      parts = fromJson(ctx, body, budget);
      k = optionalNumber('k', body.k, 10, { integer: true, min: 1, max: 1000 });
      modalities = modalityList(body.modalities);
      if (body.segments !== undefined && typeof body.segments !== 'boolean')
        throw fail('BAD_REQUEST', 'segments must be true (rank time windows of recordings) or false.');
      bySegment = body.segments === true;
    }
    return withTimeout(ctx, req, async (signal) => {
      const q = await composeServerQuery(ctx, parts, signal);
      // Time windows of recordings indexed with --segments: the answer is a file and a time range.
      if (bySegment)
        return {
          results: ctx.store.segments.search(q, { k, modalities }).map((h) => ({
            id: h.itemId,
            path: publicPath(ctx, h.path),
            modality: h.itemModality,
            score: h.score,
            metadata: h.metadata,
            segment: { start: h.start, end: h.end, modality: h.modality },
            mediaUrl: `/v1/items/${h.itemId}/media`,
          })),
        };
      // A recording with segments also says where in it the query matches best.
      return {
        results: ctx.store.search(q, { k, modalities }).map((h) => {
          const [best] =
            h.modality === 'audio' || h.modality === 'video'
              ? ctx.store.segments.search(q, { k: 1, itemId: h.id })
              : [];
          return {
            id: h.id,
            path: publicPath(ctx, h.path),
            modality: h.modality,
            score: h.score,
            metadata: h.metadata,
            ...(best
              ? { segment: { start: best.start, end: best.end, modality: best.modality, score: best.score } }
              : {}),
            mediaUrl: `/v1/items/${h.id}/media`,
          };
        }),
      };
    });
  });
}
