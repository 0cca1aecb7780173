// What the instrumented code calls (see hooks.ts): `Fuzzer.coverageTracker.createModuleCounters`
// hands each module a slice of one shared counter buffer that libFuzzer reads after every input,
// and `Fuzzer.tracer` reports lost comparisons to libFuzzer (strings, integers) while returning
// the comparison's own result.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LibFuzzer {
  registerCoverageMap(buf: Buffer): void;
  startFuzzing(fn: (data: Buffer) => void, args: string[]): number;
  traceUnequalStrings(id: number, a: string, b: string): void;
  traceIntegerCompare(id: number, a: number, b: number): void;
}

export const ADDON_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../../build/fuzz/libfuzzer.node');
/** Counters for every instrumented module of one process (capture/ and db/ need ~60 k). */
const MAX_COUNTERS = 1 << 20;

export interface ModuleCounters { name: string; start: number; size: number }

export class Coverage {
  readonly counters = Buffer.alloc(MAX_COUNTERS);
  readonly modules: ModuleCounters[] = [];
  used = 0;
  /** Set when the native side is there: lost comparisons go to libFuzzer. */
  native?: LibFuzzer;

  createModuleCounters(size: number, name = '?'): Uint8Array {
    // Past the cap a module shares the last slot (counted, never lost as an error).
    if (this.used + size > MAX_COUNTERS) return new Uint8Array(size);
    const view = this.counters.subarray(this.used, this.used + size);
    this.modules.push({ name, start: this.used, size });
    this.used += size;
    return view;
  }

  /** Counters hit at least once since the last reset (replay mode never resets). */
  covered(start = 0, end = this.used): number {
    let n = 0;
    for (let i = start; i < end; i++) if (this.counters[i] !== 0) n++;
    return n;
  }

  /** Covered edges per module, most covered first. */
  byModule(): { name: string; covered: number; total: number }[] {
    return this.modules.map((m) => ({ name: m.name, covered: this.covered(m.start, m.start + m.size), total: m.size }))
      .filter((m) => m.covered > 0).sort((a, b) => b.covered - a.covered);
  }
}

export function loadAddon(): LibFuzzer {
  return createRequire(import.meta.url)(ADDON_PATH) as LibFuzzer;
}

/** Installs `globalThis.Fuzzer` before any instrumented module loads. */
export function installRuntime(cov: Coverage): void {
  const strCmp = (a: unknown, b: unknown, id: number): void => {
    if (cov.native && typeof a === 'string' && typeof b === 'string' && a !== b) cov.native.traceUnequalStrings(id, a, b);
  };
  const intCmp = (a: unknown, b: unknown, id: number): void => {
    if (cov.native && a !== b && Number.isInteger(a) && Number.isInteger(b)) cov.native.traceIntegerCompare(id, a as number, b as number);
  };
  (globalThis as Record<string, unknown>).Fuzzer = {
    coverageTracker: { createModuleCounters: (n: number, name?: string) => cov.createModuleCounters(n, name) },
    tracer: {
      traceStrCmp(a: unknown, b: unknown, op: string, id: number): boolean {
        strCmp(a, b, id);
        return compare(a as number, b as number, op);
      },
      traceNumberCmp(a: number, b: number, op: string, id: number): boolean {
        intCmp(a, b, id);
        return compare(a, b, op);
      },
      traceAndReturn(current: unknown, target: unknown, id: number): unknown {
        if (typeof target === 'string') strCmp(current, target, id);
        else intCmp(current, target, id);
        return target;
      },
    },
  };
}

/** The comparison the instrumented code asked for, by its operator (strings compare as they would). */
function compare(a: number, b: number, op: string): boolean {
  switch (op) {
    case '==': return a == b;
    case '===': return a === b;
    case '!=': return a != b;
    case '!==': return a !== b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '<': return a < b;
    case '<=': return a <= b;
    default: throw new Error(`fuzz runtime: unknown comparison ${op}`);
  }
}
