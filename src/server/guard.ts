/**
 * Who may talk to the server, checked before any route runs:
 * - Host: a browser tricked by DNS rebinding sends the attacker's name as Host, so only loopback
 *   names, the address the server is bound to and `--allowed-hosts` are served.
 * - Origin: a web page can post a form (multipart, urlencoded, text/plain: no CORS preflight) to
 *   any address, so a request that changes or computes anything (every method but GET/HEAD/OPTIONS)
 *   and carries a browser's Origin must come from this server's own origin or `--allowed-origins`.
 *   Clients that are not browsers (curl, Weaviate) send no Origin and are not affected.
 * - Token: with `--token`, the bearer header authorises everything; the `imagebind_token` cookie
 *   (for <img>/<audio> tags, which cannot send headers) only authorises reads, so that no other
 *   page, same-site ones included (cookies ignore ports), can write with it.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { fail } from './http-errors.ts';

export interface AccessPolicy {
  /** Host names (without port, lower case; IPv6 in brackets) the server answers to; '*' for any. */
  readonly hosts: ReadonlySet<string>;
  /** Extra origins (scheme://host[:port], lower case) allowed to send writes; '*' for any. */
  readonly origins: ReadonlySet<string>;
  readonly token?: string;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** Loopback names, the bound address when it names one interface, and the operator's list. */
export function accessPolicy(opts: {
  host: string;
  allowedHosts?: readonly string[];
  allowedOrigins?: readonly string[];
  token?: string;
}): AccessPolicy {
  const hosts = new Set(LOOPBACK_NAMES);
  const bound = opts.host.toLowerCase();
  if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') hosts.add(bound.includes(':') ? `[${bound}]` : bound);
  for (const h of opts.allowedHosts ?? []) hosts.add(hostName(h.trim().toLowerCase()));
  const origins = new Set((opts.allowedOrigins ?? []).map((o) => o.trim().toLowerCase().replace(/\/+$/, '')));
  return { hosts, origins, token: opts.token };
}

/** `example.org:8080` → `example.org`; `[::1]:80` → `[::1]`; a bare IPv6 address gets its brackets. */
function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end > 0 ? host.slice(0, end + 1) : host;
  }
  const colons = host.split(':').length - 1;
  if (colons > 1) return `[${host}]`;
  return colons === 1 ? host.slice(0, host.indexOf(':')) : host;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function checkHost(req: FastifyRequest, policy: AccessPolicy): void {
  if (policy.hosts.has('*')) return;
  const raw = req.headers.host;
  const name = typeof raw === 'string' ? hostName(raw.trim().toLowerCase()) : '';
  if (!policy.hosts.has(name))
    throw fail(
      'HOST_NOT_ALLOWED',
      `this server does not answer to the host name "${String(raw ?? '').slice(0, 100)}" (a guard against DNS rebinding). ` +
        'If that is its own name, start it with --allowed-hosts <name>.',
    );
}

/** Writes from a browser must come from this server's origin (same scheme, host and port) or an allowed one. */
export function checkOrigin(req: FastifyRequest, policy: AccessPolicy): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.origin;
  const site = req.headers['sec-fetch-site'];
  if (origin === undefined) {
    // Browsers send Origin with every cross-origin POST; Sec-Fetch-Site alone still tells.
    if (site === 'cross-site' || site === 'same-site')
      throw fail('ORIGIN_NOT_ALLOWED', `a ${site} browser request may not ${req.method} here.`);
    return;
  }
  const o = origin.trim().toLowerCase();
  if (policy.origins.has('*') || policy.origins.has(o)) return;
  const host = req.headers.host?.trim().toLowerCase();
  let same = false;
  try {
    const u = new URL(o);
    same = (u.protocol === 'http:' || u.protocol === 'https:') && host !== undefined && u.host === host;
  } catch {
    same = false; // "null" (sandboxed frames, file:) and garbage
  }
  if (!same)
    throw fail(
      'ORIGIN_NOT_ALLOWED',
      `requests that change or compute anything are only accepted from this server's own pages; origin "${origin.slice(0, 100)}" is not allowed (start the server with --allowed-origins ${origin.slice(0, 100)} to allow it).`,
    );
}

function cookieToken(req: FastifyRequest): string | null {
  const cookie = req.headers.cookie
    ?.split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith('imagebind_token='));
  if (!cookie) return null;
  try {
    return decodeURIComponent(cookie.slice('imagebind_token='.length));
  } catch {
    return null;
  }
}

function tokenMatches(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function checkToken(req: FastifyRequest, token: string): void {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    if (tokenMatches(auth.slice(7).trim(), token)) return;
  } else if (SAFE_METHODS.has(req.method) && tokenMatches(cookieToken(req), token)) return;
  throw fail(
    'UNAUTHORIZED',
    SAFE_METHODS.has(req.method) || !cookieToken(req)
      ? 'missing or wrong token: send "Authorization: Bearer <token>".'
      : 'the token cookie only authorises reads; send "Authorization: Bearer <token>" to change anything.',
  );
}
