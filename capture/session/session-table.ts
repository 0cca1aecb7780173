// The sessions one packet worker owns: lookup by flow key, per-packet counters, idle
// timeouts on packet time, mid-saves, and hand-off of finished segments to a sink.
import { DecodedPacket, PacketKind, ENCAP_NAMES } from '../decode/packet.js';
import type { ParserConfig } from '../parsers/api.js';
import { Classifiers } from '../parsers/classify.js';
import { buildKey, hashKey, keysEqual, isSingleSessionProto, KEY_LEN, type KeyOptions } from './flow-key.js';
import { Session, QueueKind, QUEUE_COUNT, ADDR_SRC, ADDR_DST, macText, ipText } from './session.js';
import { processTcp, deliverDatagram, finishParsers, flushSinglePush, parserErrors } from './tcp.js';
import { processSctp } from './sctp.js';
import { etherParser, etherProtocolName } from './ether-sessions.js';
import { ipProtoParser } from './ip-proto-sessions.js';
import { buildDhcpKey, dhcpProtocol, parseDhcpDatagram } from './dhcp-session.js';

export interface SessionTableOptions {
  keyOptions: KeyOptions;
  timeoutsSec: number[];          // per QueueKind
  tcpClosingTimeoutSec: number;
  tcpSaveTimeoutSec: number;
  maxPackets: number;
  maxStreams: number;
  trackEsp: boolean;
  saveUnknownEther: boolean;
  saveUnknownIp: boolean;
  saveCorruptEther: boolean;
  saveCorruptIp: boolean;
  enablePacketLen: boolean;
  maxTcpOutOfOrderPackets: number;
  parserConfig: ParserConfig;
  classifiers: Classifiers;
  /** Decide at session creation whether a session keeps only its first packet (dontSaveBPFs). */
  truncateFilter?: (p: DecodedPacket) => boolean;
}

export type SaveReason = 'timeout' | 'mid' | 'end' | 'reuse' | 'evict';
export type SessionSink = (s: Session, final: boolean) => void;

export class SessionTable {
  private readonly buckets = new Map<number, Session>();
  private readonly qHead: (Session | undefined)[] = new Array(QUEUE_COUNT);
  private readonly qTail: (Session | undefined)[] = new Array(QUEUE_COUNT);
  private readonly qCount = new Int32Array(QUEUE_COUNT);
  private readonly qMax: number[];
  private readonly key = new Uint8Array(KEY_LEN);
  /** Time of the packet being processed (µs): idle detection runs on packet time, not wall clock. */
  nowUs = 0;
  /** Arkime's lastPacketSecs: the second of the previous packet, against which queues age. */
  private lastSecs = 0;
  private twHead: Session | undefined;
  private twTail: Session | undefined;
  /** Sessions a parser asked to mid-save after a quiet time (Arkime's PQ), and the second last checked. */
  private readonly delayedMidSaves: Session[] = [];
  private delayedRunSec = -1;
  count = 0;
  saved = 0;

  /** File the packets now arriving come from (0: none, as in --json). */
  fileNum = 0;

  constructor(readonly opts: SessionTableOptions, private readonly sink: SessionSink, threads = 1) {
    // Arkime: per-thread TCP limit = max/threads×1.25, UDP/SCTP/other /20, ICMP/ESP /200 (min 64).
    const per = opts.maxStreams / threads;
    this.qMax = [per * 1.25, per / 20, Math.max(64, per / 200), per / 20, Math.max(64, per / 200), per / 20].map((x) => Math.max(64, Math.floor(x)));
  }

