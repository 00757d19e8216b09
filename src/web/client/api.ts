/**
 * The HTTP API as the UI sees it: typed responses, `{"error": {code, message}}` bodies turned into
 * ApiError, and the bearer token attached to every call.
 */
import type { FileKind, InputKind } from '../../core/modalities.ts';
import { basename } from './dom.ts';
import { authHeaders } from './token.ts';

export { FILE_KINDS as KINDS } from '../../core/modalities.ts';
export type Kind = FileKind;
export type QueryKind = InputKind;

export type Counts = Partial<Record<Kind | 'text', number>>;

/** `counts` is the documented shape; `items.byModality`, `auth` and `limits` are extras some servers add. */
export interface Info {
  model: { name: string; identity: string; dim: number; modalities: string[] };
  counts?: Counts;
  items?: { total?: number; byModality?: Counts };
  auth?: { required?: boolean };
  limits?: { bodyBytes?: number };
}

export function countsOf(info: Info): Counts {
  return info.counts ?? info.items?.byModality ?? {};
}

export interface Hit {
  id: number | string;
  path: string;
  modality: Kind | 'text';
  score: number;
  metadata: Record<string, unknown>;
  mediaUrl: string;
  /** For recordings indexed with segments: the time window that matches best (seconds). */
  segment?: { start: number; end: number; modality: string; score?: number };
}

export interface UploadResult {
  items: { id: number | string; path: string; modality: string }[];
  errors: { path?: string; file?: string; code?: string; message: string }[];
  /** Files the server already had (same content): nothing new was indexed. */
  skipped?: number;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns any non-2xx response into an ApiError, keeping the server's code and message when it sent JSON. */
export function errorFrom(status: number, bodyText: string): ApiError {
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: string; message?: string } };
    if (body.error?.message) return new ApiError(status, body.error.code ?? `HTTP_${status}`, body.error.message);
  } catch {
    /* not JSON: fall through to a generic message */
  }
  const text = bodyText.trim().slice(0, 200);
  return new ApiError(status, `HTTP_${status}`, text || `The server answered ${status}.`);
}

export async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) },
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e; // a newer search replaced this one
    throw new ApiError(0, 'NETWORK', `Could not reach the server (${(e as Error).message}).`);
  }
  const text = await res.text();
  if (!res.ok) throw errorFrom(res.status, text);
  return (text ? JSON.parse(text) : {}) as T;
}

export const getInfo = (): Promise<Info> => request<Info>('/v1/info');

/** Media tags authenticate with the token cookie (see token.ts), so the URL carries no secret. */
export function mediaSrc(hit: Hit): string {
  return hit.mediaUrl || `/v1/items/${encodeURIComponent(String(hit.id))}/media`;
}

/** Uploaded files are stored under a content-hash name; the name the user gave is in the metadata. */
export function displayName(hit: Hit): string {
  const given = hit.metadata?.filename;
  if (typeof given === 'string' && given) return given;
  return basename(hit.path);
}
