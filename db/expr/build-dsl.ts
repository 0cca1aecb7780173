// AST → Elasticsearch query DSL as Arkime's parser actions build it (formatQuery and friends in
// viewer/arkimeparser.jison), before Arkime's collapsing pass. This uncollapsed form is exact in
// meaning, so the SQL compiler reads it too; the ES compiler collapses it (collapse.ts).
//
// One deliberate difference: `field != [value,$shortcut]` is built as must_not over the `==`
// forms. Arkime builds must_not over the `!=` forms and relies on its collapse dropping the
// double negation; the collapsed result is the same.
import type { FieldRegistry } from '../fields/registry.js';
import { ipToBytes } from '../fields/columns.js';
import type { CmpOp, Expr, Span } from './ast.js';
import { isListText } from './ast.js';
import { formatLocalIso, parseSeconds } from './dates.js';
import { ExpressionError, valueError } from './errors.js';
import { globMatch } from './safe-match.js';
import { fieldView, type FieldInfo, type FieldView } from './field-view.js';
import { parseExpression } from './parser.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Dsl = any;

export interface Shortcut {
  /** Document id in the lookups index. */
  id: string;
  type: 'ip' | 'number' | 'string';
  /** The shortcut's values (needed by the SQL compiler, which has no terms lookup). */
  values?: Array<string | number>;
}

export interface BuildContext {
  registry: FieldRegistry;
  /** Shortcuts visible to the user, by name (`$name` in expressions). */
  shortcuts?: Record<string, Shortcut>;
  /** Elasticsearch index prefix with its trailing `_` (default `arkime_`). */
  prefix?: string;
  /** The user's views by name → expression (`view == name`). */
  views?: Record<string, string>;
  /** Rights the user holds (`emailSearch`). Undefined: every right. */
  rights?: Record<string, boolean>;
  /** Clock for relative times, ms (default Date.now()). */
  now?: number;
}

const SHORTCUT_TYPES: Record<string, Shortcut['type']> = {
  ip: 'ip', integer: 'number',
  termfield: 'string', lotermfield: 'string', uptermfield: 'string',
  textfield: 'string', lotextfield: 'string', uptextfield: 'string',
};

const PROTOCOLS: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, icmp6: 58, icmpv6: 58, ospf: 89, pim: 103, sctp: 132,
};

const isArrayAND = (v: string) => v[0] === ']';
const isArrayStart = (v: string) => v[0] === '[' || v[0] === ']';
const stripQuotes = (s: string) => (s[0] === '"' ? s.substring(1, s.length - 1) : s);

/** Split a list value on commas (`\,` is a literal comma, `\\` a backslash); `$` items are kept or dropped. */
function splitList(text: string, shortcuts: boolean): string[] {
  if (isListText(text)) text = text.substring(1, text.length - 1);
  return text.replace(/\\\\/g, '**BACKSLASH**').replace(/\\,/g, '**COMMA**')
    .split(/\s*,\s*/)
    .filter((part) => (part.trim()[0] === '$') === shortcuts)
    .map((s) => s.replaceAll('**COMMA**', ',').replaceAll('**BACKSLASH**', '\\'));
}

/** The first unescaped `/…/` must be the whole value. */
function regexPrefixError(str: string): string | undefined {
  const m = /^\/(?:\\?.)*?\//.exec(str);
  if (m && m[0].length !== str.length) return `Must back slash any forward slashes in regexp query - ${m[0]}`;
  return undefined;
}

/**
 * A regex both stores can run, checked before any store sees it: the syntax must parse, and the
 * constructs RE2 (DuckDB) and Lucene lack, lookaround and backreferences, are refused.
 */