  /** Process one decoded packet (kind already set by the decoder). */
  packet(p: DecodedPacket): void {
    const tsUs = p.tsSec * 1e6 + p.tsUsec;
    // Arkime ages sessions against the packet being processed; files are not always in time order.
    this.nowUs = tsUs;
    const kind = p.kind;
    if (kind === PacketKind.Drop || kind === PacketKind.Fragment) return;
    if (kind === PacketKind.UnknownEther && !this.opts.saveUnknownEther && p.etherProto === 0) return;
    if (kind === PacketKind.CorruptEther && !this.opts.saveCorruptEther) return;
    if (kind === PacketKind.UnknownIp && !this.opts.saveUnknownIp && !isOtherIpProto(p.ipProtocol)) return;
    if (kind === PacketKind.CorruptIp && (!this.opts.saveCorruptIp || p.ipVersion === 0)) return;
    // ESP, bare or behind AH (the decoder gives AH+ESP as protocol 51, kind Ok), is one kind.
    if (kind === PacketKind.Ok && (p.ipProtocol === 50 || p.ipProtocol === 51) && !this.opts.trackEsp) return;
    if (kind === PacketKind.CorruptEther) p.ipVersion = 0;

    // Before each packet, as Arkime's packet thread: closing, idle and TCP save-time sessions,
    // a bounded number each, aged against the previous packet's second.
    this.processCommands(true);
    this.lastSecs = p.tsSec;
    if (this.delayedMidSaves.length) this.runDelayedMidSaves();
    buildKey(p, this.key, this.opts.keyOptions);
    const dhcp = p.ipProtocol === 17 && kind === PacketKind.Ok && buildDhcpKey(p, this.key);
    // 30 bits: a small integer (Smi) as the Map key; a 32-bit value would box a number per packet.
    const h = hashKey(this.key) & 0x3fffffff;
    let s = this.lookup(h);
    if (s && p.ipProtocol === 6 && kind === PacketKind.Ok && (p.tcpFlags & 0x12) === 0x02 && (s.finCount > 0 || s.rstSeen) &&
        clientIsn(s) !== p.tcpSeq) {
      // Port reuse: a fresh SYN on a session that already closed. The session's own SYN, late
      // or retransmitted, stays in it (tcp-reassembly-synthetic.pcap).
      this.close(s, true);
      s = undefined;
    }
    if (!s) { s = this.create(p, h, tsUs); if (dhcp) this.makeDhcp(s); }
    this.update(s, p, tsUs);
    if (s.midSaveAtSec >= 0 && !s.inMidSaveList) { s.inMidSaveList = true; this.delayedMidSaves.push(s); }
  }

  /**
   * Arkime's arkime_pq_run, at the start of each packet of a new second: sessions whose quiet
   * time has passed get their mid-save flag (at most 10 per run); the packet being processed
   * is then the first of the new segment.
   */
  private runDelayedMidSaves(): void {
    const now = this.lastSecs;
    if (now === this.delayedRunSec) return;
    this.delayedRunSec = now;
    const list = this.delayedMidSaves;
    let fired = 0;
    for (let i = 0; i < list.length && fired < 10; i++) {
      const s = list[i];
      if (!(s.midSaveAtSec < now)) continue;
      s.midSaveAtSec = -1; s.inMidSaveList = false; s.midSaveWanted = true;
      list.splice(i--, 1);
      fired++;
    }
  }

  private lookup(h: number): Session | undefined {
    for (let s = this.buckets.get(h); s; s = s.bucketNext) if (keysEqual(s.key, this.key)) return s;
    return undefined;
  }

