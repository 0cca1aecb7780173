// Time values in expressions, read the way Arkime's viewer reads them (parseSeconds in
// arkimeparser.jison, built on moment): relative times (`-1d`, `+2h@d`, `@w1`), `YYYY/MM/DD
// HH:mm:ss` with an optional zone, ISO 8601, bare epoch seconds. A time without a zone is local
// time (process TZ). Results are whole seconds since the epoch.

const UNITS: Array<[RegExp, Unit]> = [
  [/^(s|sec|secs|second|seconds)$/, 'seconds'],
  [/^(m|min|mins|minute|minutes)$/, 'minutes'],
  [/^(h|hr|hrs|hour|hours)$/, 'hours'],
  [/^(d|day|days)$/, 'days'],
  [/^(w|week|weeks)\d*$/, 'weeks'],
  [/^(M|mon|mons|month|months)$/, 'months'],
  [/^(q|qtr|qtrs|quarter|quarters)$/, 'quarters'],
  [/^(y|yr|yrs|year|years)$/, 'years'],
];
type Unit = 'seconds' | 'minutes' | 'hours' | 'days' | 'weeks' | 'months' | 'quarters' | 'years';

function unitOf(s: string): Unit | undefined {
  for (const [re, u] of UNITS) if (re.test(s)) return u;
  return undefined;
}

/** Start of the unit containing `d`, local time (moment's startOf). */
function startOf(d: Date, u: Unit): void {
  switch (u) {
    case 'years': d.setMonth(0, 1); d.setHours(0, 0, 0, 0); break;
    case 'quarters': d.setMonth(Math.floor(d.getMonth() / 3) * 3, 1); d.setHours(0, 0, 0, 0); break;
    case 'months': d.setDate(1); d.setHours(0, 0, 0, 0); break;
    case 'weeks': d.setDate(d.getDate() - d.getDay()); d.setHours(0, 0, 0, 0); break;
    case 'days': d.setHours(0, 0, 0, 0); break;
    case 'hours': d.setMinutes(0, 0, 0); break;
    case 'minutes': d.setSeconds(0, 0); break;
    case 'seconds': d.setMilliseconds(0); break;
  }
}

function add(d: Date, n: number, u: Unit | undefined): void {
  switch (u) {
    case 'years': d.setFullYear(d.getFullYear() + n); break;
    case 'quarters': d.setMonth(d.getMonth() + 3 * n); break;
    case 'months': d.setMonth(d.getMonth() + n); break;
    case 'weeks': d.setDate(d.getDate() + 7 * n); break;
    case 'days': d.setDate(d.getDate() + n); break;
    case 'hours': d.setTime(d.getTime() + n * 3600e3); break;
    case 'minutes': d.setTime(d.getTime() + n * 60e3); break;
    case 'seconds': d.setTime(d.getTime() + n * 1e3); break;
    default: d.setTime(d.getTime() + n); // moment adds milliseconds when the unit is unknown
  }
}

function snap(d: Date, spec: string): void {
  const u = unitOf(spec);
  if (!u) return;
  startOf(d, u);
  const m = /^(w|week|weeks)(\d+)$/.exec(spec);
  if (m) d.setDate(d.getDate() + Number(m[2])); // moment's day(n) from the start of the week
}

const SLASHED = /^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[ T]+(\d{1,2})(?::(\d{1,2})(?::(\d{1,2}))?)?)?(?:\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2}))?$/i;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

function zoneOffsetMinutes(z: string): number {
  if (/^(Z|UTC|GMT)$/i.test(z)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(z)!;
  const v = Number(m[2]) * 60 + Number(m[3] ?? 0);
  return m[1] === '-' ? -v : v;
}

function fromParts(m: RegExpExecArray, zone: string | undefined, frac?: string): number {
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0));
  const ms = frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || s > 60) return NaN;
  if (zone === undefined) return new Date(y, mo - 1, d, h, mi, s, ms).getTime();
  return Date.UTC(y, mo - 1, d, h, mi, s, ms) - zoneOffsetMinutes(zone) * 60e3;
}

/** Milliseconds since the epoch for a time value, NaN when it cannot be read. */
export function parseTimeMs(str: string, now: number = Date.now()): number {
  let m = /^([+-])(\d*)([a-z]*)(@*)([a-z0-9]*)/.exec(str);
  if (m && !/^[+-]\d+$/.test(str)) {
    const d = new Date(now);
    if (m[5]) snap(d, m[5]);
    add(d, (m[1] === '-' ? -1 : 1) * (m[2] === '' ? 1 : Number(m[2])), unitOf(m[3]));
    return d.getTime();
  }
  m = /^@([a-z0-9]+)/.exec(str);
  if (m) {
    const d = new Date(now);
    snap(d, m[1]);
    return d.getTime();
  }
  if (/^-?\d+$/.test(str)) return Number(str) * 1000;
  if ((m = SLASHED.exec(str))) return fromParts(m, m[7]);
  if ((m = ISO.exec(str))) return fromParts(m, m[8], m[7]);
  return Date.parse(str);
}

/** Whole seconds since the epoch (moment's unix()), NaN when unreadable. */
export function parseSeconds(str: string, now?: number): number {
  return Math.floor(parseTimeMs(str, now) / 1000);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time with offset, `2014-02-26T10:27:57-05:00` (moment's default format()). */
export function formatLocalIso(seconds: number): string {
  const d = new Date(seconds * 1000);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return `${String(d.getFullYear()).padStart(4, '0')}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/**
 * Reads a date string as Elasticsearch does in a range query: returns [first ms, last ms] of
 * the instant it names at its precision (no fraction given → the whole second).
 */
export function esDateBounds(text: string): [number, number] | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return undefined;
  const ms = fromParts(m, m[8], m[7]);
  if (Number.isNaN(ms)) return undefined;
  return [ms, m[7] ? ms : ms + 999];
}
