/**
 * A progress line on stderr with rate and ETA, redrawn in place. Silent when stderr is not a
 * terminal (pipes, CI logs), so machine output on stdout stays clean.
 */
export class Progress {
  private readonly start = Date.now();
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'items',
    enabled?: boolean,
  ) {
    this.enabled = enabled ?? Boolean(process.stderr.isTTY);
  }

  update(done: number, detail = ''): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && done < this.total) return;
    this.last = now;
    const secs = (now - this.start) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const eta = rate > 0 ? Math.max(0, (this.total - done) / rate) : 0;
    const width = 24;
    const filled = Math.round((width * done) / Math.max(1, this.total));
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    process.stderr.write(
      `\r\x1b[2K${this.label} ${bar} ${done}/${this.total} ${this.unit}  ${rate.toFixed(1)}/s  ETA ${formatSeconds(eta)}  ${detail}`,
    );
  }

  done(message = ''): void {
    if (!this.enabled) return;
    process.stderr.write(
      `\r\x1b[2K${this.label} done in ${formatSeconds((Date.now() - this.start) / 1000)} ${message}\n`,
    );
  }
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