  private create(p: DecodedPacket, h: number, tsUs: number): Session {
    const s = new Session();
    s.config = this.opts.parserConfig;
    s.key.set(this.key);
    s.hash = h;
    s.bucketNext = this.buckets.get(h);
    this.buckets.set(h, s);
    s.ethertype = p.ethertype;
    s.ipVersion = p.ipVersion;
    s.ipProtocol = p.kind === PacketKind.CorruptEther ? 0 : p.ipProtocol;
    if (s.ipProtocol === 6) s.initTcp();
    s.firstPacketMs = Math.floor(tsUs / 1000);
    s.saveTimeSec = p.tsSec + this.opts.tcpSaveTimeoutSec;
    const buf = p.buf;
    const k = s.key;
    if (p.ipVersion !== 0) {
      const alen = p.ipVersion === 4 ? 4 : 16;
      let swap = false;
      // Arkime makes the client the source: a session first seen on a SYN-ACK is turned around.
      if (p.ipProtocol === 6 && p.kind === PacketKind.Ok && (p.tcpFlags & 0x12) === 0x12) swap = true;
      const a = swap ? p.dstAddrOff : p.srcAddrOff, b = swap ? p.srcAddrOff : p.dstAddrOff;
      for (let i = 0; i < alen; i++) { k[ADDR_SRC + i] = buf[a + i]; k[ADDR_DST + i] = buf[b + i]; }
      const ports = p.kind === PacketKind.Ok && (p.ipProtocol === 6 || p.ipProtocol === 17 || p.ipProtocol === 132);
      if (ports) { s.srcPort = swap ? p.dstPort : p.srcPort; s.dstPort = swap ? p.srcPort : p.dstPort; }
    } else if (p.macOff >= 0) {
      // Non-IP sessions remember the first frame's source MAC to tell directions.
      for (let i = 0; i < 6; i++) k[ADDR_SRC + i] = buf[p.macOff + 6 + i];
    }
    s.nonIpKind = p.kind;
    s.queue = queueFor(p);
    if (p.kind === PacketKind.UnknownEther) s.addProtocol(etherProtocolName(p.etherProto));
    else if (p.kind === PacketKind.CorruptEther) s.addProtocol('corrupt-ether');
    else if (p.kind === PacketKind.CorruptIp) s.addProtocol('corrupt-ip');
    else if (p.kind === PacketKind.UnknownIp) s.addProtocol(otherIpProtoName(p.ipProtocol) ?? 'unknown-ip');
    else s.addProtocol(transportName(p.ipProtocol));
    // Arkime keeps the first packet only for dontSaveBPFs matches and ESP (espSavePackets=false).
    if (this.opts.truncateFilter?.(p) || s.queue === QueueKind.Esp) s.stopSaving = 1;
    this.qPush(s);
    // Every TCP session, SYN or not, is mid-saved after tcpSaveTimeout (Arkime's tcpWriteQ).
    if (s.queue === QueueKind.Tcp) this.tcpWritePush(s);
    this.count++;
    return s;
  }

  private makeDhcp(s: Session): void {
    s.dhcp = true;
    s.addProtocol(dhcpProtocol(s.key));
    this.qUnlink(s); s.queue = QueueKind.Other; this.qPush(s);
  }

