// How a registry field maps onto a column of the embedded session store. The store, the
// SQL compiler and the document rebuilder all go through these functions, never by hand.
import type { Field } from './registry.js';

export type SqlType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' | 'BIGINT[]' | 'DOUBLE[]' | 'VARCHAR[]';

/**
 * Column name of a field: exactly its document path (`http.host`, `source.ip`). Fields inside an
 * object array (`dns.host`) are flattened across the objects into one list column of that name,
 * as Elasticsearch does with plain (non-nested) objects.
 */
export function columnName(f: Field): string { return f.db; }

/** IP fields also get a shadow column holding the sortable form (see `ipSortKey`). */
export function ipShadowColumn(f: Field): string { return `${f.db}#n`; }

/** Count companions (`http.hostCnt`, `source.mac-cnt`) are stored as BIGINT columns. */

export function isList(f: Field): boolean {
  return f.store !== 'single' || f.object !== undefined;
}

export function scalarType(f: Field): 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN' {
  // `ip.protocol` is a term field for the user (`== udp`) but the document holds the number.
  if (f.transform === 'ipProtocolLookup') return 'BIGINT';
  switch (f.kind) {
    case 'integer': case 'seconds': case 'date': return 'BIGINT';
    case 'float': return 'DOUBLE';
    case 'boolean': return 'BOOLEAN';
    default: return 'VARCHAR';
  }
}

export function columnType(f: Field): SqlType {
  const t = scalarType(f);
  if (t === 'BOOLEAN') return 'BOOLEAN';
  return (isList(f) ? `${t}[]` : t) as SqlType;
}

/** Quote an identifier for DuckDB. */
export function q(ident: string): string { return `"${ident.replace(/"/g, '""')}"`; }

/** A DuckDB string literal. */
export function sqlString(s: string): string { return `'${s.replace(/'/g, "''")}'`; }

/**
 * Sortable text form of an IP: 32 lowercase hex digits of the IPv6 address (IPv4 as
 * ::ffff:a.b.c.d). String order equals numeric order, so CIDR becomes BETWEEN.
 * Returns undefined for text that is not an IP address.
 */
export function ipSortKey(ip: string): string | undefined {
  const b = ipToBytes(ip);
  if (!b) return undefined;
  let s = '';
  for (let i = 0; i < 16; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return s;
}

/**
 * `ipSortKey` in SQL, of an expression holding an IP's text (DuckDB list lambdas): for ordering
 * values that were grouped or unnested, where no shadow column lines up with them.
 */
export function ipSortKeySql(e: string): string {
  const hex = (x: string) => `list_aggr(list_transform(string_split(${x}, '.'), p -> printf('%02x', CAST(p AS INTEGER))), 'string_agg', '')`;
  const z = `split_part(${e}, '%', 1)`;
  const tail = hex(`regexp_extract(${z}, '([0-9.]+)$', 1)`);
  // an IPv6 text ending in dotted IPv4 (::ffff:1.2.3.4) gets that part as two hex groups
  const t = `(CASE WHEN contains(${z}, '.') THEN regexp_extract(${z}, '^(.*:)', 1) || substr(${tail}, 1, 4) || ':' || substr(${tail}, 5, 4) ELSE ${z} END)`;
  const side = (n: number) => `list_filter(string_split(split_part(${t}, '::', ${n}), ':'), g -> g <> '')`;
  const groups = `list_concat(${side(1)}, list_transform(range(8 - len(${side(1)}) - len(${side(2)})), i -> '0'), ${side(2)})`;
  return `(CASE WHEN NOT contains(${e}, ':') THEN '00000000000000000000ffff' || ${hex(e)} ` +
    `ELSE list_aggr(list_transform(${groups}, g -> lpad(lower(g), 4, '0')), 'string_agg', '') END)`;
}

/** IPv4 or IPv6 text to 16 bytes (IPv4 mapped into ::ffff:0:0/96). */
export function ipToBytes(ip: string): Uint8Array | undefined {
  const out = new Uint8Array(16);
  if (ip.includes(':')) {
    let s = ip;
    const pct = s.indexOf('%');
    if (pct >= 0) s = s.slice(0, pct);
    let tail4: number[] | undefined;
    const lastColon = s.lastIndexOf(':');
    if (s.indexOf('.', lastColon) >= 0) {
      const v4 = parseV4(s.slice(lastColon + 1));
      if (!v4) return undefined;
      tail4 = v4;
      s = s.slice(0, lastColon + 1) + '0:0';
    }
    const dbl = s.indexOf('::');
    let head: string[]; let tail: string[];
    if (dbl >= 0) {
      if (s.indexOf('::', dbl + 1) >= 0) return undefined;
      head = s.slice(0, dbl) === '' ? [] : s.slice(0, dbl).split(':');
      tail = s.slice(dbl + 2) === '' ? [] : s.slice(dbl + 2).split(':');
      if (head.length + tail.length > 7) return undefined;
    } else {
      head = s.split(':'); tail = [];
      if (head.length !== 8) return undefined;
    }
    const groups = [...head, ...new Array(8 - head.length - tail.length).fill('0'), ...tail];
    for (let i = 0; i < 8; i++) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(groups[i])) return undefined;
      const v = parseInt(groups[i], 16);
      out[i * 2] = v >> 8; out[i * 2 + 1] = v & 0xff;
    }
    if (tail4) { out[12] = tail4[0]; out[13] = tail4[1]; out[14] = tail4[2]; out[15] = tail4[3]; }
    return out;
  }
  const v4 = parseV4(ip);
  if (!v4) return undefined;
  out[10] = 0xff; out[11] = 0xff;
  out[12] = v4[0]; out[13] = v4[1]; out[14] = v4[2]; out[15] = v4[3];
  return out;
}

