// Tiny argument parser: repeated options collect into arrays, flags are booleans.
export interface ParsedArgs { opts: Map<string, string[]>; flags: Set<string>; rest: string[] }

export class UsageError extends Error {}

export function parseArgs(argv: string[], spec: { values: string[]; flags: string[]; alias?: Record<string, string> }): ParsedArgs {
  const opts = new Map<string, string[]>();
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (a === '--') { rest.push(...argv.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { rest.push(a); continue; }
    let inline: string | undefined;
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) { inline = a.slice(eq + 1); a = a.slice(0, eq); }
    a = spec.alias?.[a] ?? a;
    if (spec.flags.includes(a)) { flags.add(a); continue; }
    if (spec.values.includes(a)) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
      const l = opts.get(a) ?? [];
      l.push(v);
      opts.set(a, l);
      continue;
    }
    throw new UsageError(`unknown option ${a}`);
  }
  return { opts, flags, rest };
}

export function one(a: ParsedArgs, k: string): string | undefined {
  const v = a.opts.get(k);
  return v ? v[v.length - 1] : undefined;
}