  private update(s: Session, p: DecodedPacket, tsUs: number): void {
    const buf = p.buf;
    let dir: 0 | 1 = 0;
    if (s.ipVersion !== 0) {
      const alen = s.ipVersion === 4 ? 4 : 16;
      const k = s.key;
      for (let i = 0; i < alen; i++) if (buf[p.srcAddrOff + i] !== k[ADDR_SRC + i]) { dir = 1; break; }
      if (dir === 0 && p.kind === PacketKind.Ok && s.srcPort !== s.dstPort && p.srcPort !== s.srcPort &&
          (s.ipProtocol === 6 || s.ipProtocol === 17 || s.ipProtocol === 132)) dir = 1;
      if (s.dhcp) dir = p.srcPort === s.srcPort && p.dstPort === s.dstPort ? 0 : 1;
      // One-per-protocol sessions (IGMP, OSPF, PIM) count every packet as the source's.
      else if (s.nonIpKind === PacketKind.UnknownIp && isSingleSessionProto(s.ipProtocol)) dir = 0;
    } else if (p.macOff >= 0) {
      // Non-IP: every frame counts as sent by the source side (Arkime's ether sessions).
      dir = 0;
    }
    s.lastPacketMs = Math.floor(tsUs / 1000);
    s.lastUs = tsUs;
    s.packets[dir]++;
    s.bytes[dir] += p.wireLen;
    this.qTouch(s);

    // Packet position (absolute; gap encoding happens at save).
    const segPackets = s.packets[0] + s.packets[1];
    if (segPackets - 1 === s.stopSaving) s.addTag('truncated-pcap');
    if (segPackets <= s.stopSaving) {
      // A session's packets can span input files (-R, live rotation): a -fileNum marker
      // precedes the first position in each file, as Arkime writes it.
      if (this.fileNum > 0 && s.lastFileNum !== this.fileNum) {
        s.lastFileNum = this.fileNum;
        if (s.fileIds) s.fileIds.push(this.fileNum); else s.fileIds = [this.fileNum]; // sized 1: most sessions see one file
        s.packetPos.push(-this.fileNum);
        if (this.opts.enablePacketLen) (s.packetLen ??= []).push(0);
      }
      s.packetPos.push(p.filePos);
      if (this.opts.enablePacketLen) (s.packetLen ??= []).push(16 + p.capLen);
      // Arkime splits here, before the transport layer sees this packet.
      if (segPackets >= this.opts.maxPackets || s.midSaveWanted) this.midSave(s, p.tsSec);
    }

    // MACs, VLAN ids, VNIs and tunnel outer headers come from the first 10 packets per direction
    // only, as Arkime reads them (igmp.pcap: later frames to other groups add no MACs). Outer
    // headers do not follow the inner direction: srcOuter* is the outer frame's first MAC (its
    // destination) and the outer IP source, dstOuter* the second MAC and the outer IP destination.
    const firstTen = s.packets[dir] <= 10;
    if (firstTen) {
      if (p.macOff >= 0) {
        const src: 0 | 1 = dir;
        this.addMac(s, src, buf, p.macOff + 6);
        this.addMac(s, (src ^ 1) as 0 | 1, buf, p.macOff);
      }
      if (p.outerMacOff >= 0) {
        const macs = s.outerMacs ??= [new Set(), new Set()];
        macs[0].add(macText(buf, p.outerMacOff));
        macs[1].add(macText(buf, p.outerMacOff + 6));
      }
      if (p.outerIpOff >= 0) {
        const v = p.outerIpVersion, o = p.outerIpOff;
        const so = v === 4 ? o + 12 : o + 8, dO = v === 4 ? o + 16 : o + 24;
        const ips = s.outerIps ??= [new Set(), new Set()];
        ips[0].add(ipText(buf.subarray(so, so + 16), v));
        ips[1].add(ipText(buf.subarray(dO, dO + 16), v));
      }
    }
    if (p.encap) for (const [bit, name] of ENCAP_NAMES) if (p.encap & bit) s.protocols.add(name);
    if (p.vlanCount) {
      // Every tag of the stack, outer first, as Arkime lists QinQ and 802.1ad (dot1ad.pcap, twovlan.pcap).
      for (let i = 0; i < p.vlanCount; i++) {
        if (firstTen) (s.vlans ??= new Set()).add(p.vlanIds[i]);
        if (p.vlanIsAd[i]) (s.dot1ad ??= new Set()).add(p.vlanIds[i]);
        else (s.dot1q ??= new Set()).add(p.vlanIds[i]);
      }
    }
    if (p.vni > 0 && firstTen) (s.vnis ??= new Set()).add(p.vni); // Arkime records no VNI 0
    if (s.ipVersion !== 0 && s.ttlSeen[dir] < 10) {
      s.ttlSeen[dir]++;
      const ttl = (dir << 8) | p.ttl;
      if (!s.ttls) s.ttls = [ttl];
      else if (!s.ttls.includes(ttl)) s.ttls.push(ttl);
      const dscp = p.tos >> 2;
      if (dscp) {
        const d = (dir << 8) | dscp;
        if (!s.dscps) s.dscps = [d];
        else if (!s.dscps.includes(d)) s.dscps.push(d);
      }
    }
    if (p.kind !== PacketKind.Ok) {
      // A parser that throws loses its packet, never the capture (as classifiers and TCP parsers).
      try {
        if (p.etherProto !== 0) etherParser(p.etherProto)?.(s, buf, p.payloadOff, p.payloadLen);
        else if (p.kind === PacketKind.UnknownIp) ipProtoParser(p.ipProtocol)?.(s, buf, p.payloadOff, p.payloadLen, s.packets[0] + s.packets[1]);
      } catch { parserErrors.count++; }
      return;
    }

    switch (s.ipProtocol) {
      case 6:
        processTcp(this, s, p, dir, tsUs);
        break;
      case 17:
        if (p.payloadLen > 0) {
          s.dataBytes[dir] += p.payloadLen;
          if (s.dhcp) { try { parseDhcpDatagram(s, buf, p.payloadOff, p.payloadLen); } catch { parserErrors.count++; } }
          else deliverDatagram(this.opts.classifiers, s, dir, buf, p.payloadOff, p.payloadLen);
        }
        break;
      case 132:
        if (p.payloadLen > 0) {
          s.dataBytes[dir] += p.payloadLen;
          processSctp(this.opts.classifiers, s, dir, buf, p.payloadOff, p.payloadLen);
        }
        break;
      case 1: case 58:
        s.icmpTypes ??= new Set(); s.icmpCodes ??= new Set();
        s.icmpTypes.add(p.icmpType); s.icmpCodes.add(p.icmpCode);
        if (s.icmpKey < 0) s.icmpKey = (p.icmpType << 8) | p.icmpCode;
        // Arkime counts the whole captured ICMP message, trailing link padding included.
        s.dataBytes[dir] += p.frameOff + p.capLen - p.payloadOff;
        break;
      case 50: case 51: {
        // Captured bytes after the IP header (an AH header included) less ESP's SPI and sequence.
        const espData = p.frameOff + p.capLen - (p.ipOff + p.ipHdrLen) - 8;
        if (espData > 0) s.dataBytes[dir] += espData;
        s.protocols.delete('unknown-ip');
        s.protocols.add('esp');
        break;
      }
    }
  }

