/** Items: upload or index by path, list, read, delete, and stream an item's media (contained). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm, stat, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { STORE_MODALITIES, isStoreModality } from '../../store/index.ts';
import { type ServerContext, withTimeout } from '../context.ts';
import { canonicalKindName } from '../../core/modalities.ts';
import { fail } from '../http-errors.ts';
import { type IndexResult, type IndexedFile, indexFiles, indexServerPaths } from '../index-files.ts';
import { fileKindOf, objectBody, optionalNumber, readParts, stringList } from '../inputs.ts';
import { RequestBudget } from '../limits.ts';
import { isInside, realPathInside } from '../paths.ts';
import { publicMessage, publicPath } from '../public-path.ts';
import { EXTENSION, checkContent, contentTypeOf, sniff } from '../sniff.ts';

function itemId(raw: string): number {
  if (!/^[1-9]\d{0,15}$/.test(raw)) throw fail('ITEM_NOT_FOUND', `no item with id "${raw}".`);
  return Number(raw);
}

/** A safe file name: the upload's base name stripped to [A-Za-z0-9._-], prefixed by its hash. */
function savedName(hash: string, filename: string, kind: string, ext: string): string {
  const stem =
    basename(filename, extname(filename))
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^\.+/, '')
      .slice(0, 60) || 'upload';
  const tag = kind === 'depth' || kind === 'thermal' || kind === 'imu' ? `.${kind}` : '';
  return `${hash.slice(0, 16)}-${stem}${tag}${ext}`;
}

/** An indexing result with upload paths and messages as clients may see them. */
function publicResult(ctx: ServerContext, r: IndexResult): IndexResult {
  return {
    ...r,
    items: r.items.map((i) => ({ ...i, path: publicPath(ctx, i.path) })),
    errors: r.errors.map((e) => ({ ...e, path: publicPath(ctx, e.path), message: publicMessage(ctx, e.message) })),
  };
}

export function registerItems(app: FastifyInstance, ctx: ServerContext): void {
  app.post('/v1/items', async (req) => {
    const budget = new RequestBudget(ctx.limits);
    if (!req.isMultipart()) {
      const paths = stringList('paths', objectBody(req.body).paths);
      if (paths.length === 0) throw fail('NO_INPUT', 'paths must list files or folders inside a --root.');
      paths.forEach((_, i) => budget.input(`paths[${i}]`));
      const real = await Promise.all(paths.map((p, i) => realPathInside(p, ctx.roots, `paths[${i}]`)));
      return publicResult(ctx, await withTimeout(ctx, req, (signal) => indexServerPaths(ctx, real, signal)));
    }
    const files: IndexedFile[] = [];
    for (const p of await readParts(req, ctx.limits.bodyBytes)) {
      if (!p.file) continue;
      const declared = fileKindOf(p.field);
      const what = `${p.field} (${p.file.filename})`;
      const { kind, format } = checkContent(what, p.file.bytes, declared, p.file.filename, p.file.mimetype);
      budget.media(what, kind, p.file.bytes.length);
      const hash = createHash('sha256').update(p.file.bytes).digest('hex');
      const path = join(ctx.uploads, savedName(hash, p.file.filename, kind, EXTENSION[format]));
      await writeFile(path, p.file.bytes);
      const s = await stat(path);
      files.push({
        path,
        kind,
        size: s.size,
        mtime: Math.floor(s.mtimeMs),
        metadata: { filename: p.file.filename, uploaded: true },
      });
    }
    if (files.length === 0)
      throw fail(
        'NO_INPUT',
        'no files in the upload; send multipart file fields named image, audio, video, depth, thermal, imu or file.',
      );
    const result = await withTimeout(ctx, req, (signal) => indexFiles(ctx, files, signal));
    for (const e of result.errors) await rm(e.path, { force: true });
    return publicResult(ctx, result);
  });

  app.get('/v1/items', async (req) => {
    const q = (req.query ?? {}) as Record<string, string | undefined>;
    const modality = q.modality === undefined ? undefined : canonicalKindName(q.modality);
    if (modality !== undefined && !isStoreModality(modality))
      throw fail('BAD_REQUEST', `unknown modality "${modality}".`);
    const items = ctx.store.list({
      modality,
      afterId: optionalNumber('after', q.after, 0, { integer: true, min: 0 }),
      limit: optionalNumber('limit', q.limit, 100, { integer: true, min: 1, max: 1000 }),
    });
    return {
      items: items.map((i) => ({
        id: i.id,
        path: publicPath(ctx, i.path),
        modality: i.modality,
        metadata: i.metadata,
        mediaUrl: `/v1/items/${i.id}/media`,
      })),
    };
  });

  app.get<{ Params: { id: string } }>('/v1/items/:id', async (req) => {
    const item = ctx.store.get(itemId(req.params.id));
    if (!item) throw fail('ITEM_NOT_FOUND', `no item with id ${req.params.id}.`);
    return {
      id: item.id,
      path: publicPath(ctx, item.path),
      modality: item.modality,
      size: item.size,
      mtime: item.mtime,
      metadata: item.metadata,
      mediaUrl: `/v1/items/${item.id}/media`,
    };
  });

  app.delete<{ Params: { id: string } }>('/v1/items/:id', async (req) => {
    const id = itemId(req.params.id);
    const item = ctx.store.get(id);
    if (!item || !ctx.store.remove(id)) throw fail('ITEM_NOT_FOUND', `no item with id ${req.params.id}.`);
    // Uploaded files belong to the server; indexed files under a root belong to their owner.
    if (isInside(item.path, ctx.uploads) && !STORE_MODALITIES.some((m) => ctx.store.getByPath(item.path, m)))
      await rm(item.path, { force: true });
    return { deleted: id };
  });

  app.get<{ Params: { id: string } }>('/v1/items/:id/media', async (req, reply) => {
    const item = ctx.store.get(itemId(req.params.id));
    if (!item) throw fail('ITEM_NOT_FOUND', `no item with id ${req.params.id}.`);
    const real = await realPathInside(item.path, [...ctx.roots, ctx.uploads], `item ${item.id}'s file`);
    const fh = await open(real, 'r');
    const head = new Uint8Array(64);
    try {
      await fh.read(head, 0, 64, 0);
    } finally {
      await fh.close();
    }
    const s = await stat(real);
    reply
      .header('content-type', contentTypeOf(sniff(head)))
      .header('accept-ranges', 'bytes')
      .header('x-content-type-options', 'nosniff');
    // One byte range (what media elements ask for), so players can seek: a segment result plays
    // from its window's start. Anything else gets the whole file.
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] !== '' || range[2] !== '') && s.size > 0) {
      const start = range[1] === '' ? Math.max(0, s.size - Number(range[2])) : Number(range[1]);
      const end = range[1] === '' || range[2] === '' ? s.size - 1 : Math.min(s.size - 1, Number(range[2]));
      if (start > end || start >= s.size) {
        return reply.code(416).header('content-range', `bytes */${s.size}`).send();
      }
      reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${s.size}`)
        .header('content-length', end - start + 1);
      return reply.send(createReadStream(real, { start, end }));
    }
    reply.header('content-length', s.size);
    return reply.send(createReadStream(real));
  });
}
