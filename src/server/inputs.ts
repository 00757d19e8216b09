/**
 * Request bodies into checked inputs: strict base64 (a bad string is a 400 naming its field),
 * multipart bodies read into memory under the body limit, and the kind names clients use
 * (`image` is `vision`).
 */
import type { FastifyRequest } from 'fastify';
import type { FileKind } from '../preprocess/loaders.ts';
import { FILE_KINDS } from '../preprocess/loaders.ts';
import { fail } from './http-errors.ts';

const KIND_ALIASES: Record<string, FileKind> = {
  image: 'vision',
  images: 'vision',
  vision: 'vision',
  audio: 'audio',
  video: 'video',
  depth: 'depth',
  thermal: 'thermal',
  imu: 'imu',
};

/** `image` → vision, a FileKind → itself, anything else → null. */
export function fileKindOf(name: string): FileKind | null {
  return KIND_ALIASES[name] ?? ((FILE_KINDS as readonly string[]).includes(name) ? (name as FileKind) : null);
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Decodes standard or URL-safe base64 (a `data:...;base64,` prefix is allowed); throws naming `field`. */
export function decodeBase64(field: string, value: unknown): Uint8Array {
  if (typeof value !== 'string')
    throw fail('BAD_REQUEST', `${field} must be a base64 string, got ${value === null ? 'null' : typeof value}.`);
  const body = value.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (body.length === 0) throw fail('BAD_BASE64', `${field} is empty; send the file's bytes as base64.`);
  const ok = (BASE64.test(body) || BASE64URL.test(body)) && body.length % 4 !== 1;
  if (!ok)
    throw fail('BAD_BASE64', `${field} is not valid base64 (only A-Z a-z 0-9 + / or - _ and trailing = are allowed).`);
  return new Uint8Array(Buffer.from(body, BASE64.test(body) ? 'base64' : 'base64url'));
}

export function stringList(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string'))
    throw fail('BAD_REQUEST', `${field} must be an array of strings.`);
  return value as string[];
}

export function objectBody(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw fail('BAD_REQUEST', 'the request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export interface Part {
  readonly field: string;
  /** Text fields have a value; file parts have bytes. */
  readonly value?: string;
  readonly file?: { readonly bytes: Uint8Array; readonly filename: string; readonly mimetype: string };
}

/** Reads every part in order (order matters: search weights follow the inputs' order). */
export async function readParts(req: FastifyRequest): Promise<Part[]> {
  const parts: Part[] = [];
  for await (const p of req.parts()) {
    if (p.type === 'file') {
      const bytes = new Uint8Array(await p.toBuffer());
      parts.push({ field: p.fieldname, file: { bytes, filename: p.filename, mimetype: p.mimetype } });
    } else {
      parts.push({ field: p.fieldname, value: String(p.value) });
    }
  }
  return parts;
}

export function fieldValues(parts: readonly Part[], name: string): string[] {
  return parts.filter((p) => p.field === name && p.value !== undefined).map((p) => p.value!);
}

export function optionalNumber(
  field: string,
  value: unknown,
  fallback: number,
  opts: { integer?: boolean; min?: number; max?: number } = {},
): number {
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (
    typeof n !== 'number' ||
    !Number.isFinite(n) ||
    (opts.integer && !Number.isInteger(n)) ||
    n < (opts.min ?? -Infinity) ||
    n > (opts.max ?? Infinity)
  ) {
    throw fail(
      'BAD_REQUEST',
      `${field} must be a${opts.integer ? 'n integer' : ' number'}${opts.min !== undefined ? ` ≥ ${opts.min}` : ''}${opts.max !== undefined ? ` and ≤ ${opts.max}` : ''}, got ${JSON.stringify(value)}.`,
    );
  }
  return n;
}
