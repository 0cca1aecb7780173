// A small subset of BPF filter syntax evaluated on decoded packets, for settings such as
// dontSaveBPFs where compiling with libpcap is not needed: `[src|dst] port N`, `host A`,
// `tcp`, `udp`, `icmp`, joined with `or` / `and`, optional `not`.
import { ConfigError } from '../../db/config.js';
import type { DecodedPacket } from '../decode/packet.js';
import { ipText } from '../session/session.js';

type Pred = (p: DecodedPacket) => boolean;

export function compilePortFilter(expr: string): Pred {
  const orParts = expr.split(/\s+or\s+/i);
  const ors = orParts.map((part) => {
    const ands = part.split(/\s+and\s+/i).map((t) => term(t.trim(), expr));
    return (p: DecodedPacket) => ands.every((f) => f(p));
  });
  return (p) => ors.some((f) => f(p));
}

function term(t: string, expr: string): Pred {
  const neg = /^not\s+/i.test(t);
  if (neg) t = t.replace(/^not\s+/i, '');
  let m: RegExpMatchArray | null;
  let f: Pred;
  if ((m = t.match(/^(src\s+|dst\s+)?port\s+(\d+)$/i))) {
    const port = Number(m[2]), side = (m[1] ?? '').trim().toLowerCase();
    f = (p) => (side !== 'dst' && p.srcPort === port) || (side !== 'src' && p.dstPort === port);
  } else if ((m = t.match(/^host\s+(\S+)$/i))) {
    const ip = m[1];
    f = (p) => p.ipVersion !== 0 && (ipText(p.buf.subarray(p.srcAddrOff), p.ipVersion) === ip || ipText(p.buf.subarray(p.dstAddrOff), p.ipVersion) === ip);
  } else if (/^(tcp|udp|icmp)$/i.test(t)) {
    const proto = { tcp: 6, udp: 17, icmp: 1 }[t.toLowerCase() as 'tcp' | 'udp' | 'icmp'];
    f = (p) => p.ipProtocol === proto;
  } else {
    throw new ConfigError(`unsupported filter term '${t}' in '${expr}' (supported: [src|dst] port N, host A, tcp, udp, icmp, and, or, not)`);
  }
  return neg ? (p) => !f(p) : f;
}
