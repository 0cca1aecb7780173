// Classifier tables built once from the parser declarations: port → parsers, first byte →
// prefix matchers, and the few that want to see every first payload.
import type { PrefixMatch, ProtocolParser } from './api.js';

interface PrefixEntry { parser: ProtocolParser<any>; offset: number; bytes: Uint8Array }

function toBytes(m: PrefixMatch): Uint8Array {
  return typeof m.bytes === 'string' ? Uint8Array.from(m.bytes, (c) => c.charCodeAt(0) & 0xff) : Uint8Array.from(m.bytes);
}

class Transport {
  readonly ports = new Map<number, ProtocolParser<any>[]>();
  /** Prefixes at offset 0 indexed by their first byte; others scanned linearly. */
  readonly byFirst: (PrefixEntry[] | undefined)[] = new Array(256);
  readonly other: PrefixEntry[] = [];
  readonly always: ProtocolParser<any>[] = [];

  addPort(port: number, p: ProtocolParser<any>): void {
    let a = this.ports.get(port);
    if (!a) { a = []; this.ports.set(port, a); }
    if (!a.includes(p)) a.push(p);
  }

  addPrefix(m: PrefixMatch, p: ProtocolParser<any>): void {
    const e: PrefixEntry = { parser: p, offset: m.offset ?? 0, bytes: toBytes(m) };
    if (e.offset === 0 && e.bytes.length > 0) (this.byFirst[e.bytes[0]] ??= []).push(e);
    else this.other.push(e);
  }

  /** Every parser whose registration matches, in Arkime's order: src port, dst port, prefixes. */
  candidates(srcPort: number, dstPort: number, buf: Uint8Array, off: number, len: number, out: ProtocolParser<any>[]): void {
    out.length = 0;
    const a = this.ports.get(srcPort);
    if (a) for (const p of a) out.push(p);
    const b = this.ports.get(dstPort);
    if (b) for (const p of b) if (!out.includes(p)) out.push(p);
    for (const e of this.other) if (matches(e, buf, off, len) && !out.includes(e.parser)) out.push(e.parser);
    if (len > 0) {
      const f = this.byFirst[buf[off]];
      if (f) for (const e of f) if (matches(e, buf, off, len) && !out.includes(e.parser)) out.push(e.parser);
    }
    for (const p of this.always) if (!out.includes(p)) out.push(p);
  }
}

function matches(e: PrefixEntry, buf: Uint8Array, off: number, len: number): boolean {
  if (e.offset + e.bytes.length > len) return false;
  const s = off + e.offset;
  for (let i = 0; i < e.bytes.length; i++) if (buf[s + i] !== e.bytes[i]) return false;
  return true;
}

export class Classifiers {
  readonly tcp = new Transport();
  readonly udp = new Transport();
  readonly sctp = new Transport();

  constructor(parsers: readonly ProtocolParser<any>[], disabled: ReadonlySet<string> = new Set()) {
    for (const p of parsers) {
      if (disabled.has(p.name)) continue;
      for (const port of p.tcpPorts ?? []) this.tcp.addPort(port, p);
      for (const port of p.udpPorts ?? []) this.udp.addPort(port, p);
      for (const port of p.sctpPorts ?? []) this.sctp.addPort(port, p);
      for (const m of p.tcpPrefixes ?? []) { this.tcp.addPrefix(m, p); this.sctp.addPrefix(m, p); } // Arkime: SCTP messages match the TCP signatures
      for (const m of p.udpPrefixes ?? []) this.udp.addPrefix(m, p);
      if (p.classifyAlways === 'tcp' || p.classifyAlways === 'both') this.tcp.always.push(p);
      if (p.classifyAlways === 'udp' || p.classifyAlways === 'both') this.udp.always.push(p);
    }
  }

  forProtocol(ipProtocol: number): Transport | undefined {
    return ipProtocol === 6 ? this.tcp : ipProtocol === 17 ? this.udp : ipProtocol === 132 ? this.sctp : undefined;
  }
}
