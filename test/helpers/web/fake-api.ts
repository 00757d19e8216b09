/**
 * A stand-in for the real server with the same routes and reply shapes, for developing and testing
 * the UI without a model: scores are a deterministic hash of (query, item), not embeddings.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { webAssets } from '../../../src/web/assets.ts';

export interface FakeItem {
  id: number;
  path: string;
  modality: string;
}
export interface FakeOptions {
  token?: string;
  items?: readonly Omit<FakeItem, 'id'>[];
  /** What /v1/info reports as the JSON body limit. */ bodyBytes?: number;
}
export interface FakeServer {
  url: string;
  app: FastifyInstance;
  items: FakeItem[];
  searches: unknown[];
  close: () => Promise<void>;
}

const KINDS = ['vision', 'audio', 'video', 'depth', 'thermal', 'imu'];
const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.png': 'image/png',
  '.wav': 'audio/wav',
  '.mp4': 'video/mp4',
  '.csv': 'text/csv',
};

function kindOfName(name: string): string {
  if (/\.depth\./i.test(name)) return 'depth';
  if (/\.thermal\./i.test(name)) return 'thermal';
  if (/\.(csv|tsv)$/i.test(name)) return 'imu';
  if (/\.(wav|mp3|ogg|flac|webm|m4a)$/i.test(name)) return 'audio';
  if (/\.(mp4|mov|mkv)$/i.test(name)) return 'video';
  return 'vision';
}

function fail(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).send({ error: { code, message } });
}

export async function startFakeApi(opts: FakeOptions = {}): Promise<FakeServer> {
  const uploads = await mkdtemp(join(tmpdir(), 'imagebind-fake-'));
  const items: FakeItem[] = (opts.items ?? []).map((it, i) => ({ ...it, id: i + 1 }));
  const searches: unknown[] = [];
  const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
  await app.register(multipart, { limits: { fileSize: 50 * 1024 * 1024 } });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!opts.token || !req.url.startsWith('/v1/')) return;
    const cookie = req.headers.cookie
      ?.split(';')
      .map((c) => c.trim())
      .find((c) => c.startsWith('imagebind_token='));
    const fromCookie = cookie ? decodeURIComponent(cookie.slice('imagebind_token='.length)) : null;
    if (req.headers.authorization !== `Bearer ${opts.token}` && fromCookie !== opts.token)
      return fail(reply, 401, 'UNAUTHORIZED', 'a bearer token is required.');
  });

  const assets = await webAssets();
  for (const [name, a] of assets) app.get(name, (_req, reply) => reply.type(a.contentType).send(a.body));
  app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(assets.get('/index.html')!.body));

  app.get('/v1/info', async () => {
    const counts = Object.fromEntries([...KINDS, 'text'].map((k) => [k, items.filter((i) => i.modality === k).length]));
    return {
      model: {
        name: 'fake',
        identity: 'fake-0',
        dim: 1024,
        modalities: ['vision', 'text', 'audio', 'depth', 'thermal', 'imu'],
      },
      counts,
      items: { total: items.length, byModality: counts },
      limits: { bodyBytes: opts.bodyBytes ?? 4 * 1024 * 1024 },
    };
  });

  app.post('/v1/search', async (req, reply) => {
    let signature: string;
    let k = 10;
    let modalities: string[] | undefined;
    if (req.isMultipart()) {
      const parts: string[] = [];
      for await (const p of req.parts()) {
        if (p.type === 'file') parts.push(`${p.fieldname}:${(await p.toBuffer()).length}`);
        else if (p.fieldname === 'k') k = Number(p.value);
        else if (p.fieldname === 'modalities') modalities = String(p.value).split(',');
        else parts.push(`${p.fieldname}=${String(p.value)}`);
      }
      signature = parts.join('|');
    } else {
      const body = req.body as { queries?: { kind: string; text?: string }[]; k?: number; modalities?: string[] };
      if (!Array.isArray(body.queries) || body.queries.length === 0)
        return fail(reply, 400, 'BAD_REQUEST', 'queries must be a non-empty array.');
      if (body.queries.some((q) => q.text === 'boom'))
        return fail(reply, 500, 'MODEL_FAILED', 'the text encoder crashed (simulated).');
      signature = JSON.stringify(body.queries);
      k = body.k ?? 10;
      modalities = body.modalities;
    }
    searches.push(signature);
    const score = (id: number): number =>
      (createHash('sha256').update(`${signature}#${id}`).digest().readUInt16BE(0) / 65535) * 1.4 - 0.4;
    const results = items
      .filter((i) => !modalities || modalities.includes(i.modality))
      .map((i) => ({ ...i, score: score(i.id), metadata: {}, mediaUrl: `/v1/items/${i.id}/media` }))
      .sort((a, b) => b.score - a.score)
      .slice(0, k);
    return { results };
  });

  app.post('/v1/items', async (req, reply) => {
    if (!req.isMultipart()) return fail(reply, 400, 'BAD_REQUEST', 'send multipart files.');
    const added: FakeItem[] = [];
    const errors: { path: string; code: string; message: string }[] = [];
    let kind = '';
    for await (const p of req.parts()) {
      if (p.type !== 'file') {
        if (p.fieldname === 'kind') kind = String(p.value);
        continue;
      }
      const path = join(uploads, basename(p.filename));
      const bytes = await p.toBuffer();
      if (p.filename.includes('broken')) {
        errors.push({ path, code: 'MEDIA_DECODE_FAILED', message: `${p.filename}: could not decode (simulated).` });
        continue;
      }
      await writeFile(path, bytes);
      const item = {
        id: items.length + added.length + 1,
        path,
        modality: kind || (KINDS.includes(p.fieldname) ? p.fieldname : kindOfName(p.filename)),
      };
      added.push(item);
    }
    items.push(...added);
    return { items: added, errors };
  });

  app.delete<{ Params: { id: string } }>('/v1/items/:id', async (req, reply) => {
    const i = items.findIndex((x) => String(x.id) === req.params.id);
    if (i < 0) return fail(reply, 404, 'ITEM_NOT_FOUND', `no item ${req.params.id}.`);
    items.splice(i, 1);
    return { deleted: Number(req.params.id) };
  });

  app.get<{ Params: { id: string } }>('/v1/items/:id/media', async (req, reply) => {
    const item = items.find((x) => String(x.id) === req.params.id);
    if (!item) return fail(reply, 404, 'ITEM_NOT_FOUND', `no item ${req.params.id}.`);
    const ext = item.path.slice(item.path.lastIndexOf('.')).toLowerCase();
    // Content-Length as the real server sends it: without it a browser cannot tell a clip's duration.
    return reply
      .type(CONTENT_TYPES[ext] ?? 'application/octet-stream')
      .header('content-length', statSync(item.path).size)
      .send(createReadStream(item.path));
  });

  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, app, items, searches, close: () => app.close() };
}
