/**
 * A progress line on stderr with rate and ETA, redrawn in place. Silent when stderr is not a
 * terminal (pipes, CI logs), so machine output on stdout stays clean.
 */
export class Progress {
  private last = 0;
  private readonly enabled: boolean;

  /**
   * `startedAt` (ms since the epoch) is when the work began, for bars created at the first report
   * (when the total becomes known), so the rate counts the work done before that report.
   */
  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'items',
    enabled?: boolean,
    private readonly start = Date.now(),
  ) {
    this.enabled = enabled ?? Boolean(process.stderr.isTTY);
  }

  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const width = 24;
    const filled = Math.round((width * done) / Math.max(1, this.total));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[2K${this.label} ${bar} ${done}/${this.total} ${this.unit}  ${speed(done, this.total, secs)}  ${detail}`,
    );
  }

  done(message = ''): void {
    if (!this.enabled) return;
    process.stderr.write(
      `\r\x1b[2K${this.label} done in ${formatSeconds((Date.now() - this.start) / 1000)} ${message}\n`,
    );
  }
}

/** Rate and ETA once they mean something: before any item is done (or within 0.2 s) they would read 0/s, ETA 0s. */
export function speed(done: number, total: number, secs: number): string {
  if (done <= 0 || secs < 0.2) return 'rate –  ETA –';
  const rate = done / secs;
  return `${rate.toFixed(1)}/s  ETA ${formatSeconds(Math.max(0, (total - done) / rate))}`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
