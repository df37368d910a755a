/**
 * stdout and stderr of a run under one byte budget, cut on a character boundary. Every driver
 * that collects output itself cuts it here, so "64 KiB of output" means the same everywhere.
 */
export class CappedOutput {
  stdout = '';
  stderr = '';
  truncated = false;
  private bytes = 0;

  constructor(private readonly limit: number) {}

  /** Adds what fits; false once the budget is spent. */
  add(stream: 'stdout' | 'stderr', text: string): boolean {
    if (this.truncated) return false;
    const size = Buffer.byteLength(text);
    if (this.bytes + size <= this.limit) {
      this[stream] += text;
      this.bytes += size;
      return true;
    }
    const cut = Buffer.from(text)
      .subarray(0, this.limit - this.bytes)
      .toString('utf8')
      .replace(/\uFFFD$/, '');
    this[stream] += cut;
    this.bytes += Buffer.byteLength(cut);
    this.truncated = true;
    return false;
  }

  /** The driver's own note on stderr, if the budget still has room for it. */
  note(text: string): void {
    if (!this.truncated && this.bytes + Buffer.byteLength(text) <= this.limit) {
      this.stderr += text;
      this.bytes += Buffer.byteLength(text);
    }
  }
}