  private addMac(s: Session, dir: 0 | 1, buf: Uint8Array, off: number): void {
    // Most packets repeat the last MAC: compare as a number before making a string.
    const v = (buf[off] * 0x10000000000) + (buf[off + 1] * 0x100000000) +
      ((buf[off + 2] << 24) >>> 0) + (buf[off + 3] << 16) + (buf[off + 4] << 8) + buf[off + 5];
    if (s.lastMac[dir] === v) return;
    s.lastMac[dir] = v;
    const list = dir === 0 ? s.srcMacs : s.dstMacs;
    if (!list) { if (dir === 0) s.srcMacs = [v]; else s.dstMacs = [v]; }
    else if (!list.includes(v)) list.push(v);
  }

  /** Save what has aged by `nowUs` (live ticks): every due session, no per-call bound. */
  expire(): void {
    const sec = Math.floor(this.nowUs / 1e6);
    if (sec > this.lastSecs) this.lastSecs = sec;
    this.processCommands(false);
  }

  /**
   * Arkime's arkime_session_process_commands: closing sessions past their saveTime, then idle
   * (or over maxStreams) sessions per queue, 10 of each per call, then up to 50 TCP sessions past
   * tcpSaveTimeout are mid-saved. The bounds matter: after a jump in packet time a session can
   * be mid-saved before its idle save, giving an empty second segment, as Arkime writes it.
   */
  private processCommands(bounded: boolean): void {
    const now = this.lastSecs;
    const few = bounded ? 10 : Infinity, many = bounded ? 50 : Infinity;
    for (let i = 0; i < few; i++) {
      const s = this.qHead[QueueKind.Closing];
      if (!s || !(s.saveTimeSec < now)) break;
      this.close(s, true);
    }
    for (let q = 0; q < QueueKind.Closing; q++) {
      const t = this.opts.timeoutsSec[q];
      for (let i = 0; i < few; i++) {
        const s = this.qHead[q];
        if (!s || !(this.qCount[q] > this.qMax[q] || Math.floor(s.lastUs / 1e6) + t < now)) break;
        this.close(s, true);
      }
    }
    for (let i = 0; i < many; i++) {
      const s = this.twHead;
      if (!s || !(s.saveTimeSec < now)) break;
      this.midSave(s, now);
    }
  }

  /** Both FINs acked or an in-sequence RST: save after tcpClosingTimeout (Arkime's closingQ). */
  markForClose(s: Session): void {
    if (s.closing) return;
    s.closing = true;
    s.saveTimeSec = Math.floor(s.lastUs / 1e6) + this.opts.tcpClosingTimeoutSec;
    this.qUnlink(s);
    s.queue = QueueKind.Closing;
    this.qPush(s);
    this.twRemove(s);
  }

  midSave(s: Session, sec: number): void {
    s.midSaveWanted = false;
    finishParsers(s, false);
    this.sink(s, false);
    this.saved++;
    // Reset the per-segment state; linked fields and identity stay.
    s.segmentCnt++;
    s.packets[0] = s.packets[1] = 0;
    s.bytes[0] = s.bytes[1] = 0;
    s.dataBytes[0] = s.dataBytes[1] = 0;
    s.tcpFlagCnt.fill(0);
    s.synTimeUs = -1;
    s.ackTimeUs = -1;
    s.isns = undefined;
    // TTL and DSCP describe the segment's own packets.
    s.ttls = s.dscps = undefined;
    s.ttlSeen[0] = s.ttlSeen[1] = 0;
    s.packetPos = [];
    s.packetLen = undefined;
    s.lastFileNum = -1;
    s.fileIds = undefined;
    s.values.clearUnlinked();
    if (s.inTw) { this.twRemove(s); this.tcpWritePush(s); }
    if (!s.closing) s.saveTimeSec = sec + this.opts.tcpSaveTimeoutSec;
  }

