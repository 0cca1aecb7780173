// DNS over UDP (53) and TCP (53, length-prefixed), LLMNR (5355) and mDNS (5353), as Arkime's
// dns.c. Each distinct question (id, opcode, class, type, name) of a session becomes one
// object of the `dns` array; its response adds status, header flags and answers (every record
// of the answer, authority and additional sections). Storage is the object array, so the
// fields below only describe it for the query language (`object: 'dns'`).
import { defineField, type FieldSpec } from '../../db/fields/registry.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { hostnameToUnicode, readName } from './dns-name.js';
import {
  FLAG_NAMES, OPCODES, QCLASSES, QTYPES, T_A, T_AAAA, T_CAA, T_CNAME, T_DS, T_HTTPS, T_MX, T_NS, T_NSEC,
  T_OPT, T_RRSIG, T_TXT, cString, ip4, ip6, nsecTypes, rcodeName, readHeader, svcbText,
} from './dns-record.js';

const d = (s: Omit<FieldSpec, 'group' | 'object'>) => defineField({ group: 'dns', object: 'dns', ...s });

export const dnsFields = {
  ip: d({ exp: 'ip.dns', db: 'dns.ip', kind: 'ip', friendly: 'DNS IP', help: 'IP from DNS result', cnt: true, ipPre: true, aliases: ['dns.ip'], category: 'ip' }),
  nameserverIp: d({ exp: 'ip.dns.nameserver', db: 'dns.nameserverIp', kind: 'ip', friendly: 'DNS NS IP', help: 'IPs for nameservers', cnt: true, ipPre: true, category: 'ip' }),
  mailserverIp: d({ exp: 'ip.dns.mailserver', db: 'dns.mailserverIp', kind: 'ip', friendly: 'DNS MX IP', help: 'IPs for mailservers', cnt: true, ipPre: true, category: 'ip' }),
  ipAll: defineField({ group: 'dns', exp: 'ip.dns.all', db: 'dnsipall', kind: 'ip', friendly: 'DNS All IP', help: 'Shorthand for ip.dns or ip.dns.nameserver', viewerOnly: true, regex: '^ip\\.dns(?:(?!\\.(cnt|all)$).)*$' }),
  host: d({ exp: 'host.dns', db: 'dns.host', kind: 'lotermfield', friendly: 'DNS Host', help: 'DNS lookup hostname', cnt: true, aliases: ['dns.host'], category: 'host' }),
  hostTokens: d({ exp: 'host.dns.tokens', db: 'dns.hostTokens', kind: 'lotextfield', friendly: 'Hostname Tokens', help: 'DNS lookup hostname tokens', aliases: ['dns.host.tokens'] }),
  nameserverHost: d({ exp: 'host.dns.nameserver', db: 'dns.nameserverHost', kind: 'lotermfield', friendly: 'DNS NS Host', help: 'Hostnames for Name Server', cnt: true, category: 'host' }),
  mailserverHost: d({ exp: 'host.dns.mailserver', db: 'dns.mailserverHost', kind: 'lotermfield', friendly: 'DNS MX Host', help: 'Hostnames for Mail Exchange Server', cnt: true, category: 'host' }),
  hostAll: defineField({ group: 'dns', exp: 'host.dns.all', db: 'dnshostall', kind: 'lotermfield', friendly: 'DNS All Host', help: 'Shorthand for host.dns or host.dns.nameserver', viewerOnly: true, regex: '^host\\.dns(?:(?!\\.(cnt|all|tokens)$).)*$' }),
  puny: d({ exp: 'dns.puny', db: 'dns.puny', kind: 'lotermfield', friendly: 'DNS Puny', help: 'DNS lookup punycode', cnt: true }),
  status: d({ exp: 'dns.status', db: 'dns.status', kind: 'uptermfield', friendly: 'DNS Status Code', help: 'DNS lookup return code', cnt: true }),
  opcode: d({ exp: 'dns.opcode', db: 'dns.opcode', kind: 'uptermfield', friendly: 'DNS Op Code', help: 'DNS lookup op code', cnt: true }),
  queryType: d({ exp: 'dns.query.type', db: 'dns.qt', kind: 'uptermfield', friendly: 'DNS Query Type', help: 'DNS lookup query type', cnt: true }),
  queryClass: d({ exp: 'dns.query.class', db: 'dns.qc', kind: 'uptermfield', friendly: 'DNS Query Class', help: 'DNS lookup query class', cnt: true }),
  queryHost: d({ exp: 'dns.query.host', db: 'dns.queryHost', kind: 'lotermfield', friendly: 'DNS Query Host', help: 'DNS Query Name', cnt: true, category: 'host' }),
  answerCnt: d({ exp: 'dns.answer.cnt', db: 'dns.answersCnt', kind: 'integer', friendly: 'DNS Answers Cnt', help: 'Count of DNS Answers' }),
  answerType: d({ exp: 'dns.answer.type', db: 'dns.answers.type', kind: 'uptermfield', friendly: 'DNS Answer Type', help: 'DNS Answer Type' }),
  answerClass: d({ exp: 'dns.answer.class', db: 'dns.answers.class', kind: 'uptermfield', friendly: 'DNS Answer Class', help: 'DNS Answer Class' }),
  answerTtl: d({ exp: 'dns.answer.ttl', db: 'dns.answers.ttl', kind: 'integer', friendly: 'DNS Answer TTL', help: 'DNS Answer TTL' }),
  answerIp: d({ exp: 'dns.answer.ip', db: 'dns.answers.ip', kind: 'ip', friendly: 'DNS Answer IP', help: 'DNS Answer IP' }),
  answerCname: d({ exp: 'dns.answer.cname', db: 'dns.answers.cname', kind: 'termfield', friendly: 'DNS Answer CNAME', help: 'DNS Answer CNAME' }),
  answerNs: d({ exp: 'dns.answer.ns', db: 'dns.answers.nameserver', kind: 'termfield', friendly: 'DNS Answer NS', help: 'DNS Answer NS' }),
  answerMx: d({ exp: 'dns.answer.mx', db: 'dns.answers.mx', kind: 'termfield', friendly: 'DNS Answer MX', help: 'DNS Answer MX' }),
  answerPriority: d({ exp: 'dns.answer.priority', db: 'dns.answers.priority', kind: 'integer', friendly: 'DNS Answer Priority', help: 'DNS Answer Priority' }),
  answerHttps: d({ exp: 'dns.answer.https', db: 'dns.answers.https', kind: 'termfield', friendly: 'DNS Answer HTTPS', help: 'DNS Answer HTTPS' }),
  answerTxt: d({ exp: 'dns.answer.txt', db: 'dns.answers.txt', kind: 'termfield', friendly: 'DNS Answer TXT', help: 'DNS Answer TXT' }),
  answerCaa: d({ exp: 'dns.answer.caa', db: 'dns.answers.caa', kind: 'termfield', friendly: 'DNS Answer CAA', help: 'DNS Answer CAA' }),
  answerRrsig: d({ exp: 'dns.answer.rrsig', db: 'dns.answers.rrsig', kind: 'termfield', friendly: 'DNS Answer RRSIG', help: 'DNS Answer RRSIG' }),
  answerNsec: d({ exp: 'dns.answer.nsec', db: 'dns.answers.nsec', kind: 'termfield', friendly: 'DNS Answer NSEC', help: 'DNS Answer NSEC' }),
  answerDs: d({ exp: 'dns.answer.ds', db: 'dns.answers.ds', kind: 'termfield', friendly: 'DNS Answer DS', help: 'DNS Answer DS' }),
  headerFlags: d({ exp: 'dns.header_flags', db: 'dns.headerFlags', kind: 'uptermfield', friendly: 'DNS Header Flags', help: 'DNS Header Flags', cnt: true }),
  answerName: d({ exp: 'dns.answer.name', db: 'dns.answers.name', kind: 'termfield', friendly: 'DNS Name', help: 'DNS Answer Name' }),
};

