// Community ID v1 (https://github.com/corelight/community-id-spec), seed 0, base64 SHA-1.
// Hashed bytes: seed(2, BE) · lower endpoint addr · higher endpoint addr · proto(1) · 0(1)
// · ports of the lower endpoint then the higher (2 + 2, BE; only for port protocols).
// ICMP/ICMPv6 use the type as the source "port" and, for request/response types, the counterpart
// type as the destination "port", else the code.
// Arkime departs from the spec in two ways, and the recorded documents follow Arkime
// (mode 'arkime', the default): every protocol hashes its ports (0/0 for ESP, AH, ...), and
// one-way ICMP types are ordered like any other flow. Mode 'spec' follows the spec: ports only for
// TCP/UDP/SCTP/ICMP/ICMPv6, one-way ICMP types keep their direction.
// Computed once per session: a reused scratch buffer and its views, a one-shot hash where Node
// has crypto.hash (20.12+; no Hash object per call).
import * as crypto from 'node:crypto';
import { parseIp, unmapV4 } from './ip-addr.js';

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMP6 = 58;
export const PROTO_SCTP = 132;

const ICMP4_PAIRS: Record<number, number> = {
  8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17,
};
const ICMP6_PAIRS: Record<number, number> = {
  128: 129, 129: 128, 130: 131, 131: 130, 133: 134, 134: 133, 135: 136, 136: 135,
  139: 140, 140: 139, 144: 145, 145: 144,
};

export type CommunityIdMode = 'arkime' | 'spec';

const scratch = Buffer.alloc(2 + 16 + 16 + 2 + 4);
/** scratch.subarray(0, n) per length n used (four lengths: IPv4/IPv6, with or without ports). */
const scratchViews: Buffer[] = [];

type OneShotHash = (algorithm: string, data: Uint8Array, outputEncoding: 'base64') => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;
function sha1Base64(data: Uint8Array): string {
  return oneShot ? oneShot('sha1', data, 'base64') : crypto.createHash('sha1').update(data).digest('base64');
}

function hasPorts(proto: number): boolean {
  return proto === PROTO_TCP || proto === PROTO_UDP || proto === PROTO_SCTP ||
    proto === PROTO_ICMP || proto === PROTO_ICMP6;
}

/** Compare `len` bytes of a[aOff..] and b[bOff..] as unsigned big-endian numbers. */
function compareBytes(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  for (let i = 0; i < len; i++) {
    const d = a[aOff + i] - b[bOff + i];
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * Community ID of a flow. `addrLen` is 4 (IPv4) or 16 (IPv6); addresses are read from
 * (src, srcOff) and (dst, dstOff). For ICMP/ICMPv6 pass the type as `sport` and code as `dport`.
 */
export function communityId(
  addrLen: 4 | 16, src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number,
  proto: number, sport: number, dport: number, mode: CommunityIdMode = 'arkime', seed = 0,
): string {
  const ports = mode === 'arkime' || hasPorts(proto);
  let oneWay = false;
  if (proto === PROTO_ICMP || proto === PROTO_ICMP6) {
    const pairs = proto === PROTO_ICMP ? ICMP4_PAIRS : ICMP6_PAIRS;
    const peer = pairs[sport];
    if (peer !== undefined) dport = peer;
    else oneWay = mode === 'spec';
  }
  const cmp = compareBytes(src, srcOff, dst, dstOff, addrLen);
  const keep = oneWay || cmp < 0 || (cmp === 0 && ports && sport < dport);
  let o = 0;
  scratch[o++] = (seed >> 8) & 0xff; scratch[o++] = seed & 0xff;
  if (keep) {
    for (let i = 0; i < addrLen; i++) scratch[o++] = src[srcOff + i];
    for (let i = 0; i < addrLen; i++) scratch[o++] = dst[dstOff + i];
  } else {
    for (let i = 0; i < addrLen; i++) scratch[o++] = dst[dstOff + i];
    for (let i = 0; i < addrLen; i++) scratch[o++] = src[srcOff + i];
  }
  scratch[o++] = proto & 0xff;
  scratch[o++] = 0;
  if (ports) {
    const p1 = keep ? sport : dport;
    const p2 = keep ? dport : sport;
    scratch[o++] = (p1 >> 8) & 0xff; scratch[o++] = p1 & 0xff;
    scratch[o++] = (p2 >> 8) & 0xff; scratch[o++] = p2 & 0xff;
  }
  return '1:' + sha1Base64(scratchViews[o] ??= scratch.subarray(0, o));
}

/** Same from address text ("10.0.0.1", "2001:db8::1"); IPv4-mapped IPv6 counts as IPv4. */
export function communityIdFromText(
  srcIp: string, dstIp: string, proto: number, sport: number, dport: number,
  mode: CommunityIdMode = 'arkime', seed = 0,
): string {
  const s0 = parseIp(srcIp), d0 = parseIp(dstIp);
  if (!s0) throw new Error(`community id: bad source address '${srcIp}'`);
  if (!d0) throw new Error(`community id: bad destination address '${dstIp}'`);
  let s = unmapV4(s0), d = unmapV4(d0);
  if (s.length !== d.length) { // mixed families: compare both as IPv6
    s = s0.length === 16 ? s0 : mapV4(s0);
    d = d0.length === 16 ? d0 : mapV4(d0);
  }
  return communityId(s.length as 4 | 16, s, 0, d, 0, proto, sport, dport, mode, seed);
}

function mapV4(v4: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out[10] = 0xff; out[11] = 0xff; out.set(v4, 12);
  return out;
}
