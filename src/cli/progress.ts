/**
 * A progress bar on stderr for long work, drawn only on a terminal (and never in --json mode),
 * at most ten times a second. Elsewhere it prints nothing.
 */
export class Progress {
  private last = 0;
  private drawn = false;

  constructor(
    private readonly stream: NodeJS.WriteStream | { isTTY?: boolean; write(s: string): boolean },
    private readonly label: string,
    private readonly enabled: boolean,
  ) {}

  update(done: number, total?: number): void {
    if (!this.enabled || this.stream.isTTY !== true) return;
    const now = Date.now();
    if (now - this.last < 100 && (total === undefined || done < total)) return;
    this.last = now;
    let line = `${this.label} ${done.toLocaleString('en-US')}`;
    if (total !== undefined && total > 0) {
      const width = 24;
      const filled = Math.min(width, Math.round((done / total) * width));
      line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    }
    this.stream.write(`\r${line}\u001b[K`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\u001b[K');
    this.drawn = false;
  }
}