const ROOT = '<root>';
const KIND_DNS = 0, KIND_LLMNR = 1, KIND_MDNS = 2;
const KIND_NAMES = ['dns', 'llmnr', 'mdns'];

/** One answer as it goes into `answers[]` (key order as Arkime writes it). */
type Answer = Record<string, string | number | string[]>;

/** One question and what its responses said. */
interface DnsEntry {
  opcode: string;
  queryHost: string;
  qc: string;
  qt: string;
  hosts: Set<string>;
  // Made on first use: a DNS session is usually one question and one answer, and a worker
  // holds many of them until udpTimeout.
  nsHosts?: Set<string>;
  mxHosts?: Set<string>;
  puny?: Set<string>;
  ips?: Set<string>;
  nsIps?: Set<string>;
  mxIps?: Set<string>;
  flags: number;
  status?: string;
  answers: Answer[];
}

export interface DnsState {
  kind: number;
  entries: Map<string, DnsEntry>;
  recordAll: boolean;
  outputAnswers: boolean;
}

function newState(s: SessionApi, kind: number): DnsState {
  return {
    kind,
    entries: new Map(),
    recordAll: s.config.bool('parseDNSRecordAll', false),
    outputAnswers: s.config.bool('dnsOutputAnswers', true),
  };
}

type HostList = 'hosts' | 'nsHosts' | 'mxHosts';

