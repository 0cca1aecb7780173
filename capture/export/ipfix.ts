// IPFIX (RFC 7011) encoding of session records: GIMS's flow export. Pure: records in, message
// bytes out; the exporter (ipfix-exporter.ts) sends them. Two templates, IPv4 (256) and IPv6 (257),
// of IANA elements plus two enterprise-specific strings under `pen` (ipfixEnterpriseNumber,
// default 32473, RFC 5612's documentation number):
//   sourceIPv4Address(8)/sourceIPv6Address(27), destinationIPv4Address(12)/destinationIPv6Address(28),
//   sourceTransportPort(7), destinationTransportPort(11), protocolIdentifier(4),
//   octetDeltaCount(1), packetDeltaCount(2) (both directions together: Arkime's network.bytes
//   and network.packets), flowStartMilliseconds(152), flowEndMilliseconds(153),
//   PEN/1 communityId (string), PEN/2 applicationProtocol (string: the session's protocols, comma-separated).
import { core } from '../../db/fields/core.js';
import { parseIp } from '../enrich/ip-addr.js';

/** One session as the exporter needs it: built from a session document in the packet worker. */
export interface FlowRecord {
  src: string; dst: string; sport: number; dport: number; proto: number;
  bytes: number; packets: number; startMs: number; endMs: number;
  communityId: string; app: string;
}

export const TEMPLATE_V4 = 256;
export const TEMPLATE_V6 = 257;
export const IPFIX_VERSION = 10;
export const PACKRAT_IE_COMMUNITY_ID = 1;
export const PACKRAT_IE_APP_PROTOCOL = 2;
const HEADER = 16;
const VARLEN = 65535;

/** [element id, length] of the fixed part of a template; addresses first (4 or 16 bytes). */
function templateFields(v6: boolean): [number, number][] {
  return [
    [v6 ? 27 : 8, v6 ? 16 : 4], [v6 ? 28 : 12, v6 ? 16 : 4],
    [7, 2], [11, 2], [4, 1], [1, 8], [2, 8], [152, 8], [153, 8],
  ];
}

const path = (db: string) => db.split('.');
const P = {
  srcIp: path(core.srcIp.db), dstIp: path(core.dstIp.db), srcPort: path(core.srcPort.db), dstPort: path(core.dstPort.db),
  proto: path(core.ipProtocol.db), bytes: path(core.bytes.db), packets: path(core.packets.db),
  first: path(core.firstPacket.db), last: path(core.lastPacket.db), cid: path(core.communityId.db), protocols: path(core.protocols.db),
};
function at(doc: Record<string, unknown>, p: string[]): unknown {
  let v: unknown = doc;
  for (let i = 0; i < p.length && v !== undefined && v !== null; i++) v = (v as Record<string, unknown>)[p[i]];
  return v;
}

/** The record of a session document; undefined for a session without IP addresses (not a flow). */
export function flowRecordOf(doc: Record<string, unknown>): FlowRecord | undefined {
  const src = at(doc, P.srcIp), dst = at(doc, P.dstIp);
  if (typeof src !== 'string' || typeof dst !== 'string' || src.includes(':') !== dst.includes(':')) return undefined;
  const protocols = at(doc, P.protocols);
  return {
    src, dst, sport: Number(at(doc, P.srcPort) ?? 0), dport: Number(at(doc, P.dstPort) ?? 0), proto: Number(at(doc, P.proto) ?? 0),
    bytes: Number(at(doc, P.bytes) ?? 0), packets: Number(at(doc, P.packets) ?? 0),
    startMs: Number(at(doc, P.first) ?? 0), endMs: Number(at(doc, P.last) ?? 0),
    communityId: String(at(doc, P.cid) ?? ''), app: Array.isArray(protocols) ? protocols.join(',') : '',
  };
}

export interface IpfixOptions {
  observationDomain: number;
  /** Private enterprise number of the communityId and applicationProtocol elements. */
  pen: number;
  /** Largest message in bytes (UDP: keep under the path MTU). */
  maxMessage: number;
}

/**
 * Packs records into IPFIX messages. `sequence` follows RFC 7011 §3.1: the number of data
 * records sent in this observation domain before the message, modulo 2^32.
 */
export class IpfixEncoder {
  sequence = 0;
  private readonly buf: Uint8Array;
  private readonly view: DataView;

  constructor(readonly o: IpfixOptions) {
    if (o.maxMessage < 512 || o.maxMessage > 65535) throw new RangeError('IPFIX message size must be 512..65535');
    this.buf = new Uint8Array(o.maxMessage);
    this.view = new DataView(this.buf.buffer);
  }

