// Turn a session segment into the document Arkime's capture writes to `sessions3`.
import { core } from '../../db/fields/core.js';
import { FieldRegistry, type Field } from '../../db/fields/registry.js';
import { macNumText, type Session } from './session.js';
import { PacketKind } from '../decode/packet.js';
import { setPath, writeIpCompanions } from './field-values.js';
import { TCP_FLAG_NAMES } from './tcp.js';

export interface IpInfo {
  country?: string; region?: string; city?: string;
  asn?: string; asnNumber?: number; asnOrg?: string;
  rir?: string; tags?: string[];
}

/** What the document builder needs from enrichment (GeoIP, ASN, RIR, OUI, community id). */
export interface DocEnricher {
  ip(ip: string): IpInfo | undefined;
  ouiOfMac(mac: string): string | undefined;
  communityId(s: Session): string | undefined;
}

export interface DocOptions {
  node: string;
  enricher: DocEnricher;
  /** gapPacketPos: Arkime's gap0 encoding of packetPos. */
  gapPacketPos: boolean;
  enablePacketLen: boolean;
  /** Tags added to every session (`--tag`, filenameOps). */
  extraTags: readonly string[];
  /** Id of the first segment for split sessions; returns a fresh id. */
  newId: () => string;
}

const cntPaths = new Map<Field, string>();
function cntOf(f: Field): string {
  let p = cntPaths.get(f);
  if (p === undefined) { p = FieldRegistry.cntPath(f)!; cntPaths.set(f, p); }
  return p;
}

/** `values` hold no duplicates (Sets, and the TTL/DSCP lists kept unique as they fill). */
function listWithCnt(doc: Record<string, unknown>, f: Field, values: Iterable<unknown>): void {
  const a = [...values];
  if (a.length === 0) return;
  setPath(doc, f.db, a);
  setDeep(doc, cntOf(f), a.length);
}

const pathParts = new Map<string, string[]>();
/** Set a dotted path creating nested objects all the way (ECS layout: source.geo.country_iso_code). */
function setDeep(doc: Record<string, unknown>, path: string, value: unknown): void {
  let parts = pathParts.get(path);
  if (!parts) { parts = path.split('.'); pathParts.set(path, parts); } // field paths: a bounded set
  let o = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    let n = o[parts[i]] as Record<string, unknown> | undefined;
    if (!n || typeof n !== 'object') { n = {}; o[parts[i]] = n; }
    o = n;
  }
  o[parts[parts.length - 1]] = value;
}

function endpoint(s: Session, side: 0 | 1, opts: DocOptions, doc: Record<string, unknown>, tags: Set<string>): Record<string, unknown> {
  const e: Record<string, unknown> = { bytes: s.bytes[side], packets: s.packets[side] };
  if (s.ipVersion !== 0) {
    const ip = side === 0 ? s.srcIp : s.dstIp;
    e.ip = ip;
    e.port = side === 0 ? s.srcPort : s.dstPort;
    const info = opts.enricher.ip(ip);
    if (info) {
      if (info.country) e.geo = { country_iso_code: info.country, ...(info.region ? { region_iso_code: info.region } : {}), ...(info.city ? { city_name: info.city } : {}) };
      if (info.asn !== undefined) {
        const as: Record<string, unknown> = { full: info.asn };
        if (info.asnNumber !== undefined) as.number = info.asnNumber;
        if (info.asnOrg !== undefined) as.organization = { name: info.asnOrg };
        e.as = as;
      }
      if (info.rir) doc[side === 0 ? 'srcRIR' : 'dstRIR'] = info.rir;
      if (info.tags) for (const t of info.tags) tags.add(t);
    }
  }
  const macNums = s.macsOf(side);
  if (macNums) {
    const macs = macNums.map(macNumText);
    e.mac = macs;
    e['mac-cnt'] = macs.length;
    const vendors = new Set<string>();
    for (const m of macs) { const v = opts.enricher.ouiOfMac(m); if (v) vendors.add(v); }
    listWithCnt(doc, side === 0 ? core.srcOui : core.dstOui, vendors);
  }
  return e;
}

/** Arkime gap0 encoding: each position as the gap from the previous, a repeated gap as 0. */
export function gapEncode(pos: number[]): number[] {
  const out: number[] = new Array(pos.length);
  let last = 0, lastGap = 0;
  for (let i = 0; i < pos.length; i++) {
    const v = pos[i];
    if (v < 0) { out[i] = v; last = 0; lastGap = 0; continue; }
    const gap = v - last;
    out[i] = gap === lastGap && i > 0 && pos[i - 1] >= 0 ? 0 : gap;
    lastGap = gap;
    last = v;
  }
  return out;
}