/** Add a host found in rdata to the entry's `list` in unicode form; false (and a tag) when it is bad. */
function addHost(s: SessionApi, e: DnsEntry, list: HostList | undefined, raw: string): string | undefined {
  const host = hostnameToUnicode(raw);
  if (host === undefined) {
    s.addTag(raw.length > 4 && raw.includes('xn--') ? 'bad-punycode' : 'bad-hostname');
    return undefined;
  }
  if (list) (e[list] ??= new Set()).add(host);
  if (raw.includes('xn--')) (e.puny ??= new Set()).add(raw.toLowerCase());
  return host;
}

/** Parse one DNS message `buf[off, off+len)` into the session's entries. */
export function parseDnsMessage(st: DnsState, s: SessionApi, buf: Uint8Array, off: number, len: number): void {
  if (len < 17) return;
  const h = readHeader(buf, off);
  if (h.opcode > 5) return;
  s.addProtocol(KIND_NAMES[st.kind]);
  const mdns = st.kind === KIND_MDNS;
  if (h.qdCount !== 1 && !mdns) { s.addTag('dns:qdcount-not-1'); return; }

  const end = off + len;
  let p = off + 12;
  let hostname: string;
  let rawName = '';
  let qtype = 0, qclass = 0;
  if (h.qdCount === 0) {
    hostname = ROOT;
  } else {
    const n = readName(buf, off, len, p, end);
    if (n.pointerLoop) s.addTag('dns:bad-pointer-loop');
    if (n.overrun || n.name === undefined) return;
    p = n.next;
    rawName = n.name;
    if (!rawName.length) {
      hostname = ROOT;
    } else {
      const u = hostnameToUnicode(rawName);
      if (u === undefined) {
        s.addTag(rawName.length > 4 && rawName.includes('xn--') ? 'bad-punycode' : 'bad-hostname');
        return;
      }
      hostname = u;
    }
    if (end - p >= 2) { qtype = (buf[p] << 8) | buf[p + 1]; }
    if (end - p >= 4) { qclass = (buf[p + 2] << 8) | buf[p + 3]; }
    p += 4;
    if (mdns) qclass &= 0x7fff;
  }

  const key = `${h.id}|${h.opcode}|${qclass}|${qtype}|${hostname}`;
  let e = st.entries.get(key);
  if (!e) {
    e = {
      opcode: OPCODES[h.opcode], queryHost: hostname,
      qc: QCLASSES[qclass] ?? '(null)', qt: QTYPES[qtype] ?? '(null)',
      hosts: new Set(),
      flags: 0, answers: [],
    };
    if (hostname !== ROOT) {
      e.hosts.add(hostname);
      if (rawName.includes('xn--')) (e.puny ??= new Set()).add(rawName.toLowerCase());
    }
    st.entries.set(key, e);
  }
  if (h.qr === 0) return;

  if (mdns && h.qdCount > 1) { // aggregated mDNS questions: skip the others
    for (let q = 1; q < h.qdCount; q++) {
      const n = readName(buf, off, len, p, end);
      if (n.overrun || p > end) return;
      p = n.next + 4;
    }
    if (p > end) return;
  }

  let rcode = h.rcode;

  let bad = p > end; // the question's type/class ran off the end: Arkime's reader is in error
  for (let section = 0; section < 3 && !bad; section++) {
    for (let i = 0; i < h.counts[section] && !bad; i++) {
      const n = readName(buf, off, len, p, end);
      if (n.pointerLoop) s.addTag('dns:bad-pointer-loop');
      if (n.overrun || n.name === undefined) { bad = true; break; }
      p = n.next;
      const name = n.name.length ? (hostnameToUnicode(n.name) ?? n.name) : ROOT;
      if (n.name.includes('xn--')) (e.puny ??= new Set()).add(n.name.toLowerCase());
      if (end - p < 10) { bad = true; break; }
      const antype = (buf[p] << 8) | buf[p + 1];
      let anclass = (buf[p + 2] << 8) | buf[p + 3];
      if (mdns) anclass &= 0x7fff;
      const ttl = ((buf[p + 4] << 24) >>> 0) + ((buf[p + 5] << 16) | (buf[p + 6] << 8) | buf[p + 7]);
      const rdlen = (buf[p + 8] << 8) | buf[p + 9];
      p += 10;
      if (end - p < rdlen) { bad = true; break; }
      const rd = p, rdEnd = p + rdlen;
      p = rdEnd;
      if (antype === T_OPT) { rcode |= (ttl >>> 24) << 4; continue; } // EDNS extended RCODE
      if (anclass !== 1) continue;

      const a: Answer = {};
      let ok = true;
      switch (antype) {
        case T_A: {
          if (rdlen !== 4) { ok = false; break; }
          const ip = ip4(buf, rd);
          a.ip = ip;
          if (e.queryHost === name || e.hosts.has(name)) (e.ips ??= new Set()).add(ip);
          if (st.recordAll) {
            if (e.nsHosts?.has(name)) (e.nsIps ??= new Set()).add(ip);
            if (e.mxHosts?.has(name)) (e.mxIps ??= new Set()).add(ip);
          }
          break;
        }
        case T_AAAA: {
          if (rdlen !== 16) { ok = false; break; }
          const ip = ip6(buf, rd);
          a.ip = ip;
          if (e.queryHost === name || e.hosts.has(name)) (e.ips ??= new Set()).add(ip);
          if (e.nsHosts?.has(name)) (e.nsIps ??= new Set()).add(ip);
          if (e.mxHosts?.has(name)) (e.mxIps ??= new Set()).add(ip);
          break;
        }
        case T_NS: case T_CNAME: {
          const r = readName(buf, off, len, rd, rdEnd);
          if (r.pointerLoop) s.addTag('dns:bad-pointer-loop');
          if (r.overrun || !r.name) { ok = false; break; }
          let host: string | undefined;
          if (antype === T_CNAME) host = addHost(s, e, 'hosts', r.name);
          else if (st.recordAll) host = addHost(s, e, 'nsHosts', r.name);
          else host = hostnameToUnicode(r.name);
          if (host === undefined) { ok = false; break; }
          if (antype === T_CNAME) a.cname = host; else a.nameserver = host;
          break;
        }
        case T_MX: {
          if (rdlen < 2) { ok = false; break; }
          const pref = (buf[rd] << 8) | buf[rd + 1];
          const r = readName(buf, off, len, rd + 2, rdEnd);
          if (r.pointerLoop) s.addTag('dns:bad-pointer-loop');
          if (r.overrun || !r.name) { ok = false; break; }
          const host = addHost(s, e, st.recordAll ? 'mxHosts' : 'hosts', r.name);
          if (host === undefined) { ok = false; break; }
          a.priority = pref;
          a.mx = host;
          break;
        }
        case T_TXT: {
          const txts: string[] = [];
          let q = rd;
          while (q < rdEnd) {
            const l = buf[q++];
            if (l > rdEnd - q) { ok = false; break; }
            if (l) txts.push(cString(buf, q, l));
            q += l;
          }
          if (ok && txts.length) a.txt = txts;
          break;
        }
        case T_CAA: {
          if (rdlen <= 3) { ok = false; break; }
          const flags = buf[rd], tagLen = buf[rd + 1];
          const valueLen = rdlen - tagLen - 2;
          if (valueLen < 0) { ok = false; break; }
          a.caa = `CAA ${flags} ${cString(buf, rd + 2, tagLen)} ${cString(buf, rd + 2 + tagLen, valueLen)}`;
          break;
        }
        case T_HTTPS: {
          const t = svcbText(buf, rd, rdlen);
          if (t === undefined) { ok = false; break; }
          a.https = t;
          break;
        }
        case T_RRSIG: {
          if (rdlen < 18) { ok = false; break; }
          const u32 = (q: number) => ((buf[q] << 24) >>> 0) + ((buf[q + 1] << 16) | (buf[q + 2] << 8) | buf[q + 3]);
          const covered = (buf[rd] << 8) | buf[rd + 1];
          const r = readName(buf, off, len, rd + 18, rdEnd);
          if (r.overrun || !r.name) { ok = false; break; }
          const signer = hostnameToUnicode(r.name) ?? r.name;
          a.rrsig = `RRSIG ${QTYPES[covered] ?? 'UNKNOWN'} ${buf[rd + 2]} ${buf[rd + 3]} ${u32(rd + 4)} ${u32(rd + 8)} ${u32(rd + 12)} ${(buf[rd + 16] << 8) | buf[rd + 17]} ${signer}`;
          break;
        }
        case T_NSEC: {
          const r = readName(buf, off, len, rd, rdEnd);
          if (r.overrun || !r.name) { ok = false; break; }
          const next = hostnameToUnicode(r.name) ?? r.name;
          a.nsec = `NSEC ${next} ${nsecTypes(buf, r.next, rdEnd)}`;
          break;
        }
        case T_DS: {
          if (rdlen < 5) { ok = false; break; }
          let hex = '';
          for (let q = rd + 4; q < rdEnd; q++) hex += buf[q].toString(16).padStart(2, '0');
          a.ds = `DS ${(buf[rd] << 8) | buf[rd + 1]} ${buf[rd + 2]} ${buf[rd + 3]} ${hex.toUpperCase()}`;
          break;
        }
      }
      if (!ok) continue;
      a.class = 'IN';
      const tname = QTYPES[antype];
      if (tname) a.type = tname;
      a.ttl = ttl;
      a.name = name;
      e.answers.push(a);
    }
  }
  e.status = rcodeName(rcode);
  e.flags = h.flags;
}

