// DNS wire grammar: header, question and resource records into typed values. Knows nothing
// of sessions or fields (the mapping lives in dns.ts).
import { hostnameToUnicode, readName } from './dns-name.js';

export const QCLASSES: Record<number, string> = { 1: 'IN', 2: 'CS', 3: 'CH', 4: 'HS', 255: 'ANY' };

export const QTYPES: Record<number, string> = {
  1: 'A', 2: 'NS', 3: 'MD', 4: 'MF', 5: 'CNAME', 6: 'SOA', 7: 'MB', 8: 'MG', 9: 'MR', 10: 'NULL',
  11: 'WKS', 12: 'PTR', 13: 'HINFO', 14: 'MINFO', 15: 'MX', 16: 'TXT', 17: 'RP', 18: 'AFSDB',
  19: 'X25', 20: 'ISDN', 21: 'RT', 22: 'NSAP', 23: 'NSAPPTR', 24: 'SIG', 25: 'KEY', 26: 'PX',
  27: 'GPOS', 28: 'AAAA', 29: 'LOC', 30: 'NXT', 31: 'EID', 32: 'NIMLOC', 33: 'SRV', 34: 'ATMA',
  35: 'NAPTR', 36: 'KX', 37: 'CERT', 38: 'A6', 39: 'DNAME', 40: 'SINK', 41: 'OPT', 42: 'APL',
  43: 'DS', 44: 'SSHFP', 46: 'RRSIG', 47: 'NSEC', 48: 'DNSKEY', 49: 'DHCID', 50: 'NSEC3',
  51: 'NSEC3PARAM', 52: 'TLSA', 55: 'HIP', 65: 'HTTPS', 99: 'SPF', 108: 'EUI48', 109: 'EUI64',
  249: 'TKEY', 250: 'TSIG', 251: 'IXFR', 252: 'AXFR', 253: 'MAILB', 254: 'MAILA', 255: 'ANY',
  256: 'URI', 257: 'CAA',
};

export const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMPL', 'REFUSED', 'YXDOMAIN',
  'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'DSOTYPENI', '12', '13', '14', '15', 'BADSIG_VERS',
  'BADKEY', 'BADTIME', 'BADMODE', 'BADNAME', 'BADALG', 'BADTRUNC', 'BADCOOKIE'];

export const OPCODES = ['QUERY', 'IQUERY', 'STATUS', '3', 'NOTIFY', 'UPDATE', 'DSO Message', '7', '8',
  '9', '10', '11', '12', '13', '14', '15'];

/** Header flag names, most significant first: AA TC RD RA Z AD CD. */
export const FLAG_NAMES = ['AA', 'TC', 'RD', 'RA', 'Z', 'AD', 'CD'];

export const T_A = 1, T_NS = 2, T_CNAME = 5, T_MX = 15, T_TXT = 16, T_AAAA = 28, T_OPT = 41,
  T_DS = 43, T_RRSIG = 46, T_NSEC = 47, T_HTTPS = 65, T_CAA = 257;

export function rcodeName(rc: number): string {
  return rc < RCODES.length ? RCODES[rc] : String(rc);
}

/** Dotted IPv4 from 4 bytes. */
export function ip4(buf: Uint8Array, p: number): string {
  return `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`;
}

/** IPv6 text in RFC 5952 form (v4-mapped addresses print as dotted IPv4, as Arkime does). */
export function ip6(buf: Uint8Array, p: number): string {
  let mapped = true;
  for (let i = 0; i < 10; i++) if (buf[p + i] !== 0) { mapped = false; break; }
  if (mapped && buf[p + 10] === 0xff && buf[p + 11] === 0xff) return ip4(buf, p + 12);
  const w: number[] = [];
  for (let i = 0; i < 8; i++) w.push((buf[p + 2 * i] << 8) | buf[p + 2 * i + 1]);
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return w.map((x) => x.toString(16)).join(':');
  const head = w.slice(0, bestStart).map((x) => x.toString(16)).join(':');
  const tail = w.slice(bestStart + bestLen).map((x) => x.toString(16)).join(':');
  return `${head}::${tail}`;
}

