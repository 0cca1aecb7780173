// Per-session storage of SPI field values, keyed by field slot, and their layout into an
// Arkime document. Allocated lazily: a session that sets no protocol field pays nothing.
import { FieldRegistry, fields as registry, type Field } from '../../db/fields/registry.js';
import { PlainTarget, type DocTarget } from './doc-shape.js';

/** List fields Arkime defines with LINKED_SESSIONS: copied into every segment. */
const LINKED_LISTS = new Set(['user']);

/** Arkime truncates string elements at 16384 bytes. */
const MAX_STRING = 16384;

// Document paths derived from a field's db path, made once per field (every document reuses
// the same strings rather than slicing and concatenating new ones per session).
const cntPaths: (string | null)[] = [];
const ipBases: string[] = [];
function cntPathOf(f: Field): string | null {
  let p = cntPaths[f.id];
  if (p === undefined) { p = FieldRegistry.cntPath(f) ?? null; cntPaths[f.id] = p; }
  return p;
}
function ipBaseOf(f: Field): string { return ipBases[f.id] ??= f.db.slice(0, -2); }

export class FieldValues {
  /** slot → Set (unique), Array (array) or scalar (single); made on the first value. */
  private values: Map<number, unknown> | undefined;
  /** Object arrays (`dns`, `cert`) in insertion order. */
  private objects: Map<string, Record<string, unknown>[]> | undefined;

  get size(): number { return (this.values?.size ?? 0) + (this.objects?.size ?? 0); }

  has(f: Field): boolean { return this.values !== undefined && this.values.has(f.id); }

  get(f: Field): unknown { return this.values?.get(f.id); }

  add(f: Field, v: string | number): boolean {
    if (typeof v === 'string' && v.length > MAX_STRING) v = v.slice(0, MAX_STRING);
    const values = this.values ??= new Map();
    switch (f.store) {
      case 'single':
        if (values.has(f.id)) return false;
        values.set(f.id, v);
        return true;
      case 'array': {
        let a = values.get(f.id) as (string | number)[] | undefined;
        if (!a) { a = []; values.set(f.id, a); }
        a.push(v);
        return true;
      }
      default: {
        let s = values.get(f.id) as Set<string | number> | undefined;
        if (!s) { s = new Set(); values.set(f.id, s); }
        if (s.has(v)) return false;
        s.add(v);
        return true;
      }
    }
  }

  addObject(group: string, obj: Record<string, unknown>): void {
    if (!this.objects) this.objects = new Map();
    let a = this.objects.get(group);
    if (!a) { a = []; this.objects.set(group, a); }
    a.push(obj);
  }

  objectsOf(group: string): Record<string, unknown>[] | undefined { return this.objects?.get(group); }

  /** Drop values of fields that do not carry over to the next segment of a split session. */
  clearUnlinked(reg: FieldRegistry = registry): void {
    // As Arkime writes a session's later segments: single-valued fields and the linked `user`
    // stay, every list of values starts over (http, email, tls... appear in one segment only).
    const values = this.values;
    if (values) {
      for (const id of [...values.keys()]) {
        const f = reg.byId(id);
        if (f.linked === false || (f.store !== 'single' && !LINKED_LISTS.has(f.exp))) values.delete(id);
      }
    }
    this.objects = undefined;
  }

  clear(): void { this.values = undefined; this.objects = undefined; }

  /**
   * Write the values into `doc` with Arkime's layout: text before the first dot of the db path
   * is the group object, the rest the key inside it; unique/array fields become JSON arrays with
   * a `<db>Cnt` (or `<db>-cnt`) companion when the field has one; object groups get `<group>Cnt`.
   */
  writeTo(doc: Record<string, unknown>, reg: FieldRegistry = registry, ipInfo?: IpCompanionLookup): void {
    this.writeInto(new PlainTarget(doc), reg, ipInfo);
  }

  /** writeTo into any DocTarget (the document builder). */
  writeInto(doc: DocTarget, reg: FieldRegistry = registry, ipInfo?: IpCompanionLookup): void {
    // forEach, not for-of over entries: no [id, value] pair per value.
    if (this.values) this.values.forEach((v, id) => writeValue(doc, reg.byId(id), v, ipInfo));
    if (this.objects) {
      this.objects.forEach((arr, group) => {
        if (ipInfo) for (const o of arr) addObjectCompanions(group, o, reg, ipInfo);
        doc.setPath(group, arr);
        doc.set(groupCntKey(group), arr.length);
      });
    }
  }
}

