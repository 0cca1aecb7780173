// Pcap file numbers for live capture, taken a few ahead from the control store's sequence. The
// sequence may be a cluster request away, and the writer cannot wait for one in the middle of a
// block: with tiny files (maxFileSizeG) a block can rotate several files. Numbers stay unique
// (each comes from the shared sequence); the ones still in the pool at exit are skipped.
export class FileNumPool {
  private readonly nums: number[] = [];
  private filling: Promise<void> | undefined;

  constructor(private readonly next: () => Promise<number>, private readonly ahead = 16) {}

  /** Fill the pool; the first call must be awaited before the writer opens a file. */
  fill(): Promise<void> {
    this.filling ??= (async () => {
      while (this.nums.length < this.ahead) this.nums.push(await this.next());
    })().finally(() => { this.filling = undefined; });
    return this.filling;
  }

  /** A number now when the pool has one (and a refill starts), else one as soon as it comes. */
  take(): number | Promise<number> {
    const n = this.nums.shift();
    void this.fill().catch(() => undefined); // a failed refill shows up when the pool runs dry
    if (n !== undefined) return n;
    return this.fill().then(() => this.take());
  }
}
