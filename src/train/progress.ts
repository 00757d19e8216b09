/** A single, overwritten status line on stderr — only when enabled (by default: stderr is a TTY). */
export class ProgressLine {
  private last = 0;
  private shown = false;

  constructor(
    private readonly enabled: boolean,
    private readonly minIntervalMs = 200,
  ) {}

  update(text: string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < this.minIntervalMs) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(`\r\x1b[2K${text}`);
  }

  done(): void {
    if (this.shown) process.stderr.write('\n');
    this.shown = false;
  }
}
