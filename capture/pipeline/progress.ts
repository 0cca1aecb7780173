// Import progress: a redrawn status line on a terminal (file, MB/s, packets, sessions, ETA),
// plain log lines otherwise.
import { basename } from 'node:path';

export interface ImportSummary { files: number; packets: number; sessions: number; bytes: number; seconds: number }

export class Progress {
  private readonly tty = process.stderr.isTTY === true;
  private file = '';
  private size = 0;
  private start = 0;
  private lastDraw = 0;

  constructor(private readonly quiet: boolean) {}

  log(line: string): void {
    if (this.tty) process.stderr.write('\r\x1b[K');
    process.stderr.write(line + '\n');
  }

  startFile(file: string, size: number): void {
    this.file = file; this.size = size; this.start = performance.now(); this.lastDraw = 0;
    if (!this.tty && !this.quiet) this.log(`packrat: importing ${file} (${(size / 1e6).toFixed(1)} MB)`);
  }

  update(pos: number, sessions: number): void {
    if (!this.tty || this.quiet) return;
    const now = performance.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    const sec = (now - this.start) / 1000;
    const mbps = pos / 1e6 / Math.max(sec, 1e-3);
    const frac = this.size > 0 ? pos / this.size : 0;
    const eta = frac > 0 ? sec / frac - sec : 0;
    const w = 24, fill = Math.round(frac * w);
    process.stderr.write(`\r\x1b[K${basename(this.file)} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${(frac * 100).toFixed(0)}% ${mbps.toFixed(0)} MB/s ${sessions} sessions ETA ${eta.toFixed(0)}s`);
  }

  endFile(): void { if (this.tty && !this.quiet) process.stderr.write('\r\x1b[K'); }

  done(s: ImportSummary): void {
    if (this.quiet) return;
    this.log(`packrat: imported ${s.files} file(s): ${s.packets} packets, ${s.sessions} sessions, ${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(2)} s ` +
      `(${Math.round(s.packets / s.seconds)} packets/s, ${(s.bytes / 1e6 / s.seconds).toFixed(0)} MB/s)`);
  }
}
