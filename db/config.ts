// Arkime-style config.ini reader. Arkime reads the file with GLib's key-file parser:
// values are trimmed, backslash escapes are decoded, lists are split on ';', and a section
// named like the node overrides [default] (node → nodeClass → default).
import { readFileSync } from 'node:fs';

export type IniSections = Map<string, Map<string, string>>;

export class ConfigError extends Error {}

function unescapeGlib(v: string): string {
  if (!v.includes('\\')) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c !== '\\' || i + 1 >= v.length) { out += c; continue; }
    const n = v[++i];
    switch (n) {
      case 's': out += ' '; break;
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '\\': out += '\\'; break;
      default: out += '\\' + n; // GLib rejects unknown escapes; keep them verbatim (regexes)
    }
  }
  return out;
}

export function parseIni(text: string, file = 'config.ini'): IniSections {
  const sections: IniSections = new Map();
  let cur: Map<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      const end = line.indexOf(']');
      if (end < 0) throw new ConfigError(`${file}:${i + 1}: section header without ']'`);
      const name = line.slice(1, end).trim();
      cur = sections.get(name);
      if (!cur) { cur = new Map(); sections.set(name, cur); }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new ConfigError(`${file}:${i + 1}: expected key=value, got '${line}'`);
    if (!cur) throw new ConfigError(`${file}:${i + 1}: key outside of a section`);
    cur.set(line.slice(0, eq).trim(), unescapeGlib(line.slice(eq + 1).trim()));
  }
  return sections;
}

/** Resolved view of a config file for one node. */
export class Config {
  readonly sections: IniSections;
  readonly node: string;
  readonly file: string;
  private readonly overrides = new Map<string, string>();

  constructor(sections: IniSections, node: string, file = '(inline)') {
    this.sections = sections;
    this.node = node;
    this.file = file;
  }

  static load(file: string, node: string): Config {
    let text: string;
    try { text = readFileSync(file, 'utf8'); } catch (e) {
      throw new ConfigError(`cannot read config ${file}: ${(e as Error).message}`);
    }
    return new Config(parseIni(text, file), node, file);
  }

  static fromText(text: string, node = 'default'): Config {
    return new Config(parseIni(text), node);
  }

  /** `-o key=value` overrides from the command line win over every section. */
  override(key: string, value: string): void { this.overrides.set(key, value); }

  overrideList(): [string, string][] { return [...this.overrides]; }

  raw(key: string): string | undefined {
    const o = this.overrides.get(key);
    if (o !== undefined) return o;
    const nodeSec = this.sections.get(this.node);
    if (nodeSec?.has(key)) return nodeSec.get(key);
    const cls = nodeSec?.get('nodeClass');
    if (cls && this.sections.get(cls)?.has(key)) return this.sections.get(cls)!.get(key);
    return this.sections.get('default')?.get(key);
  }

  str(key: string, def: string): string { return this.raw(key) ?? def; }

  int(key: string, def: number, min = -Infinity, max = Infinity): number {
    const v = this.raw(key);
    if (v === undefined || v === '') return def;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new ConfigError(`${this.file}: ${key}=${v} is not a number`);
    return Math.min(max, Math.max(min, n));
  }

  bool(key: string, def: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === '') return def;
    return /^(true|yes|1|on)$/i.test(v);
  }

  list(key: string, def: string[] = []): string[] {
    const v = this.raw(key);
    if (v === undefined) return def;
    return v.split(';').map((s) => s.trim()).filter((s) => s !== '');
  }

  section(name: string): Map<string, string> { return this.sections.get(name) ?? new Map(); }
}
