// A DNS message writer for the name-service samples: header, questions and resource records
// with name compression, as servers lay them out (RFC 1035 §4).

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];

export const TYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, MX: 15, TXT: 16, AAAA: 28, SRV: 33, OPT: 41, DS: 43,
  RRSIG: 46, NSEC: 47, DNSKEY: 48, HTTPS: 65, CAA: 257,
} as const;

/** Bytes of a message being written; `name` compresses against names already written. */
export class DnsWriter {
  readonly b: number[] = [];
  private readonly names = new Map<string, number>();

  name(n: string): void {
    const labels = n === '' || n === '.' ? [] : n.split('.');
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join('.').toLowerCase();
      const at = this.names.get(suffix);
      if (at !== undefined) { this.b.push(0xc0 | (at >> 8), at & 0xff); return; }
      if (this.b.length < 0x3fff) this.names.set(suffix, this.b.length);
      this.b.push(labels[i].length, ...ascii(labels[i]));
    }
    this.b.push(0);
  }

  /** A name written without compression (as in SVCB targets and RRSIG signers). */
  plainName(n: string): void {
    for (const l of n === '' || n === '.' ? [] : n.split('.')) this.b.push(l.length, ...ascii(l));
    this.b.push(0);
  }

  bytes(...v: number[]): void { this.b.push(...v); }
}

export type Rdata = (w: DnsWriter) => void;

export interface RR { name: string; type: number; ttl: number; cls?: number; rd: Rdata }
export interface Question { name: string; type: number; cls?: number }

export const ip4 = (ip: string) => ip.split('.').map(Number);

/** IPv6 text (with at most one `::`) to 16 bytes. */
export function ip6(ip: string): number[] {
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const words = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].map((x) => parseInt(x, 16));
  return words.flatMap(u16);
}

export const rd = {
  a: (ip: string): Rdata => (w) => w.bytes(...ip4(ip)),
  aaaa: (ip: string): Rdata => (w) => w.bytes(...ip6(ip)),
  name: (n: string): Rdata => (w) => w.name(n),
  mx: (pref: number, n: string): Rdata => (w) => { w.bytes(...u16(pref)); w.name(n); },
  txt: (...s: string[]): Rdata => (w) => { for (const x of s) w.bytes(x.length, ...ascii(x)); },
  soa: (mname: string, rname: string, serial: number): Rdata => (w) => {
    w.name(mname); w.name(rname); w.bytes(...u32(serial), ...u32(7200), ...u32(3600), ...u32(1209600), ...u32(3600));
  },
  srv: (prio: number, weight: number, port: number, target: string): Rdata => (w) => { w.bytes(...u16(prio), ...u16(weight), ...u16(port)); w.plainName(target); },
  caa: (flags: number, tag: string, value: string): Rdata => (w) => w.bytes(flags, tag.length, ...ascii(tag), ...ascii(value)),
  /** HTTPS (SVCB) with alpn, port and ipv4hint/ipv6hint params, keys ascending. */
  https: (prio: number, target: string, p: { alpn?: string[]; port?: number; v4?: string[]; v6?: string[] }): Rdata => (w) => {
    w.bytes(...u16(prio)); w.plainName(target);
    if (p.alpn) { const v = p.alpn.flatMap((a) => [a.length, ...ascii(a)]); w.bytes(...u16(1), ...u16(v.length), ...v); }
    if (p.port) w.bytes(...u16(3), ...u16(2), ...u16(p.port));
    if (p.v4) { const v = p.v4.flatMap(ip4); w.bytes(...u16(4), ...u16(v.length), ...v); }
    if (p.v6) { const v = p.v6.flatMap(ip6); w.bytes(...u16(6), ...u16(v.length), ...v); }
  },
  ds: (tag: number, alg: number, digestType: number, digest: number[]): Rdata => (w) => w.bytes(...u16(tag), alg, digestType, ...digest),
  rrsig: (covered: number, alg: number, labels: number, origTtl: number, expire: number, incept: number, tag: number, signer: string, sig: number[]): Rdata => (w) => {
    w.bytes(...u16(covered), alg, labels, ...u32(origTtl), ...u32(expire), ...u32(incept), ...u16(tag)); w.plainName(signer); w.bytes(...sig);
  },
  /** NSEC: next name then the type bitmap (window 0 and, for CAA, window 1). */
  nsec: (next: string, types: number[]): Rdata => (w) => {
    w.plainName(next);
    for (const win of [...new Set(types.map((t) => t >> 8))].sort((x, y) => x - y)) {
      const bits = types.filter((t) => t >> 8 === win).map((t) => t & 0xff);
      const map = new Array((Math.max(...bits) >> 3) + 1).fill(0);
      for (const t of bits) map[t >> 3] |= 0x80 >> (t & 7);
      w.bytes(win, map.length, ...map);
    }
  },
  raw: (b: number[]): Rdata => (w) => w.bytes(...b),
  none: (): Rdata => () => {},
};

/** EDNS0 OPT pseudo-record: root name, class = UDP payload size, TTL carries the DO bit. */
export const opt = (udpSize = 1232, dnssecOk = false): RR => ({ name: '', type: TYPE.OPT, cls: udpSize, ttl: dnssecOk ? 0x8000 : 0, rd: rd.none() });

/** One DNS message. `flags` is the 16-bit word after the id (QR, opcode, AA TC RD RA Z AD CD, rcode). */
export function dnsMessage(id: number, flags: number, qs: Question[], an: RR[] = [], ns: RR[] = [], ar: RR[] = []): Uint8Array {
  const w = new DnsWriter();
  w.bytes(...u16(id), ...u16(flags), ...u16(qs.length), ...u16(an.length), ...u16(ns.length), ...u16(ar.length));
  for (const q of qs) { w.name(q.name); w.bytes(...u16(q.type), ...u16(q.cls ?? 1)); }
  for (const r of [...an, ...ns, ...ar]) {
    w.name(r.name);
    w.bytes(...u16(r.type), ...u16(r.cls ?? 1), ...u32(r.ttl), 0, 0);
    const at = w.b.length;
    r.rd(w);
    const len = w.b.length - at;
    w.b[at - 2] = len >> 8; w.b[at - 1] = len & 0xff;
  }
  return Uint8Array.from(w.b);
}

/** A message as sent over TCP: 2-byte length prefix. */
export function tcpFramed(m: Uint8Array): Uint8Array {
  return Uint8Array.from([m.length >> 8, m.length & 0xff, ...m]);
}

/**
 * NetBIOS first-level encoding (RFC 1001 §14.1): name padded to 15 (spaces; NULs for the `*`
 * wildcard of a node status query), then the suffix.
 */
export function netbiosName(name: string, suffix: number, pad = 0x20): number[] {
  const raw = [...ascii(name.toUpperCase()), ...new Array(15 - name.length).fill(pad), suffix];
  return [0x20, ...raw.flatMap((c) => [0x41 + (c >> 4), 0x41 + (c & 0x0f)]), 0];
}
