// Which pcapDir the next file goes to (`pcapDirAlgorithm`, reference 5.6).
import { statfsSync } from 'node:fs';

export type PcapDirAlgorithm = 'round-robin' | 'max-free-percent' | 'max-free-bytes';

export function parsePcapDirAlgorithm(v: string): PcapDirAlgorithm {
  if (v === 'round-robin' || v === 'max-free-percent' || v === 'max-free-bytes') return v;
  throw new Error(`pcapDirAlgorithm=${v} is not one of round-robin, max-free-percent, max-free-bytes`);
}

export interface DirSpace { freeBytes: number; totalBytes: number }

export function dirSpace(dir: string): DirSpace | undefined {
  try {
    const s = statfsSync(dir);
    return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
  } catch {
    return undefined;
  }
}

export class PcapDirChooser {
  private rr = 0;

  constructor(readonly dirs: string[], readonly algorithm: PcapDirAlgorithm,
              private readonly space: (dir: string) => DirSpace | undefined = dirSpace) {
    if (dirs.length === 0) throw new Error('pcapDir: no directory configured');
  }

  /** Called once per new file. A directory whose space cannot be read is never preferred. */
  next(): string {
    if (this.algorithm === 'round-robin' || this.dirs.length === 1) return this.dirs[this.rr++ % this.dirs.length];
    let best = this.dirs[this.rr++ % this.dirs.length];
    let bestScore = -1;
    for (const d of this.dirs) {
      const s = this.space(d);
      if (!s || s.totalBytes <= 0) continue;
      const score = this.algorithm === 'max-free-bytes' ? s.freeBytes : s.freeBytes / s.totalBytes;
      if (score > bestScore) { bestScore = score; best = d; }
    }
    return best;
  }
}