/** The `dns` object Arkime writes for one entry. IP companions (GEO/ASN/RIR) are the core's. */
function entryObject(e: DnsEntry, outputAnswers: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = { opcode: e.opcode, queryHost: e.queryHost, qc: e.qc, qt: e.qt };
  const list = (k: string, v: Set<string> | undefined) => {
    if (v && v.size) { o[`${k}Cnt`] = v.size; o[k] = [...v]; }
  };
  list('host', e.hosts);
  list('nameserverHost', e.nsHosts);
  list('mailserverHost', e.mxHosts);
  list('puny', e.puny);
  list('ip', e.ips);
  list('nameserverIp', e.nsIps);
  list('mailserverIp', e.mxIps);
  if (e.flags) {
    const f: string[] = [];
    for (let i = 0; i < FLAG_NAMES.length; i++) if (e.flags & (1 << (6 - i))) f.push(FLAG_NAMES[i]);
    o.headerFlags = f;
  }
  if (e.status !== undefined) {
    o.status = e.status;
    if (outputAnswers) {
      o.answersCnt = e.answers.length;
      if (e.answers.length) o.answers = e.answers;
    }
  }
  return o;
}

function saveEntries(st: DnsState, s: SessionApi): void {
  for (const e of st.entries.values()) s.addObject('dns', entryObject(e, st.outputAnswers));
  st.entries.clear(); // dns objects do not carry over into the next segment
}

