/**
 * The one table that maps error codes to HTTP statuses, and the JSON error shape every route
 * answers with: `{"error": {"code", "message"}}`. A code's own entry wins over its class default,
 * so a new error code only needs a line here when its class default is wrong for it.
 */
import {
  ConfigError,
  GenerationError,
  ImageBindError,
  MediaError,
  ServerError,
  ShapeError,
  StoreError,
} from '../core/errors.ts';

const BY_CODE: Readonly<Record<string, number>> = {
  // Request problems the client can fix.
  BAD_REQUEST: 400,
  BAD_BASE64: 400,
  BAD_ARGUMENT: 400,
  BAD_OPTION: 400,
  MULTIPART_MALFORMED: 400,
  JSON_MALFORMED: 400,
  QUERY_EMPTY: 400,
  LABELS_REQUIRED: 400,
  NO_INPUT: 400,
  UNKNOWN_KIND: 400,
  MODALITY_MISSING: 400,
  STORE_BAD_QUERY: 400,
  STORE_BAD_MODALITY: 400,
  STORE_BAD_VECTOR: 400,
  JSON_FORBIDDEN_KEY: 400,
  MULTIPART_FIELD: 400,
  UNAUTHORIZED: 401,
  PATH_OUTSIDE_ROOTS: 403,
  HOST_NOT_ALLOWED: 403,
  ORIGIN_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  ITEM_NOT_FOUND: 404,
  FILE_NOT_FOUND: 404,
  STORE_NOT_FOUND: 404,
  MEDIA_MISSING: 404,
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  MEDIA_TOO_LARGE: 413,
  TEXT_TOO_LONG: 413,
  TOO_MANY_INPUTS: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  QUEUE_FULL: 429,
  GENERATE_BUSY: 429,
  STEPS_LIMIT: 400,
  // The model has no image decoder, or one made for another embedding space.
  DECODER_MISSING: 501,
  DECODER_WRONG_SPACE: 409,
  // Another writer holds the store, or the store belongs to another embedding space.
  STORE_BUSY: 409,
  STORE_DIM_MISMATCH: 409,
  QUERY_WRONG_SPACE: 409,
  STORE_BAD_SPACE: 409,
  STORE_READONLY: 409,
  NOT_READY: 503,
  SHUTTING_DOWN: 503,
  REQUEST_TIMEOUT: 504,
  // The client went away; nobody reads this answer, but the log and metrics do.
  CLIENT_GONE: 499,
};

/** Class defaults: undecodable media is unprocessable content; model/store faults are ours. */
const BY_CLASS: readonly [new (...a: never[]) => ImageBindError, number][] = [
  [MediaError, 422],
  [ShapeError, 400],
  [ServerError, 400],
  [GenerationError, 400],
  [ConfigError, 500],
  [StoreError, 500],
];

export interface HttpError {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** What fastify and @fastify/multipart throw for framework-level failures. */
interface FrameworkError {
  readonly code?: string;
  readonly statusCode?: number;
  readonly message?: string;
}

export function statusFor(err: ImageBindError): number {
  const byCode = BY_CODE[err.code];
  if (byCode) return byCode;
  // A decode budget (pixels, samples, seconds, bytes: src/core/limits.ts) is content too large, not bad content.
  if (err instanceof MediaError && err.code.endsWith('_LIMIT')) return 413;
  for (const [cls, status] of BY_CLASS) if (err instanceof cls) return status;
  return 500;
}

function frameworkCode(e: FrameworkError): string {
  const status = e.statusCode ?? 500;
  if (status === 413) return 'BODY_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return 'JSON_MALFORMED';
  if (status === 406 || e.code?.startsWith('FST_INVALID_MULTIPART') || e.code === 'FST_PROTO_VIOLATION')
    return 'MULTIPART_MALFORMED';
  if (status === 404) return 'NOT_FOUND';
  if (status >= 400 && status < 500) return 'BAD_REQUEST';
  return 'INTERNAL';
}

/** Busboy reports a broken multipart stream as a plain Error with one of these messages. */
const MULTIPART_MESSAGES =
  /Unexpected end of (form|multipart)|Malformed part header|Multipart: Boundary not found|Malformed urlencoded form|Part terminated early/i;

export function toHttpError(err: unknown): HttpError {
  const retry = { 'retry-after': '1' };
  if (err instanceof ImageBindError) {
    const status = statusFor(err);
    return { status, code: err.code, message: err.message, headers: status === 429 || status === 503 ? retry : {} };
  }
  const e = (err ?? {}) as FrameworkError;
  if (typeof e.message === 'string' && MULTIPART_MESSAGES.test(e.message)) {
    return { status: 400, code: 'MULTIPART_MALFORMED', message: `malformed multipart body: ${e.message}`, headers: {} };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    const code = frameworkCode(e);
    const status = code === 'MULTIPART_MALFORMED' ? 400 : e.statusCode;
    return { status, code, message: e.message ?? code, headers: {} };
  }
  return { status: 500, code: 'INTERNAL', message: 'internal server error (see the server log)', headers: {} };
}

export function errorBody(e: HttpError): { error: { code: string; message: string } } {
  return { error: { code: e.code, message: e.message } };
}

/** Shorthand for route code: a ServerError whose code is in the table above. */
export function fail(code: keyof typeof BY_CODE & string, message: string): ServerError {
  return new ServerError(code, message);
}
