// One coverage-guided fuzz target: bytes in, an exception out when the code under test broke
// its contract. Targets are grouped by module (parsers, decode, readers, expr); index.ts says
// which module holds a name without loading any of them.

export interface FuzzTarget {
  readonly name: string;
  /** Run one input. Throws only when the code under test misbehaved (that is a crash). */
  run(data: Uint8Array): void;
  /** Largest input libFuzzer makes (its -max_len). */
  readonly maxLen: number;
  /** Starting inputs made from our own sample captures (fuzz/cov/seed.ts writes them). */
  seeds?(): Promise<Uint8Array[]>;
  /** libFuzzer dictionary entries (keywords the code compares against). */
  readonly dict?: readonly string[];
  /** Checks too slow or asynchronous for the loop, run over a whole corpus afterwards: problems found. */
  check?(inputs: { name: string; data: Uint8Array }[]): Promise<string[]>;
}

export interface TargetModule {
  names(): string[];
  target(name: string): FuzzTarget | undefined;
}

/** An error the target raises for a broken contract (as opposed to one the code threw). */
export class ContractError extends Error {
  override name = 'ContractError';
}
