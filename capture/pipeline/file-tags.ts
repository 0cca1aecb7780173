// filenameOps: values derived from the input file's path, e.g.
// `filenameOps=tags=/gre-(.*)\.pcap%gretest-\1;tags=dns-error%error-dns`.
// The regex is searched in the absolute, symlink-resolved path; `\N` in the replacement is a group.
import { realpathSync } from 'node:fs';
import { ConfigError, type Config } from '../../db/config.js';

export interface FilenameOp { field: string; regex: RegExp; replacement: string }

export function parseFilenameOps(config: Config): FilenameOp[] {
  return config.list('filenameOps').map((op) => {
    const eq = op.indexOf('=');
    const pct = op.lastIndexOf('%');
    if (eq < 0 || pct < eq) throw new ConfigError(`filenameOps: '${op}' is not field=regex%replacement`);
    try {
      return { field: op.slice(0, eq), regex: new RegExp(op.slice(eq + 1, pct)), replacement: op.slice(pct + 1) };
    } catch (e) {
      throw new ConfigError(`filenameOps: bad regex in '${op}': ${(e as Error).message}`);
    }
  });
}

/** Tags the file's path yields (only the `tags` field is supported). */
export function tagsForFile(ops: FilenameOp[], path: string): string[] {
  let real = path;
  try { real = realpathSync(path); } catch { /* keep as given */ }
  const out: string[] = [];
  for (const op of ops) {
    if (op.field !== 'tags') continue;
    const m = op.regex.exec(real);
    if (!m) continue;
    out.push(op.replacement.replace(/\\(\d)/g, (_, d: string) => m[Number(d)] ?? ''));
  }
  return out;
}