export function buildDocument(s: Session, final: boolean, opts: DocOptions): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  const tags = new Set<string>(s.tags);
  for (const t of opts.extraTags) tags.add(t);
  doc.firstPacket = s.firstPacketMs;
  doc.lastPacket = s.lastPacketMs;
  doc.length = s.lastPacketMs - s.firstPacketMs;
  doc.packetRange = { gte: s.firstPacketMs, lte: s.lastPacketMs };
  doc.ipProtocol = s.ipProtocol;
  if (s.ethertype) doc.ethertype = s.ethertype;
  doc['@timestamp'] = Date.now();
  doc.node = opts.node;
  doc.segmentCnt = s.segmentCnt;
  if (s.rootId) doc.rootId = s.rootId;

  doc.source = endpoint(s, 0, opts, doc, tags);
  doc.destination = endpoint(s, 1, opts, doc, tags);
  const network: Record<string, unknown> = {
    packets: s.packets[0] + s.packets[1],
    bytes: s.bytes[0] + s.bytes[1],
  };
  // Arkime computes a community id for the sessions it keys by their addresses only (not
  // corrupt or unknown IP, not IGMP/OSPF/PIM, not DHCP keyed by MAC or transaction).
  if (s.ipVersion !== 0 && s.nonIpKind === PacketKind.Ok && !s.dhcp) {
    const cid = opts.enricher.communityId(s);
    if (cid) network.community_id = cid;
  }
  if (s.vlans?.size) network.vlan = { id: [...s.vlans], 'id-cnt': s.vlans.size };
  doc.network = network;
  doc.client = { bytes: s.dataBytes[0] };
  doc.server = { bytes: s.dataBytes[1] };
  doc.totDataBytes = s.dataBytes[0] + s.dataBytes[1];

  if (s.dot1q?.size) listWithCnt(doc, core.dot1q, s.dot1q);
  if (s.dot1ad?.size) listWithCnt(doc, core.dot1ad, s.dot1ad);
  if (s.vnis?.size) listWithCnt(doc, core.vni, s.vnis);
  if (s.ipVersion !== 0) {
    listWithCnt(doc, core.srcTtl, s.sideValues(s.ttls, 0));
    listWithCnt(doc, core.dstTtl, s.sideValues(s.ttls, 1));
    listWithCnt(doc, core.srcDscp, s.sideValues(s.dscps, 0));
    listWithCnt(doc, core.dstDscp, s.sideValues(s.dscps, 1));
  }
  if (s.payload8[0] !== undefined) doc.srcPayload8 = s.payload8[0];
  if (s.payload8[1] !== undefined) doc.dstPayload8 = s.payload8[1];
  for (let side = 0; side < 2 && (s.outerMacs || s.outerIps); side++) {
    const outerMacs = s.outerMacs?.[side], outerIps = s.outerIps?.[side];
    if (outerMacs?.size) {
      const f = side === 0 ? core.srcOuterMac : core.dstOuterMac;
      doc[f.db] = [...outerMacs];
      doc[`${f.db}-cnt`] = outerMacs.size;
      const vendors = new Set<string>();
      for (const m of outerMacs) { const v = opts.enricher.ouiOfMac(m); if (v) vendors.add(v); }
      listWithCnt(doc, side === 0 ? core.srcOuterOui : core.dstOuterOui, vendors);
    }
    if (outerIps?.size) {
      const f = side === 0 ? core.srcOuterIp : core.dstOuterIp;
      const ips = [...outerIps];
      doc[f.db] = ips;
      doc[cntOf(f)] = ips.length;
      writeIpCompanions(doc, f.db.slice(0, -2), ips, (ip) => opts.enricher.ip(ip));
    }
  }

  if (s.ipProtocol === 6) {
    const c = s.tcpFlagCnt;
    const flags: Record<string, number> = {};
    for (let i = 0; i < TCP_FLAG_NAMES.length; i++) flags[TCP_FLAG_NAMES[i]] = c[i];
    doc.tcpflags = flags;
    const seq: Record<string, number> = {};
    if (s.synSeq >= 0) seq.src = s.tcpSeqSrc;
    if (s.synAckSeq >= 0) seq.dst = s.tcpSeqDst;
    // Handshake facts belong to the segment that saw a SYN or SYN-ACK.
    const handshake = c[0] + c[1] > 0;
    if (handshake && (s.synSeq >= 0 || s.synAckSeq >= 0)) doc.tcpseq = seq;
    if (s.synTimeUs >= 0 && s.ackTimeUs >= 0) doc.initRTT = Math.floor((s.ackTimeUs - s.synTimeUs) / 2 / 1000);
    if (s.isns) doc.srcISNCnt = s.isns.size;
    if (handshake) {
      doc.tcpSynValidated = s.synValidated;
      doc.tcpSynAckValidated = s.synAckValidated;
    }
  }
  if (s.icmpTypes) {
    doc.icmp = { type: [...s.icmpTypes], code: [...s.icmpCodes!] };
  }

  s.values.writeTo(doc, undefined, (ip) => opts.enricher.ip(ip));

  if (s.protocols.size) { doc.protocol = [...s.protocols]; doc.protocolCnt = s.protocols.size; }
  if (tags.size) { doc.tags = [...tags]; doc.tagsCnt = tags.size; }

  // packetPos already holds a -fileNum marker before each file's positions (SessionTable).
  doc.packetPos = opts.gapPacketPos ? gapEncode(s.packetPos) : s.packetPos.slice();
  doc.fileId = s.fileIds ? s.fileIds.slice() : [];
  if (opts.enablePacketLen) doc.packetLen = s.packetLen ? s.packetLen.slice() : [];
  return doc;
}
