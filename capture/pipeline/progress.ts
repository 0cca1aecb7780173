// Import progress: a redrawn status line on a terminal (file, MB/s, packets, sessions, ETA),
// plain log lines otherwise (one when a file starts, one when it ends, one summary).
import { basename } from 'node:path';

export interface ImportSummary {
  files: number; packets: number; sessions: number; bytes: number; seconds: number;
  /** Input files that ended in an error (unreadable, truncated, corrupt). */
  errors: number;
  /** Parsers that threw or gave up on their session. */
  parserErrors: number;
  /** Packets seen and kept by each capture-time transform (sampling...), by its name. */
  transforms?: Record<string, Record<string, number>>;
}

export class Progress {
  private readonly tty: boolean;
  private file = '';
  private size = 0;
  private start = 0;
  private startPackets = 0;
  private lastDraw = -Infinity; // the first update always draws (performance.now() starts near 0)
  private lastPackets = 0;

  /** `tty` defaults to whether stderr is a terminal; `write` to stderr (tests pass their own). */
  constructor(private readonly quiet: boolean, tty?: boolean, private readonly write: (s: string) => void = (s) => { process.stderr.write(s); }) {
    this.tty = tty ?? process.stderr.isTTY === true;
  }

  log(line: string): void {
    if (this.tty) this.write('\r\x1b[K');
    this.write(line + '\n');
  }

  startFile(file: string, size: number): void {
    this.file = file; this.size = size; this.start = performance.now(); this.lastDraw = -Infinity;
    this.startPackets = this.lastPackets;
    if (!this.tty && !this.quiet) this.log(`packrat: importing ${file} (${(size / 1e6).toFixed(1)} MB)`);
  }

  /** `pos`: bytes of the current file read; the counts are totals of the whole run. */
  update(pos: number, packets: number, sessions: number, parserErrors = 0): void {
    this.lastPackets = packets;
    if (!this.tty || this.quiet) return;
    const now = performance.now();
    if (now - this.lastDraw < 200) return;
    this.lastDraw = now;
    this.write('\r\x1b[K' + this.statusLine(pos, packets, sessions, parserErrors, (now - this.start) / 1000));
  }

  /** The terminal status line (exposed for tests). */
  statusLine(pos: number, packets: number, sessions: number, parserErrors: number, sec: number): string {
    const mbps = pos / 1e6 / Math.max(sec, 1e-3);
    const frac = this.size > 0 ? Math.min(1, pos / this.size) : 0;
    const eta = frac > 0 ? sec / frac - sec : 0;
    const w = 24, fill = Math.round(frac * w);
    return `${basename(this.file)} [${'#'.repeat(fill)}${'.'.repeat(w - fill)}] ${(frac * 100).toFixed(0)}% ${mbps.toFixed(0)} MB/s ` +
      `${packets} packets ${sessions} sessions${parserErrors ? ` ${parserErrors} parser errors` : ''} ETA ${eta.toFixed(0)}s`;
  }

  endFile(file: string, bytes: number, packets: number): void {
    this.lastPackets = packets;
    if (this.quiet) return;
    if (this.tty) { this.write('\r\x1b[K'); return; }
    const sec = (performance.now() - this.start) / 1000;
    this.log(`packrat: done ${file}: ${packets - this.startPackets} packets, ${(bytes / 1e6).toFixed(1)} MB in ${sec.toFixed(2)} s (${(bytes / 1e6 / Math.max(sec, 1e-3)).toFixed(0)} MB/s)`);
  }

  done(s: ImportSummary): void {
    if (this.quiet) return;
    this.log(`packrat: imported ${s.files} file(s): ${s.packets} packets, ${s.sessions} sessions, ${(s.bytes / 1e6).toFixed(1)} MB in ${s.seconds.toFixed(2)} s ` +
      `(${Math.round(s.packets / Math.max(s.seconds, 1e-3))} packets/s, ${(s.bytes / 1e6 / Math.max(s.seconds, 1e-3)).toFixed(0)} MB/s), ` +
      `${s.parserErrors} parser error(s)${s.errors ? `, ${s.errors} file error(s)` : ''}` +
      Object.entries(s.transforms ?? {}).map(([k, v]) => `; ${k}: ${Object.entries(v).map(([a, b]) => `${a} ${b}`).join(', ')}`).join(''));
  }
}
