// A small deterministic random generator (sfc32) so a fuzz run is replayed exactly from its
// seed, and a round from (seed, round) alone.

/** splitmix32 step: spreads a seed (or a seed mixed with a round number) over 32 bits. */
export function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d = 1;

  constructor(seed: number) {
    this.a = mix32(seed);
    this.b = mix32(this.a ^ 0x1234567);
    this.c = mix32(this.b ^ 0x89abcdef);
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** Next 32-bit unsigned integer. */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Integer in [0, n). */
  int(n: number): number { return n <= 1 ? 0 : Math.floor((this.u32() / 0x100000000) * n); }

  /** True with probability p. */
  chance(p: number): boolean { return this.u32() / 0x100000000 < p; }

  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
}

/** The seed of one round: every round can be replayed without running the ones before it. */
export function roundSeed(seed: number, round: number): number {
  return mix32(mix32(seed) ^ Math.imul(round + 1, 0x27d4eb2d));
}