function udpParser(name: string, port: number, kind: number): ProtocolParser<DnsState> {
  return {
    name,
    udpPorts: [port],
    classify(s) { return newState(s, kind); },
    parse(st, s, _dir: Dir, buf, off, len) {
      // LLMNR/mDNS step aside when the other end is a real DNS port (the dns parser has it).
      if (st.kind === KIND_DNS || (s.srcPort !== 53 && s.dstPort !== 53)) parseDnsMessage(st, s, buf, off, len);
      return len;
    },
    save(st, s) { saveEntries(st, s); },
  };
}

export const dnsUdp = udpParser('dns', 53, KIND_DNS);
export const llmnr = udpParser('llmnr', 5355, KIND_LLMNR);
export const mdns = udpParser('mdns', 5353, KIND_MDNS);

/** DNS over TCP: 2-byte length prefix per message, to server port 53 only. */
export const dnsTcp: ProtocolParser<DnsState> = {
  name: 'dns',
  tcpPorts: [53],
  classify(s) {
    if (s.dstPort !== 53 || s.hasProtocol('dns')) return undefined;
    s.addProtocol('dns');
    return newState(s, KIND_DNS);
  },
  parse(st, s, _dir, buf, off, len) {
    let p = off;
    const end = off + len;
    while (end - p >= 2) {
      const mlen = (buf[p] << 8) | buf[p + 1];
      if (mlen < 17) return PARSE_DONE; // shorter than a header plus the smallest question
      if (end - p < mlen + 2) {
        if (mlen + 2 > 65536) { s.addTag('dns:tcp-message-too-long'); return PARSE_DONE; }
        break;
      }
      parseDnsMessage(st, s, buf, p + 2, mlen);
      p += mlen + 2;
    }
    return p - off;
  },
  save(st, s) { saveEntries(st, s); },
};