  /** The template set (both templates) as it goes after a message header. */
  templateSet(): Uint8Array {
    const out: number[] = [];
    const u16 = (v: number) => out.push(v >> 8, v & 0xff);
    const u32 = (v: number) => out.push(v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    u16(2); u16(0); // set id 2 = templates; length below
    for (const [id, v6] of [[TEMPLATE_V4, false], [TEMPLATE_V6, true]] as const) {
      const f = templateFields(v6);
      u16(id); u16(f.length + 2);
      for (const [ie, len] of f) { u16(ie); u16(len); }
      for (const ie of [PACKRAT_IE_COMMUNITY_ID, PACKRAT_IE_APP_PROTOCOL]) { u16(0x8000 | ie); u16(VARLEN); u32(this.o.pen); }
    }
    out[2] = out.length >> 8; out[3] = out.length & 0xff;
    return Uint8Array.from(out);
  }

  /** A message holding only the templates. */
  templateMessage(exportSec: number): Uint8Array {
    const t = this.templateSet();
    this.header(exportSec, HEADER + t.length);
    this.buf.set(t, HEADER);
    return this.buf.slice(0, HEADER + t.length);
  }

  /**
   * Messages carrying `records` (in order), each at most maxMessage bytes. A message starts with
   * the template set when `templates` is true (the first message) or, as a function, says so
   * when asked at the start of each message.
   */
  encode(records: readonly FlowRecord[], exportSec: number, templates: boolean | (() => boolean)): Uint8Array[] {
    const out: Uint8Array[] = [];
    const b = this.buf, v = this.view, max = this.o.maxMessage;
    let tset: Uint8Array | undefined;
    let i = 0;
    while (i < records.length || (templates === true && out.length === 0)) {
      let o = HEADER;
      if (typeof templates === 'function' ? templates() : templates && out.length === 0) {
        tset ??= this.templateSet();
        b.set(tset, o); o += tset.length;
      }
      const seq = this.sequence;
      let setStart = -1, setTemplate = -1, n = 0;
      for (; i < records.length; i++) {
        const r = records[i];
        const v6 = r.src.includes(':');
        const tid = v6 ? TEMPLATE_V6 : TEMPLATE_V4;
        const cid = Buffer.from(r.communityId, 'utf8'), app = Buffer.from(r.app, 'utf8');
        const need = (v6 ? 32 : 8) + 37 + varSize(cid.length) + varSize(app.length) + (tid !== setTemplate ? 4 : 0);
        if (o + need > max) {
          if (n === 0 && o === HEADER) throw new RangeError(`IPFIX record larger than a message (${need} bytes)`);
          break;
        }
        if (tid !== setTemplate) {
          if (setStart >= 0) v.setUint16(setStart + 2, o - setStart);
          setStart = o; setTemplate = tid;
          v.setUint16(o, tid); o += 4;
        }
        o = this.address(r.src, v6, o); o = this.address(r.dst, v6, o);
        v.setUint16(o, r.sport & 0xffff); v.setUint16(o + 2, r.dport & 0xffff); b[o + 4] = r.proto & 0xff; o += 5;
        v.setBigUint64(o, BigInt(Math.max(0, Math.floor(r.bytes)))); v.setBigUint64(o + 8, BigInt(Math.max(0, Math.floor(r.packets))));
        v.setBigUint64(o + 16, BigInt(Math.max(0, Math.floor(r.startMs)))); v.setBigUint64(o + 24, BigInt(Math.max(0, Math.floor(r.endMs))));
        o += 32;
        o = putVar(b, o, cid); o = putVar(b, o, app);
        n++;
      }
      if (setStart >= 0) v.setUint16(setStart + 2, o - setStart);
      this.sequence = (this.sequence + n) >>> 0;
      this.header(exportSec, o, seq);
      out.push(b.slice(0, o));
    }
    return out;
  }

  private header(exportSec: number, length: number, seq = this.sequence): void {
    const v = this.view;
    v.setUint16(0, IPFIX_VERSION); v.setUint16(2, length);
    v.setUint32(4, exportSec >>> 0); v.setUint32(8, seq >>> 0); v.setUint32(12, this.o.observationDomain >>> 0);
  }

  private address(ip: string, v6: boolean, o: number): number {
    const a = parseIp(ip);
    const len = v6 ? 16 : 4;
    if (a && a.length === len) this.buf.set(a, o); else this.buf.fill(0, o, o + len);
    return o + len;
  }

}

const varSize = (n: number) => (n < 255 ? 1 : 3) + n;
function putVar(b: Uint8Array, o: number, s: Uint8Array): number {
  if (s.length < 255) b[o++] = s.length;
  else { b[o] = 255; b[o + 1] = s.length >> 8; b[o + 2] = s.length & 0xff; o += 3; }
  b.set(s, o);
  return o + s.length;
}

/** Collects the flow records of the sessions a packet worker saves, until the next message takes them. */
export class FlowTap {
  private list: FlowRecord[] = [];
  add(doc: Record<string, unknown>): void { const r = flowRecordOf(doc); if (r) this.list.push(r); }
  take(): FlowRecord[] | undefined {
    if (!this.list.length) return undefined;
    const out = this.list; this.list = [];
    return out;
  }
}