function regexSyntaxError(re: string): string | undefined {
  if (/\(\?<?[=!]/.test(re)) return 'lookaround (?= (?! (?<= (?<! is not supported';
  // RE2 knows escapes of ASCII punctuation and of its own letters only; JavaScript takes any
  const esc = /\\([^!-\/:-@[-`{-~aAbBdDfnprsStvwWxzCQEpP0-7])/su.exec(re);
  if (esc) return `invalid escape sequence \\${esc[1]}`;
  if (/(^|[^\\])(\\\\)*\\[1-9]/.test(re)) return 'backreferences are not supported';
  const lucene = luceneSyntaxError(re);
  if (lucene) return lucene;
  try { new RegExp(re); } catch (e) { return (e as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, ''); }
  return undefined;
}

/**
 * What Lucene's RegExp parser (all syntax flags, as Elasticsearch runs it) refuses and JavaScript
 * takes: an unclosed "string" or [class], `<` that is not an interval <n-m>, `{` that is not a
 * repeat {n}, {n,} or {n,m}, and an operator (| & ~) with nothing after it.
 */
function luceneSyntaxError(re: string): string | undefined {
  for (let i = 0; i < re.length; i++) {
    const c = re[i], rest = re.slice(i);
    if (c === '\\') { if (++i >= re.length) return 'a trailing backslash escapes nothing'; continue; }
    if (c === '"') { const end = re.indexOf('"', i + 1); if (end < 0) return `unclosed " at ${i}`; i = end; continue; }
    if (c === '[') {
      let j = i + 1;
      if (re[j] === '^') j++;
      j++; // the first member may be ']'
      while (j < re.length && re[j] !== ']') j += re[j] === '\\' ? 2 : 1;
      if (j >= re.length) return `unclosed [ at ${i}`;
      i = j; continue;
    }
    if (c === '<' && !/^<\d+-\d+>/.test(rest)) return `< at ${i} must start an interval <n-m>`;
    if (c === '{' && !/^\{\d+(,\d*)?\}/.test(rest)) return `{ at ${i} must be a repeat {n}, {n,} or {n,m}`;
    if ((c === '|' || c === '&' || c === '~') && (i + 1 >= re.length || re[i + 1] === ')' || (c !== '|' && /[|&]/.test(re[i + 1])))) {
      return `${c} at ${i} needs an expression after it`;
    }
  }
  return undefined;
}

const MAX_VIEW_DEPTH = 8;

export class DslBuilder {
  private readonly view: FieldView;
  /** Where the comparison being built sits, for error positions. */
  private fieldSpan: Span = { start: 0, end: 0 };
  private valueSpan: Span = { start: 0, end: 0 };

  constructor(private readonly ctx: BuildContext, private readonly depth = 0) {
    this.view = fieldView(ctx.registry);
  }

  build(e: Expr): Dsl {
    switch (e.type) {
      case 'and': return { bool: { filter: e.children.map((c) => this.build(c)) } };
      case 'or': return { bool: { should: e.children.map((c) => this.build(c)) } };
      case 'not': return { bool: { must_not: this.build(e.child) } };
      case 'exists':
        this.fieldSpan = e.fieldSpan; this.valueSpan = e.fieldSpan;
        return this.formatExists(e.field, e.negated ? 'ne' : 'eq');
      case 'cmp':
        this.fieldSpan = e.fieldSpan; this.valueSpan = e.value.span;
        return this.formatQuery(e.field, e.op, e.value.text, {});
    }
  }

  // ---- errors -------------------------------------------------------------------------------

  private fail(msg: string, token: string): never {
    throw valueError(msg, token, this.valueSpan.start);
  }

  private info(field: string): FieldInfo {
    const info = this.view.lookup(field);
    if (!info) {
      throw new ExpressionError(`Unknown field '${field}'`, field, this.fieldSpan.start, `Unknown field ${field}`);
    }
    if (!this.allowed(info)) {
      const msg = `${field} - permission denied, ask your Arkime admin to give you access using + on Users tab`;
      throw new ExpressionError(msg, field, this.fieldSpan.start, msg);
    }
    return info;
  }

  private allowed(info: FieldInfo): boolean {
    return !info.requiredRight || !this.ctx.rights || this.ctx.rights[info.requiredRight] === true;
  }

  // ---- field expansion ----------------------------------------------------------------------

  /** Every ip field but `ip` itself, one per document path, sorted by expression. */
  private ipInfos(needPort: boolean): FieldInfo[] {
    const out: FieldInfo[] = [];
    const done = new Set<string>();
    for (const [name, info] of this.view.entries()) {
      if (name === 'ip' || info.kind !== 'ip' || done.has(info.db)) continue;
      done.add(info.db);
      if (needPort && !info.portField) continue;
      if (!this.allowed(info)) continue;
      out.push(info);
    }
    return out.sort((a, b) => a.exp.localeCompare(b.exp));
  }

  /** Members of an aggregate field: names matching its regex, one per path, sorted by expression. */
  private regexInfos(agg: FieldInfo, sort = true): FieldInfo[] {
    const re = new RegExp(agg.regex!);
    const out: FieldInfo[] = [];
    const done = new Set<string>();
    for (const [name, info] of this.view.entries()) {
      if (!re.test(name) || done.has(info.db)) continue;
      if (!this.allowed(info)) continue;
      out.push(info);
      done.add(info.db);
    }
    return sort ? out.sort((a, b) => a.exp.localeCompare(b.exp)) : out;
  }

  /** Arkime's `ip` aggregate is handled by the ip code, not by its regex. */
  private isIpAll(info: FieldInfo): boolean { return info.db === 'ipall'; }

  // ---- EXISTS! ------------------------------------------------------------------------------

  private formatExists(field: string, op: 'eq' | 'ne'): Dsl {
    const info = this.info(field);
    if (info.regex) {
      const list = this.regexInfos(info, false).map((i) => this.formatExists(i.exp, 'eq'));
      return op === 'ne' ? { bool: { must_not: list } } : { bool: { should: list } };
    }
    const db = info.kind === 'fileand' ? 'fileId' : info.db;
    if (op === 'ne') return { bool: { must_not: { exists: { field: db } } } };
    return { exists: { field: db } };
  }

  // ---- field OP value -----------------------------------------------------------------------

  private formatQuery(field: string, op: CmpOp, value: string, completed: Record<string, true>): Dsl {
    if (value[0] === '/' && value[value.length - 1] === '/') {
      const err = regexPrefixError(value);
      if (err) this.fail(err, value);
    }
    this.info(field);
    const normals = splitList(value, false);
    const hasShortcuts = splitList(value, true).length > 0;
    if (!hasShortcuts) return this.formatNormalQuery(field, op, value, completed);

    if (op !== 'eq' && op !== 'ne') this.fail('Shortcuts only support == and !=', value);
    const sc = this.formatShortcuts(field, value);
    const parts = normals.length === 0 ? [sc] : [this.formatNormalQuery(field, 'eq', value, completed), sc];
    if (op === 'eq') return parts.length === 1 ? sc : { bool: { should: parts } };
    if (parts.length === 1) return { bool: { must_not: sc.bool?.should ?? [sc] } };
    return { bool: { must_not: parts } };
  }

  /** The `$name` items of a value as terms-lookup queries (OR-ed; one item returned bare). */
  private formatShortcuts(field: string, value: string): Dsl {
    const names: string[] = [];
    for (const s of splitList(value, true)) {
      const name = s.trim().substring(1);
      if (/[*?]/.test(name)) {
        // a glob matcher, not `*` → `.*`: many stars would backtrack n^k times (safe-match.ts)
        for (const k of Object.keys(this.ctx.shortcuts ?? {})) if (globMatch(name, k)) names.push(k);
      } else {
        names.push(name);
      }
    }
    if (names.length === 0) this.fail(`${value} - Shortcut not found`, value);
    if (isArrayAND(value)) this.fail(`${value} - AND array not supported with shortcuts`, value);

    const info = this.info(field);
    const type = info.kind;
    const scType = SHORTCUT_TYPES[type];
    const index = `${this.ctx.prefix ?? 'arkime_'}lookups`;
    const should: Dsl[] = [];
    for (const name of names) {
      const sc = this.ctx.shortcuts?.[name];
      if (!sc) this.fail(`${name} - Shortcut not found`, value);
      if (!scType) this.fail(`Unsupported field type: ${type}`, value);
      if (sc.type !== scType) this.fail(`shortcut must be of type ${scType}`, value);
      const lookup = (db: string) => ({ terms: { [db]: { index, id: sc.id, path: scType } } });
      if (type === 'ip' && this.isIpAll(info)) {
        for (const i of this.ipInfos(false)) should.push(lookup(i.db));
      } else if (scType === 'string' && info.regex) {
        for (const i of this.regexInfos(info)) should.push(lookup(i.db));
      } else {
        should.push(lookup(info.db));
      }
    }
    return should.length === 1 ? should[0] : { bool: { should } };
  }

  private formatNormalQuery(field: string, op: CmpOp, value: string, completed: Record<string, true>): Dsl {
    const info = this.info(field);

    if (info.regex && !this.isIpAll(info)) {
      const list: Dsl[] = [];
      for (const i of this.regexInfos(info)) {
        if (completed[i.db]) continue;
        completed[i.db] = true;
        list.push(this.formatQuery(i.exp, op === 'ne' ? 'eq' : op, value, completed));
      }
      return op === 'ne' ? { bool: { must_not: list } } : { bool: { should: list } };
    }

    const db = info.db;
    switch (info.kind) {
      case 'ip': {
        if (value[0] === '/') this.fail(`${value} - Regex not supported for ip queries`, value);
        if (value.includes('*')) this.fail(`${value} - Wildcard not supported for ip queries`, value);
        if (value === 'ipv4') value = '0.0.0.0/0';
        if (value === 'ipv6') {
          value = '0.0.0.0/0';
          op = op === 'ne' ? 'eq' : op === 'eq' ? 'ne' : op;
        }
        if (op === 'eq') return this.parseIpPort(field, value);
        if (op === 'ne') return { bool: { must_not: this.parseIpPort(field, value) } };
        if (isArrayStart(value)) this.fail(`${value} - List queries not supported for gt/lt queries - ${value}`, value);
        // a range bound must be one address: the store would reject anything else
        if (!ipValid(stripQuotes(value))) this.fail(`${value} - Not an IP address for a gt/lt query`, value);
        return { range: { [db]: { [op]: stripQuotes(value) } } };
      }
      case 'integer': case 'boolean': case 'float': {
        const float = info.kind === 'float';
        if (value[0] === '/') this.fail(`${value} - Regex queries not supported for ${float ? 'float' : 'integer'} queries`, value);
        if (op === 'eq' || op === 'ne') {
          const obj = float ? this.termOrTermsFloat(db, value) : this.termOrTermsInt(db, value);
          return op === 'ne' ? { bool: { must_not: obj } } : obj;
        }
        if (isArrayStart(value)) this.fail(`${value} - List queries not supported for gt/lt queries - ${value}`, value);
        return { range: { [db]: { [op]: float ? this.float(stripQuotes(value)) : this.int(stripQuotes(value)) } } };
      }
      case 'lotermfield': case 'lotextfield':
        return this.stringOp(field, op, value.toLowerCase());
      case 'termfield': case 'textfield':
        return this.stringOp(field, op, value);
      case 'uptermfield': case 'uptextfield':
        return this.stringOp(field, op, value.toUpperCase());
      case 'fileand':
        if (isArrayStart(value)) this.fail(`${value} - List queries not supported for file queries - ${value}`, value);
        // A bad /regex/ is the user's mistake, not the resolver's crash: name it and where it is.
        try { checkFileRegex(stripQuotes(value)); } catch (e) { this.fail(`${value} - Invalid file regex: ${(e as Error).message}`, value); }
        if (op === 'eq') return { fileand: stripQuotes(value) };
        if (op === 'ne') return { bool: { must_not: { fileand: stripQuotes(value) } } };
        return this.fail(`${op} - not supported for file queries`, value);
      case 'viewand':
        return this.formatView(op, value);
      case 'seconds': case 'date': {
        if (value[0] === '/') this.fail(`${value} - Regex queries not supported for date queries`, value);
        if (op === 'eq' || op === 'ne') {
          const obj = this.termOrTermsDate(db, value);
          return op === 'ne' ? { bool: { must_not: obj } } : obj;
        }
        if (isArrayStart(value)) this.fail(`${value} - List queries not supported for gt/lt queries - ${value}`, value);
        return { range: { [db]: { [op]: this.date(stripQuotes(value)) } } };
      }
    }
    return this.fail(`Unknown field type: ${info.kind}`, value);
  }

  private stringOp(field: string, op: CmpOp, value: string): Dsl {
    if (op === 'eq') return this.stringQuery(field, value);
    if (op === 'ne') return { bool: { must_not: this.stringQuery(field, value) } };
    return this.fail(`Invalid operator '${op}' for ${field}`, value);
  }

  private formatView(op: CmpOp, value: string): Dsl {
    if (isArrayStart(value)) this.fail(`${value} - List queries not supported for view queries - ${value}`, value);
    const name = stripQuotes(value);
    const expr = this.ctx.views?.[name];
    if (expr === undefined) this.fail(`${name} - View not found for user`, value);
    if (op !== 'eq' && op !== 'ne') this.fail(`${op} - not supported for view queries`, value);
    if (this.depth >= MAX_VIEW_DEPTH) this.fail(`${name} - Views nested too deeply`, value);
    let obj: Dsl;
    try {
      obj = new DslBuilder(this.ctx, this.depth + 1).build(parseExpression(expr, this.ctx.registry));
    } catch (e) {
      if (e instanceof ExpressionError) this.fail(`View '${name}': ${e.arkimeMessage} (position ${e.position} of the view)`, value);
      throw e;
    }
    return op === 'eq' ? obj : { bool: { must_not: obj } };
  }

  // ---- numbers and dates --------------------------------------------------------------------

  private int(s: string): number {
    if (!/^\s*-?\d+/.test(s)) this.fail(`${s} is not a number`, s);
    return parseInt(s, 10);
  }

  private float(s: string): number {
    const v = parseFloat(s);
    if (Number.isNaN(v)) this.fail(`${s} is not a float`, s);
    return v;
  }

  private termOrTermsInt(db: string, str: string): Dsl {
    if (isListText(str)) {
      const vals = splitList(str, false).map((x) => this.int(stripQuotes(x)));
      if (isArrayAND(str)) return { bool: { filter: vals.map((v) => ({ term: { [db]: v } })) } };
      return { terms: { [db]: vals } };
    }
    str = stripQuotes(str);
    const m = /(-?\d+)-(-?\d+)/.exec(str);
    if (m) return { range: { [db]: { gte: parseInt(m[1], 10), lte: parseInt(m[2], 10) } } };
    if (!/^-?\d+$/.test(str)) this.fail(`${str} is not a number`, str);
    return { term: { [db]: parseInt(str, 10) } };
  }

  private termOrTermsFloat(db: string, str: string): Dsl {
    if (isListText(str)) {
      const vals = splitList(str, false).map((x) => this.float(stripQuotes(x)));
      if (isArrayAND(str)) return { bool: { filter: vals.map((v) => ({ term: { [db]: v } })) } };
      return { terms: { [db]: vals } };
    }
    str = stripQuotes(str);
    if (!/^-?\d+$/.test(str) && !/^-?\d+\.\d+$/.test(str)) {
      const m = /(-?\d*\.?\d*)-(-?\d*\.?\d*)/.exec(str);
      if (m) return { range: { [db]: { gte: this.float(m[1]), lte: this.float(m[2]) } } };
      this.fail(`${str} is not a float`, str);
    }
    return { term: { [db]: parseFloat(str) } };
  }

  /** A time value as Arkime sends it to Elasticsearch: local ISO 8601 with offset. */
  private date(s: string): string {
    const sec = parseSeconds(s, this.ctx.now);
    if (Number.isNaN(sec)) this.fail(`${s} is not a valid date`, s);
    // the stores' date format has four-digit years: 0000-01-01 to 9999-12-31
    if (sec < -62167219200 || sec >= 253402300800) this.fail(`${s} is not a date between the years 0 and 9999`, s);
    return formatLocalIso(sec);
  }

  // The same instant as gte and lte: Elasticsearch rounds the lte bound up to the end of the second.
  private termOrTermsDate(db: string, str: string): Dsl {
    const range = (s: string) => { const d = this.date(stripQuotes(s)); return { range: { [db]: { gte: d, lte: d } } }; };
    if (isListText(str)) {
      const items = splitList(str, false).map(range);
      return isArrayAND(str) ? { bool: { filter: items } } : { bool: { should: items } };
    }
    return range(str);
  }

  // ---- ip values ----------------------------------------------------------------------------

  private parseIpPort(field: string, ipPortStr: string): Dsl {
    const info = this.info(field);
    const db = info.db;
    ipPortStr = ipPortStr.trim();

    if (isListText(ipPortStr)) {
      const items = splitList(ipPortStr, false).map((s) => this.parseIpPort(field, s));
      if (items.length === 1) return items[0];
      if (isArrayAND(ipPortStr)) return { bool: { filter: items } };
      // Plain terms on the same field merge into one terms query.
      const should: Dsl[] = [];
      const terms: Record<string, unknown[]> = {};
      for (const l of items) {
        if (l.term === undefined) { should.push(l); continue; }
        const key = Object.keys(l.term)[0];
        if (!terms[key]) { terms[key] = []; should.push({ terms: { [key]: terms[key] } }); }
        terms[key].push(l.term[key]);
      }
      return { bool: { should } };
    }

    // ':80' and '.80': port only (a number, as Arkime sends it)
    if ((ipPortStr[0] === ':' && ipPortStr[1] !== ':') || ipPortStr[0] === '.') {
      const port = ipPortStr.slice(1);
      if (!/^\d+$/.test(port)) this.fail(`${port} not a valid port`, ipPortStr);
      return this.isIpAll(info) ? this.parseAllIp(undefined, +port) : this.singleIp(field, db, undefined, +port);
    }

    let ip: string | undefined;
    let port: string | number = -1;
    const colons = ipPortStr.split(':');
    if (ipPortStr.includes('::')) {
      const dots = ipPortStr.split('.');
      if (dots.length > 1 && dots[1] !== '') port = dots[1];
      ip = dots[0];
    } else if (colons.length > 2) {
      const dots = ipPortStr.split('.');
      if (dots.length > 1 && dots[1] !== '') port = dots[1];
      const slash = dots[0].split('/');
      const groups = slash[0].split(':');
      if (groups[groups.length - 1] === '') groups.length--;
      if (slash[1] === undefined) slash[1] = `${16 * groups.length}`;
      ip = groups.length < 8 ? `${groups.join(':')}::` : groups.join(':');
      if (slash[1] && slash[1] !== '128') ip = `${ip}/${slash[1]}`;
    } else {
      if (colons.length > 1 && colons[1] !== '') port = colons[1];
      const slash = colons[0].split('/');
      const dots = slash[0].split('.');
      if (dots[dots.length - 1] === '') dots.length--;
      switch (dots.length) {
        case 4: ip = dots.join('.'); break;
        case 3: ip = `${dots.join('.')}.0`; slash[1] ??= '24'; break;
        case 2: ip = `${dots.join('.')}.0.0`; slash[1] ??= '16'; break;
        case 1:
          if (dots[0].length > 0) { ip = `${dots[0]}.0.0.0`; slash[1] ??= '8'; }
          break;
      }
      if (ip === undefined) this.fail(`${colons[0]} not a valid ip`, ipPortStr);
      if (slash[1] && slash[1] !== '32') ip = `${ip}/${slash[1]}`;
    }
    return this.isIpAll(info) ? this.parseAllIp(ip, port) : this.singleIp(field, db, ip, port);
  }

  private singleIp(exp: string, db: string, ip: string | undefined, port: string | number): Dsl {
    if (typeof port === 'string' && /[^0-9]/.test(port)) this.fail(`${port} not a valid port`, port);
    let obj: Dsl;
    if (ip !== undefined) {
      const colon = ip.indexOf(':');
      if ((colon === -1 && /[^.0-9/]/.test(ip)) || (colon !== -1 && /[^a-fA-F:0-9/]/.test(ip)) || /\/.*[^0-9]/.test(ip)) {
        this.fail(`${ip} not a valid ip`, ip);
      }
      if (!ipCidrValid(ip)) this.fail(`${ip} not a valid ip`, ip);
      obj = { term: { [db]: ip } };
    }
    if (port !== -1) {
      const info = this.info(exp);
      if (!info.portField) this.fail(`${exp} doesn't support port`, exp);
      const portTerm = { term: { [info.portField]: port } };
      return ip === undefined ? portTerm : { bool: { filter: [obj, portTerm] } };
    }
    return obj;
  }

  private parseAllIp(ip: string | undefined, port: string | number): Dsl {
    const should = this.ipInfos(port !== -1).map((i) => this.singleIp(i.exp, i.db, ip, port));
    return { bool: { should } };
  }

  // ---- strings ------------------------------------------------------------------------------

  private transform(info: FieldInfo, s: string): string | number {
    switch (info.transform) {
      case 'utf8ToHex': return Buffer.from(stripQuotes(s)).toString('hex').toLowerCase().replace(/2a/g, '*');
      case 'dash2Colon': return s.replace(/-/g, ':');
      case 'removeProtocol':
        if (s[0] === '/' && s[s.length - 1] === '/') return s;
        return s.replace(/^[a-z]+:\/\//i, '');
      case 'removeProtocolAndURI':
        if (s[0] === '/' && s[s.length - 1] === '/') return s;
        return s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*/, '');
      case 'ipProtocolLookup': {
        if (PROTOCOLS[s] === undefined && Number.isNaN(Number(s))) this.fail(`Unknown protocol string ${s}`, s);
        return PROTOCOLS[s] ?? +s;
      }
      default: return s;
    }
  }

  private stringQuery(field: string, str: string): Dsl {
    const info = this.info(field);
    const db = info.db;
    const termKind = /termfield/.test(info.kind);

    if (str[0] === '/' && str[str.length - 1] === '/') {
      const err = regexPrefixError(str);
      if (err) this.fail(err, str);
      let re = str.substring(1, str.length - 1);
      if (info.transform) re = String(this.transform(info, re)).replace(/2e/g, '.');
      re = re.replace(/\\(.)/g, '$1');
      const bad = regexSyntaxError(re);
      if (bad) this.fail(`Invalid regex ${str}: ${bad}`, str);
      return { regexp: { [db]: re } };
    }

    let quoted = false;
    if (str[0] === '"' && str[str.length - 1] === '"') {
      str = str.substring(1, str.length - 1).replace(/\\(")/g, '$1');
      quoted = true;
    } else if (isListText(str)) {
      const items: Dsl[] = [];
      let terms: unknown[] | undefined;
      for (const raw of splitList(str, false)) {
        const a = this.transform(info, raw);
        if (typeof a === 'string' && a[0] === '/' && a[a.length - 1] === '/') {
          const err = regexPrefixError(a);
          if (err) this.fail(err, a);
          const bad = regexSyntaxError(a.substring(1, a.length - 1));
          if (bad) this.fail(`Invalid regex ${a}: ${bad}`, a);
          items.push({ regexp: { [db]: a.substring(1, a.length - 1) } });
          continue;
        }
        const clean = typeof a === 'string' && a[0] === '"' && a[a.length - 1] === '"'
          ? a.substring(1, a.length - 1).replace(/\\(.)/g, '$1') : a;
        if (typeof a === 'string' && a.includes('*')) {
          if (a === '*') this.fail("Please use 'EXISTS!' instead of a '*' in expression", a);
          items.push({ wildcard: { [db]: clean } });
        } else if (termKind) {
          if (isArrayAND(str)) { items.push({ term: { [db]: clean } }); continue; }
          if (!terms) { terms = []; items.push({ terms: { [db]: terms } }); }
          terms.push(clean);
        } else {
          items.push({ match_phrase: { [db]: clean } });
        }
      }
      if (items.length === 1) return items[0];
      return isArrayAND(str) ? { bool: { filter: items } } : { bool: { should: items } };
    }

    const v = info.transform ? this.transform(info, str) : str;
    if (!Number.isNaN(Number(v)) && !quoted) return { term: { [db]: v } };
    if (typeof v === 'string' && v.includes('*')) {
      if (v === '*') this.fail("Please use 'EXISTS!' instead of a '*' in expression", v);
      return { wildcard: { [db]: v } };
    }
    if (/textfield/.test(info.kind)) return { match_phrase: { [db]: v } };
    return { term: { [db]: v } };
  }
}

/** `a.b.c.d[/n]` or an IPv6 address with optional prefix, fully valid. */
/** One address as the stores read it: dotted quads without leading zeros (Elasticsearch refuses 05.0.0.1). */
function ipValid(addr: string): boolean {
  if (!ipToBytes(addr)) return false;
  const quad = addr.slice(addr.lastIndexOf(':') + 1);
  return !quad.includes('.') || !/(^|\.)0\d/.test(quad);
}

function ipCidrValid(ip: string): boolean {
  const slash = ip.indexOf('/');
  const addr = slash === -1 ? ip : ip.slice(0, slash);
  if (!ipValid(addr)) return false;
  if (slash === -1) return true;
  const bits = ip.slice(slash + 1);
  if (!/^\d+$/.test(bits)) return false;
  return Number(bits) <= (addr.includes(':') ? 128 : 32);
}

/** Build the uncollapsed DSL of an AST. */
export function buildDsl(ast: Expr, ctx: BuildContext): Dsl {
  return new DslBuilder(ctx).build(ast);
}

/** A `file` term's `/re/` must compile (compiling never runs it): refused here, with its position. */
function checkFileRegex(name: string): void {
  if (name.length > 1 && name[0] === '/' && name[name.length - 1] === '/') new RegExp(name.slice(1, -1));
}