/** The bits of one message the mapping needs; `names` holds escaped (pre-unicode) names. */
export interface DnsHeader {
  id: number;
  qr: number;
  opcode: number;
  rcode: number;
  /** AA TC RD RA Z AD CD as a 7-bit value, AA highest. */
  flags: number;
  qdCount: number;
  counts: [number, number, number];
}

export function readHeader(buf: Uint8Array, off: number): DnsHeader {
  return {
    id: (buf[off] << 8) | buf[off + 1],
    qr: buf[off + 2] >> 7,
    opcode: (buf[off + 2] >> 3) & 0xf,
    rcode: buf[off + 3] & 0xf,
    flags: ((buf[off + 2] & 0x07) << 4) | (buf[off + 3] >> 4),
    qdCount: (buf[off + 4] << 8) | buf[off + 5],
    counts: [(buf[off + 6] << 8) | buf[off + 7], (buf[off + 8] << 8) | buf[off + 9], (buf[off + 10] << 8) | buf[off + 11]],
  };
}

/** Text of the SVCB/HTTPS rdata: `HTTPS <prio> <target> key=v,v key=v`. Undefined when short. */
export function svcbText(buf: Uint8Array, p: number, len: number): string | undefined {
  if (len < 10) return undefined;
  const end = p + len;
  const prio = (buf[p] << 8) | buf[p + 1];
  // Arkime resolves pointers in the target against the rdata itself.
  const n = readName(buf, p, len, p + 2, end);
  if (n.overrun || n.name === undefined) return undefined;
  let target: string | undefined = '.';
  if (n.name.length) target = hostnameToUnicode(n.name);
  if (target === undefined) return undefined;
  let q = n.next;
  const params: string[] = [];
  while (end - q >= 4) {
    const key = (buf[q] << 8) | buf[q + 1];
    const plen = (buf[q + 2] << 8) | buf[q + 3];
    q += 4;
    if (plen > end - q) break;
    const vs: string[] = [];
    let a = q;
    const pe = q + plen;
    switch (key) {
      case 1: // alpn
        while (pe - a > 1) {
          const l = buf[a++];
          if (l > pe - a) break;
          vs.push(Buffer.from(buf.buffer, buf.byteOffset + a, l).toString('latin1'));
          a += l;
        }
        params.push('alpn=' + vs.join(','));
        break;
      case 3: // port
        if (plen === 2) params.push(`port=${(buf[q] << 8) | buf[q + 1]}`);
        break;
      case 4: // ipv4hint
        for (; pe - a > 3; a += 4) vs.push(ip4(buf, a));
        params.push('ipv4hint=' + vs.join(','));
        break;
      case 6: // ipv6hint
        for (; pe - a > 15; a += 16) vs.push(ip6(buf, a));
        params.push('ipv6hint=' + vs.join(','));
        break;
    }
    q = pe;
  }
  return `HTTPS ${prio} ${target}` + (params.length ? ' ' + params.join(' ') : '');
}

/** Type list of an NSEC bitmap, space separated (`TYPE<n>` for unnamed types). */
export function nsecTypes(buf: Uint8Array, p: number, end: number): string {
  const types: string[] = [];
  while (end - p >= 2) {
    const win = buf[p], blen = buf[p + 1];
    p += 2;
    if (blen > end - p || blen > 32) break;
    for (let b = 0; b < blen; b++) {
      const byte = buf[p + b];
      for (let bit = 0; bit < 8; bit++) {
        if (byte & (0x80 >> bit)) {
          const t = win * 256 + b * 8 + bit;
          types.push(QTYPES[t] ?? `TYPE${t}`);
        }
      }
    }
    p += blen;
  }
  return types.join(' ');
}

/** Bytes up to the first NUL (C strings), decoded as UTF-8. */
export function cString(buf: Uint8Array, p: number, len: number): string {
  let e = p;
  const end = p + len;
  while (e < end && buf[e] !== 0) e++;
  return Buffer.from(buf.buffer, buf.byteOffset + p, e - p).toString('utf8');
}
