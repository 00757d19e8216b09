/** POST /v1/embed: texts and media (JSON base64 or multipart files) in, vectors out. */
import type { FastifyInstance } from 'fastify';
import type { EmbedOutput } from '../../embed/embed.ts';
import type { FileKind } from '../../preprocess/loaders.ts';
import { type ServerContext, withTimeout } from '../context.ts';
import type { EngineInputs, MediaSource } from '../engine.ts';
import { fail } from '../http-errors.ts';
import { decodeBase64, fileKindOf, objectBody, readParts, stringList } from '../inputs.ts';
import { RequestBudget } from '../limits.ts';
import { publicMessage } from '../public-path.ts';
import { checkContent } from '../sniff.ts';

type MutableInputs = { text: string[] } & { [K in FileKind]?: MediaSource[] };

function add(inputs: MutableInputs, kind: FileKind, src: MediaSource): void {
  (inputs[kind] ??= []).push(src);
}

function fromJson(body: Record<string, unknown>, budget: RequestBudget): { inputs: MutableInputs; normalize: boolean } {
  const inputs: MutableInputs = { text: stringList('text', body.text) };
  inputs.text.forEach((t, i) => budget.text(`text[${i}]`, t));
  for (const [key, value] of Object.entries(body)) {
    if (key === 'text' || key === 'normalize') continue;
    const kind = fileKindOf(key);
    if (!kind)
      throw fail(
        'BAD_REQUEST',
        `unknown field "${key}"; use text, image (or vision), audio, video, depth, thermal, imu, normalize.`,
      );
    if (!Array.isArray(value)) throw fail('BAD_REQUEST', `${key} must be an array of base64 strings.`);
    value.forEach((v, i) => {
      const bytes = decodeBase64(`${key}[${i}]`, v);
      budget.media(`${key}[${i}]`, kind, bytes.length);
      checkContent(`${key}[${i}]`, bytes, kind);
      add(inputs, kind, { bytes });
    });
  }
  if (body.normalize !== undefined && typeof body.normalize !== 'boolean')
    throw fail('BAD_REQUEST', 'normalize must be true or false.');
  return { inputs, normalize: body.normalize === true };
}

export function vectorsJson(out: EmbedOutput): Record<string, (number[] | null)[]> {
  const vectors: Record<string, (number[] | null)[]> = {};
  for (const [k, v] of Object.entries(out)) {
    if (k !== 'errors' && Array.isArray(v))
      vectors[k] = (v as (Float32Array | null)[]).map((x) => (x ? Array.from(x) : null));
  }
  return vectors;
}

export function modelJson(ctx: ServerContext): { name: string; identity: string; dim: number } {
  return { name: ctx.engine.model.manifest.name, identity: ctx.engine.model.identity, dim: ctx.engine.dim };
}

export function countInputs(inputs: EngineInputs): number {
  return Object.values(inputs).reduce((n, v) => n + (Array.isArray(v) ? v.length : 0), 0);
}

export function registerEmbed(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/embed', async (req) => {
    let parsed: { inputs: MutableInputs; normalize: boolean };
    const budget = new RequestBudget(ctx.limits);
    if (req.isMultipart()) {
      const parts = await readParts(req, ctx.limits.bodyBytes);
      parsed = { inputs: { text: [] }, normalize: false };
      for (const p of parts) {
        if (p.field === 'text' && p.value !== undefined) {
          budget.text(`text (part ${parsed.inputs.text.length})`, p.value);
          parsed.inputs.text.push(p.value);
        } else if (p.field === 'normalize' && p.value !== undefined)
          parsed.normalize = p.value === 'true' || p.value === '1';
        else if (p.file) {
          const declared = fileKindOf(p.field);
          if (!declared && p.field !== 'file')
            throw fail(
              'BAD_REQUEST',
              `unknown file field "${p.field}"; name it image, audio, video, depth, thermal, imu (or file to detect the kind).`,
            );
          const { kind } = checkContent(
            `${p.field} (${p.file.filename})`,
            p.file.bytes,
            declared,
            p.file.filename,
            p.file.mimetype,
          );
          budget.media(`${p.field} (${p.file.filename})`, kind, p.file.bytes.length);
          add(parsed.inputs, kind, { bytes: p.file.bytes });
        } else throw fail('BAD_REQUEST', `unknown field "${p.field}".`);
      }
    } else parsed = fromJson(objectBody(req.body), budget);
    if (countInputs(parsed.inputs) === 0) throw fail('NO_INPUT', 'nothing to embed: give text and/or media fields.');
    const out = await withTimeout(ctx, req, (signal) =>
      ctx.engine.embed(parsed.inputs, { normalize: parsed.normalize, signal }),
    );
    return {
      vectors: vectorsJson(out),
      errors: out.errors.map((e) => ({
        kind: e.kind,
        index: e.index,
        code: e.code,
        message: publicMessage(ctx, e.message),
      })),
      model: modelJson(ctx),
    };
  });
}
