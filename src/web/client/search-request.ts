/**
 * Turns the composed query into a POST /v1/search. JSON carries everything (per-input weights,
 * negation, indexed items as queries) but base64 grows files by a third and JSON bodies are usually
 * size-capped, so large files go as multipart, which streams.
 */
import { KINDS, request, type Hit, type Kind } from './api.ts';
import type { LocalMode } from './local-mode.ts';
import type { QueryInput } from './state.ts';

let jsonFileBudget = 512 * 1024;

/** Base64 is 4/3 of the bytes; leave room for the rest of the body under the server's limit. */
export function setJsonBodyLimit(bodyBytes: number): void {
  jsonFileBudget = Math.floor((bodyBytes * 3) / 4) - 64 * 1024;
}

export interface SearchParams {
  inputs: readonly QueryInput[];
  modalities: readonly Kind[];
  k: number;
}

interface JsonQuery {
  kind: string;
  text?: string;
  data?: string;
  itemId?: number | string;
  vector?: number[];
  identity?: string;
  weight: number;
  negate: boolean;
}

function base64(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error ?? new Error('could not read the file'));
    r.readAsDataURL(blob);
  });
}

function fileName(input: QueryInput): string {
  return input.file instanceof File ? input.file.name : input.label;
}

/** Undefined means "all": the server then searches every modality it has. */
function modalityList(p: SearchParams): string | undefined {
  return p.modalities.length === KINDS.length ? undefined : p.modalities.join(',');
}

/** The request, and how many inputs were embedded in this browser (the rest went as themselves). */
async function asJson(p: SearchParams, local?: LocalMode): Promise<{ init: RequestInit; embeddedHere: number }> {
  const queries: JsonQuery[] = [];
  let embeddedHere = 0;
  for (const i of p.inputs) {
    const q: JsonQuery = { kind: i.kind, weight: i.weight, negate: i.negate };
    const vector = local?.enabled && local.handles(i) ? await local.vectorFor(i) : null;
    if (vector) {
      embeddedHere++;
      q.kind = 'vector';
      q.vector = Array.from(vector);
      q.identity = await local!.identity();
    } else if (i.text !== undefined) q.text = i.text;
    else if (i.itemId !== undefined) q.itemId = i.itemId;
    else if (i.file) q.data = await base64(i.file);
    queries.push(q);
  }
  const m = modalityList(p);
  const body = { queries, k: p.k, ...(m ? { modalities: m.split(',') } : {}) };
  return {
    init: { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) },
    embeddedHere,
  };
}

function asMultipart(p: SearchParams): RequestInit {
  const form = new FormData();
  const positives = p.inputs.filter((i) => !i.negate);
  // Plain fields first, so a streaming server knows k and weights before the files arrive.
  form.append('k', String(p.k));
  const m = modalityList(p);
  if (m) form.append('modalities', m);
  form.append('weights', positives.map((i) => String(i.weight)).join(','));
  for (const i of [...positives, ...p.inputs.filter((x) => x.negate)]) {
    const field = `${i.negate ? 'minus_' : ''}${i.kind}`;
    if (i.text !== undefined) form.append(field, i.text);
    else if (i.file) form.append(field, i.file, fileName(i));
  }
  return { method: 'POST', body: form };
}

/** The same bodies for POST /v1/generate, which takes the search's query fields. */
export const asJsonRequest = (p: SearchParams): Promise<{ init: RequestInit; embeddedHere: number }> => asJson(p);
export const asMultipartRequest = (p: SearchParams): RequestInit => asMultipart(p);

export function needsMultipart(inputs: readonly QueryInput[]): boolean {
  // Items already in the index can only be referenced through JSON.
  if (inputs.some((i) => i.itemId !== undefined)) return false;
  const bytes = inputs.reduce((n, i) => n + (i.file?.size ?? 0), 0);
  return bytes > jsonFileBudget;
}

/**
 * With `local` on, text/image/audio inputs are embedded here and sent as vectors, which only JSON
 * carries; when the inputs left for the server are too large for JSON, everything goes to the
 * server as multipart instead.
 */
export async function runSearch(
  p: SearchParams,
  signal?: AbortSignal,
  local?: LocalMode,
): Promise<{ hits: Hit[]; embeddedHere: number }> {
  const here = local?.enabled ? p.inputs.filter((i) => local.handles(i)) : [];
  const embedsHere = here.length > 0 && !needsMultipart(p.inputs.filter((i) => !here.includes(i)));
  const { init, embeddedHere } = embedsHere
    ? await asJson(p, local)
    : needsMultipart(p.inputs)
      ? { init: asMultipart(p), embeddedHere: 0 }
      : await asJson(p);
  if (signal?.aborted) throw new DOMException('superseded by a newer search', 'AbortError');
  const res = await request<{ results: Hit[] }>('/v1/search', { ...init, signal });
  return { hits: res.results ?? [], embeddedHere };
}
