/** HTTP helpers for tests against a real server. */
import { request } from 'node:http';

/** GETs `path` byte for byte (fetch would normalise `..` away before sending). */
export function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * Any request with exactly the headers given (fetch adds and forbids some, e.g. Host), e.g. a
 * browser's cross-site form post or a DNS-rebound Host.
 */
export function rawRequest(
  base: string,
  opts: { method?: string; path: string; headers?: Record<string, string>; body?: string | Uint8Array },
): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    // An explicit length: Node sends a DELETE's body with neither a length nor chunking otherwise.
    const headers = { ...opts.headers };
    if (opts.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length'))
      headers['content-length'] = String(Buffer.byteLength(opts.body));
    const req = request(
      { host: u.hostname, port: u.port, path: opts.path, method: opts.method ?? 'GET', headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** A multipart/form-data body as a browser's form would send it. */
export function multipartBody(
  fields: readonly { name: string; value: string | Uint8Array; filename?: string; type?: string }[],
): { body: Buffer; contentType: string } {
  const boundary = `----imagebindtest${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const f of fields) {
    const disp = `form-data; name="${f.name}"${f.filename !== undefined ? `; filename="${f.filename}"` : ''}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disp}\r\n${f.type ? `Content-Type: ${f.type}\r\n` : ''}\r\n`;
    parts.push(Buffer.from(head), Buffer.from(f.value), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
