// [override-ips]: per address or CIDR, values that replace the geo/ASN/RIR lookups and tags added
// to every session that touches a matching address. Longest prefix wins.
//   10.0.0.1=tag:srcip;asn:AS0000 This is neat;rir:TEST;country:RU
//   10.180/16=country:US                 (short IPv4 forms are accepted, as inet_net_pton does)
//   2001:db8::/32=region:REG;city:City;http.uri:x   (other "field:value" items are kept as field ops)
import { ConfigError } from '../../db/config.js';
import { parseIpv4, parseIpv6, unmapV4 } from './ip-addr.js';

export interface OverrideEntry {
  readonly key: string;
  country?: string;
  region?: string;
  city?: string;
  asnNumber?: number;
  asnOrg?: string;
  rir?: string;
  tags: string[];
  /** Other "expression:value" items: fields to set on the session. */
  fieldOps: Array<[string, string]>;
}

const MAX_TAGS = 10; // Arkime keeps at most 10 tags per entry

export function parseOverrideValue(key: string, value: string, where = '[override-ips]'): OverrideEntry {
  const e: OverrideEntry = { key, tags: [], fieldOps: [] };
  for (const raw of value.split(';')) {
    const item = raw.trim();
    if (item === '') continue;
    if (item.startsWith('asn:')) {
      const m = /^AS(\d+) (.+)$/.exec(item.slice(4));
      if (!m) throw new ConfigError(`${where} ${key}: asn value '${item.slice(4)}' does not match 'AS<number> <name>'`);
      e.asnNumber = Number(m[1]);
      e.asnOrg = m[2];
    } else if (item.startsWith('rir:')) e.rir = item.slice(4);
    else if (item.startsWith('tag:')) { if (e.tags.length < MAX_TAGS) e.tags.push(item.slice(4)); }
    else if (item.startsWith('country:')) e.country = item.slice(8);
    else if (item.startsWith('region:')) e.region = item.slice(7);
    else if (item.startsWith('city:')) e.city = item.slice(5);
    else {
      const colon = item.indexOf(':');
      if (colon > 0) e.fieldOps.push([item.slice(0, colon), item.slice(colon + 1)]);
    }
  }
  return e;
}

/** Parse "ip" or "ip/bits" into address bytes masked to the prefix, or throw naming the key. */
export function parseCidr(key: string, where = '[override-ips]'): { addr: Uint8Array; bits: number } {
  const slash = key.indexOf('/');
  const ipText = slash >= 0 ? key.slice(0, slash) : key;
  const v6 = ipText.includes(':');
  let addr = v6 ? parseIpv6(ipText) : parseIpv4(ipText, slash >= 0);
  if (!addr) throw new ConfigError(`${where}: '${key}' is not an IP address or CIDR`);
  let bits = addr.length * 8;
  if (slash >= 0) {
    const b = key.slice(slash + 1);
    bits = Number(b);
    if (!/^\d+$/.test(b) || bits > addr.length * 8) throw new ConfigError(`${where}: bad prefix length in '${key}'`);
  }
  // ::ffff:a.b.c.d/<96+n> is the IPv4 prefix a.b.c.d/n
  const un = unmapV4(addr);
  if (un !== addr && bits >= 96) { addr = un; bits -= 96; }
  const masked = new Uint8Array(addr.length);
  for (let i = 0; i < addr.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    masked[i] = addr[i] & ((0xff00 >> keep) & 0xff);
  }
  return { addr: masked, bits };
}

function keyOf(addr: Uint8Array, bits: number): string {
  let s = '';
  const n = Math.ceil(bits / 8);
  for (let i = 0; i < n; i++) s += String.fromCharCode(addr[i]);
  return s;
}

/** Longest-prefix table, one Map per prefix length and family. */
export class OverrideIps {
  private readonly v4 = new PrefixMaps();
  private readonly v6 = new PrefixMaps();
  size = 0;

  add(key: string, value: string, where?: string): void {
    const { addr, bits } = parseCidr(key, where);
    const entry = parseOverrideValue(key, value, where);
    (addr.length === 4 ? this.v4 : this.v6).set(addr, bits, entry);
    this.size++;
  }

  /** Entry for 4- or 16-byte address bytes (IPv4-mapped IPv6 is looked up as IPv4). */
  lookup(addr: Uint8Array): OverrideEntry | undefined {
    if (this.size === 0) return undefined;
    const a = unmapV4(addr);
    return (a.length === 4 ? this.v4 : this.v6).get(a);
  }

  static fromSection(section: Map<string, string>, where = '[override-ips]'): OverrideIps {
    const t = new OverrideIps();
    for (const [k, v] of section) t.add(k, v, where);
    return t;
  }
}

class PrefixMaps {
  private readonly lengths: number[] = [];
  private readonly maps = new Map<number, Map<string, OverrideEntry>>();

  set(addr: Uint8Array, bits: number, e: OverrideEntry): void {
    let m = this.maps.get(bits);
    if (!m) {
      m = new Map();
      this.maps.set(bits, m);
      this.lengths.push(bits);
      this.lengths.sort((a, b) => b - a);
    }
    m.set(keyOf(addr, bits), e);
  }

  get(addr: Uint8Array): OverrideEntry | undefined {
    const tmp = new Uint8Array(addr.length);
    for (const bits of this.lengths) {
      for (let i = 0; i < addr.length; i++) {
        const keep = Math.max(0, Math.min(8, bits - i * 8));
        tmp[i] = addr[i] & ((0xff00 >> keep) & 0xff);
      }
      const e = this.maps.get(bits)!.get(keyOf(tmp, bits));
      if (e) return e;
    }
    return undefined;
  }
}
