// Turn a session segment into the document Arkime's capture writes to `sessions3`.
import { core } from '../../db/fields/core.js';
import { FieldRegistry, type Field } from '../../db/fields/registry.js';
import { macNumText, type Session } from './session.js';
import { PacketKind } from '../decode/packet.js';
import { writeIpCompanions } from './field-values.js';
import { DocBuilder } from './doc-shape.js';
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
  /** Capture-time sampling in force (`sampling` field, e.g. "packet 1/10"), set on every session. */
  sampling?: string;
  /** Id of the first segment for split sessions; returns a fresh id. */
  newId: () => string;
}

const cntPaths = new Map<Field, string>();
function cntOf(f: Field): string {
  let p = cntPaths.get(f);
  if (p === undefined) { p = FieldRegistry.cntPath(f)!; cntPaths.set(f, p); }
  return p;
}

/**
 * `values` hold no duplicates (Sets, and the TTL/DSCP lists kept unique as they fill); an array
 * is a fresh one made for this document and goes in as it is. The core fields written here have
 * at most one dot in their path and their count's (`dot1q.idCnt`).
 */
function listWithCnt(doc: DocBuilder, f: Field, values: Set<unknown> | unknown[]): void {
  const a = Array.isArray(values) ? values : [...values];
  if (a.length === 0) return;
  doc.setPath(f.db, a);
  doc.setPath(cntOf(f), a.length);
}

/** MAC text and vendor per MAC number: a few MACs (gateways) are in most sessions. */
const MAC_CACHE_MAX = 4096;
const macTexts = new Map<number, string>();
function macTextOf(v: number): string {
  let t = macTexts.get(v);
  if (t === undefined) {
    if (macTexts.size >= MAC_CACHE_MAX) macTexts.clear();
    t = macNumText(v);
    macTexts.set(v, t);
  }
  return t;
}

/** [override-ips] tags of the document being built, in the order met (usually none). */
const ipTags: string[] = [];

/** Vendor per MAC number, per enricher (the enricher parses the MAC text back each time). */
const vendorCaches = new WeakMap<DocEnricher, Map<number, string | null>>();
function vendorOf(e: DocEnricher, num: number, text: string): string | undefined {
  let cache = vendorCaches.get(e);
  if (cache === undefined) { cache = new Map(); vendorCaches.set(e, cache); }
  let v = cache.get(num);
  if (v === undefined) {
    if (cache.size >= MAC_CACHE_MAX) cache.clear();
    v = e.ouiOfMac(text) ?? null;
    cache.set(num, v);
  }
  return v ?? undefined;
}

function endpoint(s: Session, side: 0 | 1, opts: DocOptions, doc: DocBuilder): Record<string, unknown> {
  const e: Record<string, unknown> = { bytes: s.bytes[side], packets: s.packets[side] };
  if (s.ipVersion !== 0) {
    const ip = side === 0 ? s.srcIp : s.dstIp;
    e.ip = ip;
    e.port = side === 0 ? s.srcPort : s.dstPort;
    const info = opts.enricher.ip(ip);
    if (info) {
      if (info.country) {
        const geo: Record<string, unknown> = { country_iso_code: info.country };
        if (info.region) geo.region_iso_code = info.region;
        if (info.city) geo.city_name = info.city;
        e.geo = geo;
      }
      if (info.asn !== undefined) {
        const as: Record<string, unknown> = { full: info.asn };
        if (info.asnNumber !== undefined) as.number = info.asnNumber;
        if (info.asnOrg !== undefined) as.organization = { name: info.asnOrg };
        e.as = as;
      }
      if (info.rir) doc.set(side === 0 ? 'srcRIR' : 'dstRIR', info.rir);
      if (info.tags) for (const t of info.tags) ipTags.push(t);
    }
  }
  const macNums = s.macsOf(side);
  if (macNums) {
    const macs = macNums.map(macTextOf);
    e.mac = macs;
    e['mac-cnt'] = macs.length;
    const vendors: string[] = [];
    for (let i = 0; i < macs.length; i++) {
      const v = vendorOf(opts.enricher, macNums[i], macs[i]);
      if (v && !vendors.includes(v)) vendors.push(v);
    }
    listWithCnt(doc, side === 0 ? core.srcOui : core.dstOui, vendors);
  }
  return e;
}

/**
 * Half the SYN to first-ACK time in ms, as Arkime computes it: whole seconds apart times 1000
 * plus the microsecond difference truncated toward zero, then halved. An ACK in the next second
 * therefore rounds up where the plain quotient would not (smb-port80.pcap: 325.185 ms gives 163).
 */