function parseV4(s: string): number[] | undefined {
  const p = s.split('.');
  if (p.length !== 4) return undefined;
  const r: number[] = [];
  for (const x of p) {
    if (!/^\d{1,3}$/.test(x)) return undefined;
    const n = Number(x);
    if (n > 255) return undefined;
    r.push(n);
  }
  return r;
}

/**
 * Column of a field's count companion (`http.hostCnt`, `source.mac-cnt`). BIGINT for plain
 * fields; for fields inside an object array one count per object, so BIGINT[].
 */
export function cntColumnName(f: Field): string {
  return f.cnt === 'ecs' ? `${f.db}-cnt` : `${f.db}Cnt`;
}

export function cntColumnType(f: Field): 'BIGINT' | 'BIGINT[]' {
  return f.object !== undefined ? 'BIGINT[]' : 'BIGINT';
}

/**
 * `ipSortKey` as one flat string. The store keeps millions of these in memory between flushes;
 * a string built by `+=` is a tree of pieces that costs ~1 KB and slows the garbage collector.
 */
export function ipSortKeyFlat(ip: string): string | undefined {
  if (parseV4Into(ip, sortKeyV4, 12)) return sortKeyV4.toString('hex');
  const b = ipToBytes(ip);
  return b ? Buffer.from(b.buffer, b.byteOffset, 16).toString('hex') : undefined;
}

/** ::ffff:0.0.0.0, the IPv4 part filled in per call (every session has two IPs to key). */
const sortKeyV4 = Buffer.from('00000000000000000000ffff00000000', 'hex');

/**
 * Dotted-quad IPv4 text (as `parseV4` accepts it: four parts of 1-3 ASCII digits, each <= 255)
 * into out[at..at+3], without split, regex or arrays. False, out untouched, for anything else.
 */
function parseV4Into(s: string, out: Uint8Array, at: number): boolean {
  const n = s.length;
  if (n < 7 || n > 15) return false;
  let part = 0; let value = 0; let digits = 0; let packed = 0;
  for (let i = 0; i <= n; i++) {
    const ch = i < n ? s.charCodeAt(i) : 46; // a '.' after the end closes the last part
    if (ch >= 48 && ch <= 57) {
      if (++digits > 3) return false;
      value = value * 10 + ch - 48;
    } else if (ch === 46 && digits > 0 && value <= 255 && part < 4) {
      packed = packed * 256 + value;
      part++; value = 0; digits = 0;
    } else {
      return false;
    }
  }
  if (part !== 4) return false;
  out[at] = packed >>> 24; out[at + 1] = (packed >>> 16) & 0xff; out[at + 2] = (packed >>> 8) & 0xff; out[at + 3] = packed & 0xff;
  return true;
}