  close(s: Session, final: boolean): void {
    flushSinglePush(this, s);
    finishParsers(s, true);
    this.sink(s, final);
    this.saved++;
    this.remove(s);
  }

  /** Save every open session (end of an offline run or shutdown). */
  closeAll(): void {
    for (let q = 0; q < QUEUE_COUNT; q++) {
      while (this.qHead[q]) this.close(this.qHead[q]!, true);
    }
  }

  private remove(s: Session): void {
    let prev: Session | undefined;
    for (let c = this.buckets.get(s.hash); c; prev = c, c = c.bucketNext) {
      if (c !== s) continue;
      if (prev) prev.bucketNext = c.bucketNext;
      else if (c.bucketNext) this.buckets.set(s.hash, c.bucketNext);
      else this.buckets.delete(s.hash);
      break;
    }
    this.qUnlink(s);
    this.twRemove(s);
    if (s.inMidSaveList) { s.inMidSaveList = false; this.delayedMidSaves.splice(this.delayedMidSaves.indexOf(s), 1); }
    this.count--;
  }

  // --- TCP save queue (Arkime's tcpWriteQ): sessions that saw a SYN, oldest save time first ----
  tcpWritePush(s: Session): void {
    if (s.inTw) return;
    s.inTw = true;
    s.twPrev = this.twTail; s.twNext = undefined;
    if (s.twPrev) s.twPrev.twNext = s; else this.twHead = s;
    this.twTail = s;
  }
  private twRemove(s: Session): void {
    if (!s.inTw) return;
    s.inTw = false;
    if (s.twPrev) s.twPrev.twNext = s.twNext; else this.twHead = s.twNext;
    if (s.twNext) s.twNext.twPrev = s.twPrev; else this.twTail = s.twPrev;
    s.twPrev = s.twNext = undefined;
  }

  // --- timeout queues: doubly linked, oldest at the head -----------------------------------
  private qPush(s: Session): void {
    const q = s.queue;
    s.qPrev = this.qTail[q]; s.qNext = undefined;
    if (s.qPrev) s.qPrev.qNext = s; else this.qHead[q] = s;
    this.qTail[q] = s;
    this.qCount[q]++;
  }
  private qUnlink(s: Session): void {
    const q = s.queue;
    if (s.qPrev) s.qPrev.qNext = s.qNext; else this.qHead[q] = s.qNext;
    if (s.qNext) s.qNext.qPrev = s.qPrev; else this.qTail[q] = s.qPrev;
    s.qPrev = s.qNext = undefined;
    this.qCount[q]--;
  }
  private qTouch(s: Session): void {
    if (this.qTail[s.queue] === s || s.queue === QueueKind.Closing) return;
    this.qUnlink(s); this.qPush(s);
  }
}

function queueFor(p: DecodedPacket): QueueKind {
  if (p.kind !== PacketKind.Ok) return QueueKind.Other;
  switch (p.ipProtocol) {
    case 6: return QueueKind.Tcp;
    case 17: return QueueKind.Udp;
    case 1: case 58: return QueueKind.Icmp;
    case 132: return QueueKind.Sctp;
    case 50: case 51: return QueueKind.Esp;
    default: return QueueKind.Other;
  }
}

function transportName(proto: number): string {
  switch (proto) {
    case 6: return 'tcp';
    case 17: return 'udp';
    case 1: case 58: return 'icmp';
    case 132: return 'sctp';
    case 50: return 'esp';
    default: return 'unknown-ip';
  }
}

/** IP protocols Arkime gives a session and a protocol name of their own. */
const OTHER_IP: Record<number, string> = { 2: 'igmp', 89: 'ospf', 103: 'pim' };
function isOtherIpProto(proto: number): boolean { return OTHER_IP[proto] !== undefined; }
function otherIpProtoName(proto: number): string | undefined { return OTHER_IP[proto]; }

/** The client's initial sequence number: from its SYN, else from the SYN-ACK's ack; -1 if unknown. */
function clientIsn(s: Session): number {
  if (s.synSeq >= 0) return s.tcpSeqSrc;
  return s.synAckAck >= 0 ? (s.synAckAck - 1) >>> 0 : -1;
}