export function initRtt(synUs: number, ackUs: number): number {
  const synSec = Math.floor(synUs / 1e6), ackSec = Math.floor(ackUs / 1e6);
  const ms = (ackSec - synSec) * 1000 + Math.trunc(((ackUs - ackSec * 1e6) - (synUs - synSec * 1e6)) / 1000);
  return Math.trunc(ms / 2);
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

/** The enricher of the document being built (set by buildDocument, which is not re-entrant). */
let enricher: DocEnricher;

/**
 * Enrichment of an address in any IP field. Every address a session holds brings its
 * [override-ips] tags (Arkime: smtp-originating.pcap is tagged by an email.ip value), as source
 * and destination do.
 */
function ipInfo(ip: string): IpInfo | undefined {
  const info = enricher.ip(ip);
  if (info?.tags) for (const t of info.tags) ipTags.push(t);
  return info;
}

/** One builder per thread: buildDocument runs to completion before the next one starts. */
const builder = new DocBuilder();
const TCP_FLAG_COUNT = TCP_FLAG_NAMES.length;

export function buildDocument(s: Session, final: boolean, opts: DocOptions): Record<string, unknown> {
  const doc = builder;
  doc.reset();
  ipTags.length = 0;
  enricher = opts.enricher;
  doc.set('firstPacket', s.firstPacketMs);
  doc.set('lastPacket', s.lastPacketMs);
  // A pcap out of time order can put the last packet before the first: Arkime writes the
  // distance and the range the two span (dns-flags0110.pcap).
  const early = Math.min(s.firstPacketMs, s.lastPacketMs), late = Math.max(s.firstPacketMs, s.lastPacketMs);
  doc.set('length', late - early);
  doc.set('packetRange', { gte: early, lte: late });
  doc.set('ipProtocol', s.ipProtocol);
  if (s.ethertype) doc.set('ethertype', s.ethertype);
  doc.set('@timestamp', Date.now());
  doc.set('node', opts.node);
  doc.set('segmentCnt', s.segmentCnt);
  if (s.rootId) doc.set('rootId', s.rootId);

  doc.set('source', endpoint(s, 0, opts, doc));
  doc.set('destination', endpoint(s, 1, opts, doc));
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
  doc.set('network', network);
  doc.set('client', { bytes: s.dataBytes[0] });
  doc.set('server', { bytes: s.dataBytes[1] });
  doc.set('totDataBytes', s.dataBytes[0] + s.dataBytes[1]);

  if (s.dot1q?.size) listWithCnt(doc, core.dot1q, s.dot1q);
  if (s.dot1ad?.size) listWithCnt(doc, core.dot1ad, s.dot1ad);
  if (s.vnis?.size) listWithCnt(doc, core.vni, s.vnis);
  if (s.ipVersion !== 0) {
    listWithCnt(doc, core.srcTtl, s.sideValues(s.ttls, 0));
    listWithCnt(doc, core.dstTtl, s.sideValues(s.ttls, 1));
    listWithCnt(doc, core.srcDscp, s.sideValues(s.dscps, 0));
    listWithCnt(doc, core.dstDscp, s.sideValues(s.dscps, 1));
  }
  if (s.payload8[0] !== undefined) doc.set('srcPayload8', s.payload8[0]);
  if (s.payload8[1] !== undefined) doc.set('dstPayload8', s.payload8[1]);
  for (let side = 0; side < 2 && (s.outerMacs || s.outerIps); side++) {
    const outerMacs = s.outerMacs?.[side], outerIps = s.outerIps?.[side];
    if (outerMacs?.size) {
      const f = side === 0 ? core.srcOuterMac : core.dstOuterMac;
      doc.set(f.db, [...outerMacs]);
      doc.set(`${f.db}-cnt`, outerMacs.size);
      const vendors = new Set<string>();
      for (const m of outerMacs) { const v = opts.enricher.ouiOfMac(m); if (v) vendors.add(v); }
      listWithCnt(doc, side === 0 ? core.srcOuterOui : core.dstOuterOui, vendors);
    }
    if (outerIps?.size) {
      const f = side === 0 ? core.srcOuterIp : core.dstOuterIp;
      const ips = [...outerIps];
      doc.set(f.db, ips);
      doc.set(cntOf(f), ips.length);
      writeIpCompanions(doc, f.db.slice(0, -2), ips, ipInfo);
    }
  }

  if (s.ipProtocol === 6) {
    const c = s.tcpFlagCnt;
    const flags: Record<string, number> = {};
    for (let i = 0; i < TCP_FLAG_COUNT; i++) flags[TCP_FLAG_NAMES[i]] = c[i];
    doc.set('tcpflags', flags);
    const seq: Record<string, number> = {};
    if (s.synSeq >= 0) seq.src = s.tcpSeqSrc;
    if (s.synAckSeq >= 0) seq.dst = s.tcpSeqDst;
    // Handshake facts belong to the segment that saw a SYN or SYN-ACK.
    const handshake = c[0] + c[1] > 0;
    if (handshake && (s.synSeq >= 0 || s.synAckSeq >= 0)) doc.set('tcpseq', seq);
    if (s.synTimeUs >= 0 && s.ackTimeUs >= 0) doc.set('initRTT', initRtt(s.synTimeUs, s.ackTimeUs));
    if (s.isns) doc.set('srcISNCnt', s.isns.size);
    if (handshake) {
      doc.set('tcpSynValidated', s.synValidated);
      doc.set('tcpSynAckValidated', s.synAckValidated);
    }
  }
  if (s.icmpTypes) {
    doc.set('icmp', { type: [...s.icmpTypes], code: [...s.icmpCodes!] });
  }

  s.values.writeInto(doc, undefined, ipInfo);

  if (s.protocols.size) { doc.set('protocol', [...s.protocols]); doc.set('protocolCnt', s.protocols.size); }
  // The session's tags, then --tag ones, then those of its addresses; a Set only when merging.
  let tags: ReadonlySet<string> | undefined = s.tags;
  if (opts.extraTags.length || ipTags.length) {
    const all = new Set<string>(s.tags);
    for (const t of opts.extraTags) all.add(t);
    for (const t of ipTags) all.add(t);
    tags = all;
  }
  if (tags?.size) { doc.set('tags', [...tags]); doc.set('tagsCnt', tags.size); }
  if (opts.sampling) doc.set(core.sampling.db, opts.sampling);

  // packetPos already holds a -fileNum marker before each file's positions (SessionTable).
  doc.set('packetPos', opts.gapPacketPos ? gapEncode(s.packetPos) : s.packetPos.slice());
  doc.set('fileId', s.fileIds ? s.fileIds.slice() : []);
  if (opts.enablePacketLen) doc.set('packetLen', s.packetLen ? s.packetLen.slice() : []);
  return doc.build();
}
