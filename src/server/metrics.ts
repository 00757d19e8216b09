/**
 * Prometheus text exposition (format 0.0.4) without a client library: request counts by
 * route + status, latency and batch-size histograms, and gauges read at scrape time.
 */

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = new Array(buckets.length).fill(0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count++;
    for (let i = 0; i < this.buckets.length; i++) if (v <= this.buckets[i]) this.counts[i]++;
  }
}

function labels(obj: Record<string, string>): string {
  const parts = Object.entries(obj).map(
    ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
  );
  return parts.length ? `{${parts.join(',')}}` : '';
}

function renderHistogram(name: string, lbl: Record<string, string>, h: Histogram): string[] {
  const out = h.buckets.map((b, i) => `${name}_bucket${labels({ ...lbl, le: String(b) })} ${h.counts[i]}`);
  out.push(`${name}_bucket${labels({ ...lbl, le: '+Inf' })} ${h.count}`);
  out.push(`${name}_sum${labels(lbl)} ${h.sum}`, `${name}_count${labels(lbl)} ${h.count}`);
  return out;
}

export type Gauges = () => { name: string; help: string; values: [Record<string, string>, number][] }[];

export class Metrics {
  private readonly requests = new Map<string, number>();
  private readonly latency = new Map<string, Histogram>();
  private readonly batches = new Map<string, Histogram>();
  private gauges: Gauges = () => [];

  setGauges(g: Gauges): void {
    this.gauges = g;
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = JSON.stringify([method, route, String(status)]);
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    const lk = JSON.stringify([method, route]);
    let h = this.latency.get(lk);
    if (!h) this.latency.set(lk, (h = new Histogram(LATENCY_BUCKETS)));
    h.observe(seconds);
  }

  observeBatch(modality: string, rows: number): void {
    let h = this.batches.get(modality);
    if (!h) this.batches.set(modality, (h = new Histogram(BATCH_BUCKETS)));
    h.observe(rows);
  }

  render(): string {
    const lines: string[] = [
      '# HELP imagebind_http_requests_total HTTP requests by method, route and status.',
      '# TYPE imagebind_http_requests_total counter',
    ];
    for (const [k, n] of this.requests) {
      const [method, route, status] = JSON.parse(k) as string[];
      lines.push(`imagebind_http_requests_total${labels({ method, route, status })} ${n}`);
    }
    lines.push(
      '# HELP imagebind_http_request_duration_seconds Request latency by method and route.',
      '# TYPE imagebind_http_request_duration_seconds histogram',
    );
    for (const [k, h] of this.latency) {
      const [method, route] = JSON.parse(k) as string[];
      lines.push(...renderHistogram('imagebind_http_request_duration_seconds', { method, route }, h));
    }
    lines.push(
      '# HELP imagebind_batch_size Rows per encoder run, by modality.',
      '# TYPE imagebind_batch_size histogram',
    );
    for (const [m, h] of this.batches) lines.push(...renderHistogram('imagebind_batch_size', { modality: m }, h));
    for (const g of this.gauges()) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
      for (const [l, v] of g.values) lines.push(`${g.name}${labels(l)} ${v}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