function writeValue(doc: DocTarget, f: Field, v: unknown, ipInfo: IpCompanionLookup | undefined): void {
  let out: unknown;
  let n = 1;
  const list = v instanceof Set || Array.isArray(v);
  // Arkime's Cnt for an array field counts its elements.
  if (v instanceof Set) { out = [...v]; n = v.size; } else if (Array.isArray(v)) { out = v.slice(); n = v.length; } else out = v;
  doc.setPath(f.db, out);
  const cp = cntPathOf(f);
  if (cp && list) doc.setPath(cp, n);
  if (ipInfo && f.kind === 'ip') {
    const base = ipBaseOf(f);
    if (Array.isArray(out)) {
      writeIpCompanions(doc, base, out as string[], ipInfo);
    } else {
      // A single IP gets single companions, and only the known ones.
      const info = ipInfo(out as string);
      const k = companionKeys(base);
      if (info?.country) doc.setPath(k[0], info.country);
      if (info?.asn) doc.setPath(k[1], info.asn);
      if (info?.rir) doc.setPath(k[2], info.rir);
    }
  }
}

const groupCntKeys = new Map<string, string>();
function groupCntKey(group: string): string {
  let k = groupCntKeys.get(group);
  if (k === undefined) { k = `${group}Cnt`; if (groupCntKeys.size < 10000) groupCntKeys.set(group, k); }
  return k;
}

export type IpCompanionLookup = (ip: string) => { country?: string; asn?: string; rir?: string } | undefined;

/** Per object group, its keys that hold IPs (`dns` → `ip`), found once per key seen. */
const objectIpKeys = new Map<string, Map<string, boolean>>();
function isObjectIpKey(group: string, key: string, reg: FieldRegistry): boolean {
  let keys = objectIpKeys.get(group);
  if (keys === undefined) { keys = new Map(); objectIpKeys.set(group, keys); }
  let ip = keys.get(key);
  if (ip === undefined) {
    const f = reg.byDb(`${group}.${key}`);
    ip = f !== undefined && f.kind === 'ip' && (key.endsWith('Ip') || key === 'ip');
    if (keys.size < 10000 && reg === registry) keys.set(key, ip);
  }
  return ip;
}

/** IP values inside objects (`dns[].ip`) get GEO/ASN/RIR arrays beside them (`dns[].GEO`). */
function addObjectCompanions(group: string, o: Record<string, unknown>, reg: FieldRegistry, ipInfo: IpCompanionLookup): void {
  for (const key of Object.keys(o)) {
    if (!isObjectIpKey(group, key, reg)) continue;
    const v = o[key];
    const k = companionKeys(key.slice(0, -2));
    const c = ipCompanions((Array.isArray(v) ? v : [v]) as string[], ipInfo);
    o[k[0]] = c[0]; o[k[1]] = c[1]; o[k[2]] = c[2];
  }
}

/** Arkime's companions of an IP array: GEO, ASN, RIR arrays with '---' / '' for unknown. */
function ipCompanions(ips: string[], ipInfo: IpCompanionLookup): [string[], string[], string[]] {
  const n = ips.length;
  const geo: string[] = new Array(n), asn: string[] = new Array(n), rir: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const info = ipInfo(ips[i]);
    geo[i] = info?.country ?? '---';
    asn[i] = info?.asn ?? '---';
    rir[i] = info?.rir ?? '';
  }
  return [geo, asn, rir];
}

/**
 * Arkime's companions of an IP array: `<base>GEO`, `<base>ASN`, `<base>RIR`, parallel arrays
 * with '---' / '' for unknown, at paths split at their first dot (document groups).
 */
export function writeIpCompanions(doc: DocTarget, base: string, ips: string[], ipInfo: IpCompanionLookup): void {
  const c = ipCompanions(ips, ipInfo);
  const k = companionKeys(base);
  doc.setPath(k[0], c[0]); doc.setPath(k[1], c[1]); doc.setPath(k[2], c[2]);
}

/** Bounded caches of strings derived from paths: field paths and config header names are few. */
const PATH_CACHE_MAX = 20000;
const companionCache = new Map<string, [string, string, string]>();
function companionKeys(base: string): [string, string, string] {
  let k = companionCache.get(base);
  if (!k) {
    if (companionCache.size >= PATH_CACHE_MAX) companionCache.clear();
    k = [`${base}GEO`, `${base}ASN`, `${base}RIR`];
    companionCache.set(base, k);
  }
  return k;
}
