/**
 * Request bodies into checked inputs: strict base64 (a bad string is a 400 naming its field),
 * multipart bodies read into memory under the body limit, and the kind names clients use
 * (`image` is `vision`).
 */
import type { FastifyRequest } from 'fastify';
import { ServerError } from '../core/errors.ts';
import { type FileKind, canonicalKindName, isFileKind } from '../core/modalities.ts';
import { fail } from './http-errors.ts';
import { bodyTooLarge } from './limits.ts';

/** `image` → vision, a FileKind → itself (names as core/modalities.ts accepts them), anything else → null. */
export function fileKindOf(name: string): FileKind | null {
  const kind = canonicalKindName(name);
  return isFileKind(kind) ? kind : null;
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

/**
 * Reads every part in order (order matters: search weights follow the inputs' order). The body
 * limit covers all parts together, also when the client sends no Content-Length (chunked), so a
 * multipart body can never hold more in memory than a JSON body could.
 */
export async function readParts(req: FastifyRequest, bodyLimit: number): Promise<Part[]> {
  const parts: Part[] = [];
  let total = 0;
  const count = (n: number) => {
    total += n;
    if (total > bodyLimit) throw bodyTooLarge(null, bodyLimit);
  };
  for await (const p of req.parts()) {
    // Busboy yields a part with no name when its Content-Disposition is malformed (e.g. a NUL in it).
    if (typeof p.fieldname !== 'string' || p.fieldname === '')
      throw fail(
        'MULTIPART_MALFORMED',
        `multipart part ${parts.length + 1} has no field name (a malformed Content-Disposition).`,
      );
    if (p.type === 'file') {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of p.file as AsyncIterable<Buffer>) {
          count(chunk.length);
          chunks.push(chunk);
        }
      } catch (e) {
        // Drain the rest so the connection can answer the error.
        p.file.resume();
        throw e;
      }
      if (p.file.truncated) throw bodyTooLarge(null, bodyLimit);
      const bytes = new Uint8Array(Buffer.concat(chunks));
      parts.push({ field: p.fieldname, file: { bytes, filename: p.filename, mimetype: p.mimetype } });
    } else {
      // A field sent as application/json arrives parsed; every field of ours is plain text.
      if (typeof p.value !== 'string')
        throw fail('MULTIPART_FIELD', `multipart field "${p.fieldname}" must be plain text, not JSON.`);
      if (p.valueTruncated)
        throw fail('TEXT_TOO_LONG', `multipart field "${p.fieldname}" is longer than the server reads per field.`);
      count(Buffer.byteLength(p.value));
      parts.push({ field: p.fieldname, value: p.value });
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
    (opts.integer && !Number.isSafeInteger(n)) ||
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

/**
 * The JSON body parser: JSON.parse (its error names the position), with `__proto__` keys and
 * `constructor.prototype` refused by name instead of fastify's generic "Body is not valid JSON".
 * Refusing (not silently removing) tells a client its body would not mean what it says.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw fail('JSON_MALFORMED', 'the body is empty; send a JSON object.');
  try {
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__')
        throw fail('JSON_FORBIDDEN_KEY', 'the JSON body has a "__proto__" key, which this server refuses; remove it.');
      if (key === 'constructor' && typeof value === 'object' && value !== null && 'prototype' in value)
        throw fail(
          'JSON_FORBIDDEN_KEY',
          'the JSON body has a "constructor" object with a "prototype" key, which this server refuses; remove it.',
        );
      return value;
    });
  } catch (e) {
    if (e instanceof ServerError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw fail('JSON_MALFORMED', `the body is not valid JSON (${why.slice(0, 200)}).`);
  }
}
