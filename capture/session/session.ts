// One network session: counters the core keeps for every packet, the parsers attached to it,
// and the SessionApi they use. Allocated once per session; per-packet updates write numbers.
import type { Field } from '../../db/fields/registry.js';
import type { Dir, ParserConfig, ProtocolParser, SessionApi } from '../parsers/api.js';
import { FieldValues } from './field-values.js';
import { KEY_LEN } from './flow-key.js';
import type { SctpState } from './sctp.js';
import type { TcpSegment } from './tcp.js';

export interface AttachedParser {
  parser: ProtocolParser<any>;
  state: unknown;
  /** Unconsumed bytes per direction, handed back with the next delivery. */
  pending: [Uint8Array | undefined, Uint8Array | undefined];
  done: boolean;
}

/** Which timeout queue a session lives in. */
export const enum QueueKind { Tcp = 0, Udp = 1, Icmp = 2, Sctp = 3, Esp = 4, Other = 5, Closing = 6 }
export const QUEUE_COUNT = 7;

/** Where the client and server addresses sit in `Session.key` (after the flow key). */
export const ADDR_SRC = KEY_LEN, ADDR_DST = KEY_LEN + 16;

/** Flag counters of non-TCP sessions: shared, always zero (only processTcp writes counters). */
const NO_TCP_FLAGS = new Int32Array(12);

// Memory: a worker holds thousands of live sessions, so everything most sessions never use is
// made on first use, and small per-direction lists are plain fields or one shared array.
export class Session implements SessionApi {
  /** Flow key, then the source (client) and destination addresses, 4 or 16 bytes each. */
  readonly key = new Uint8Array(KEY_LEN + 32);
  hash = 0;
  /** Next session in the same hash bucket. */
  bucketNext: Session | undefined;
  // timeout queue links
  qPrev: Session | undefined;
  qNext: Session | undefined;
  queue: QueueKind = QueueKind.Other;

  ipVersion = 0;
  ipProtocol = 0;
  ethertype = 0;
  srcPort = 0;
  dstPort = 0;
  /** Non-IP sessions: packet kind that made them (unknown/corrupt ether). */
  nonIpKind = 0;

  firstPacketMs = 0;
  lastPacketMs = 0;
  /** Time of the last packet in µs (idle timeouts). */
  lastUs = 0;

  readonly packets = [0, 0];
  readonly bytes = [0, 0];
  readonly dataBytes = [0, 0];
  /** Distinct MACs per side as 48-bit numbers, in first-seen order (text at save). */
  srcMacs: number[] | undefined;
  dstMacs: number[] | undefined;
  readonly lastMac = [-1, -1];
  /** Tunnel outer MACs and IPs, made on the first tunnelled packet (most sessions have none). */
  outerMacs: [Set<string>, Set<string>] | undefined;
  outerIps: [Set<string>, Set<string>] | undefined;
  /** Distinct TTLs and DSCPs of both directions, each `dir << 8 | value`. */
  ttls: number[] | undefined;
  dscps: number[] | undefined;
  readonly ttlSeen = [0, 0];
  vlans: Set<number> | undefined;
  dot1q: Set<number> | undefined;
  dot1ad: Set<number> | undefined;
  vnis: Set<number> | undefined;
  icmpTypes: Set<number> | undefined;
  icmpCodes: Set<number> | undefined;
  icmpKey = -1; // first ICMP type/code for community id

  // TCP
  tcpFlagCnt = NO_TCP_FLAGS; // made per TCP session: syn, synack, ack, psh, fin, rst, urg, ece, cwr, ae, srcZero, dstZero
  tcpSeqSrc = 0;
  tcpSeqDst = 0;
  synTimeUs = -1;
  ackTimeUs = -1;
  synAckSeq = -1;
  /** The first SYN-ACK's acknowledgement: the client's ISN + 1 even when its SYN was missed. */
  synAckAck = -1;
  synSeq = -1;
  synValidated = false;
  synAckValidated = false;
  isns: Set<number> | undefined;
  /** Per direction: next expected sequence number, -1 while unknown. */
  readonly nextSeq = [-1, -1];
  /** Bit per direction: a SYN set nextSeq (later SYNs do not move it). */
  synSet = 0;
  /** Segments not yet delivered, both directions in Arkime's order. */
  tcpData: TcpSegment[] = [];
  haveTcpSession = false;
  /** Per direction: 0 none, 1 FIN sent, 2 FIN acked (or RST). */
  readonly finState = [0, 0];
  outOfOrder = 0;
  ackedUnseen = 0;
  /** In the TCP save queue (Arkime's tcpWriteQ: sessions with a SYN get tcpSaveTimeout mid-saves). */
  twPrev: Session | undefined;
  twNext: Session | undefined;
  inTw = false;
  finCount = 0;
  rstSeen = false;
  closing = false;
  tcpParsingStopped = false;
  /** SCTP TSN tracking and message joining, made on the first chunk that needs it. */
  sctp: SctpState | undefined;
  /** Keyed by Arkime's DHCP rule (client MAC / DHCPv6 transaction id): direction by ports. */
  dhcp = false;

  payload8: [string | undefined, string | undefined] = [undefined, undefined];
  readonly classified = [false, false];

  protocols = new Set<string>();
  tags: Set<string> | undefined;
  values = new FieldValues();
  parsers: AttachedParser[] = [];

  packetPos: number[] = [];
  /** Only with enablePacketLen. */
  packetLen: number[] | undefined;
  lastFileNum = -1;
  /** Input files of this segment (none in --json). */
  fileIds: number[] | undefined;

  segmentCnt = 1;
  rootId: string | undefined;
  /** Packet second after which Arkime mid-saves (TCP) or, once closing, saves the session. */
  saveTimeSec = 0;
  midSaveWanted = false;
  /** Second after which a parser asked for a mid-save (midSave(afterSec)); -1 when none. */
  midSaveAtSec = -1;
  /** Listed in the session table's delayed mid-save list. */
  inMidSaveList = false;
  /** Packets per segment whose positions are kept (Arkime's stopSaving: dontSaveBPFs, ESP). */
  stopSaving = 0xffff;
  config!: ParserConfig;

  // --- SessionApi -----------------------------------------------------------------------
  get srcIp(): string { return ipTextAt(this.key, ADDR_SRC, this.ipVersion); }
  get dstIp(): string { return ipTextAt(this.key, ADDR_DST, this.ipVersion); }
  /** Views of the two addresses (made on each call: for the save path, not per packet). */
  get addr(): [Uint8Array, Uint8Array] {
    return [this.key.subarray(ADDR_SRC, ADDR_SRC + 16), this.key.subarray(ADDR_DST, ADDR_DST + 16)];
  }
  /** MACs of one side, as numbers. */
  macsOf(side: 0 | 1): number[] | undefined { return side === 0 ? this.srcMacs : this.dstMacs; }
  /** First distinct TTLs (or DSCPs with `list = this.dscps`) of one direction. */
  sideValues(list: number[] | undefined, side: 0 | 1): number[] {
    const out: number[] = [];
    if (list) for (const v of list) if (v >> 8 === side) out.push(v & 0xff);
    return out;
  }
  initTcp(): void { this.tcpFlagCnt = new Int32Array(12); }

  addString(f: Field, v: string): boolean { return this.values.add(f, v); }
  addInt(f: Field, v: number): boolean { return this.values.add(f, v); }
  addFloat(f: Field, v: number): boolean { return this.values.add(f, v); }
  addIp(f: Field, ip: string): boolean { return this.values.add(f, ip); }
  addObject(group: string, obj: Record<string, unknown>): void { this.values.addObject(group, obj); }
  hasField(f: Field): boolean { return this.values.has(f); }
  addProtocol(name: string): void { this.protocols.add(name); }
  hasProtocol(name: string): boolean { return this.protocols.has(name); }
  addTag(tag: string): void { (this.tags ??= new Set()).add(tag); }
  attach<S>(parser: ProtocolParser<S>, state: S): void {
    for (const a of this.parsers) if (a.parser === parser && !a.done) return;
    this.parsers.push({ parser, state, pending: [undefined, undefined], done: false });
  }
  reclassify(dir: Dir): void { this.classified[dir] = false; }
  midSave(afterSec?: number): void {
    if (afterSec === undefined) this.midSaveWanted = true;
    else this.midSaveAtSec = Math.floor(this.lastUs / 1e6) + afterSec;
  }
}

export function ipText(b: Uint8Array, version: number): string { return ipTextAt(b, 0, version); }

/** The address at `b[o..]` as text, IPv4 dotted or IPv6 per RFC 5952. */
export function ipTextAt(b: Uint8Array, o: number, version: number): string {
  if (version === 4) return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
  if (version !== 6) return '';
  // RFC 5952: lowercase, longest run of zero groups (length >= 2) compressed, IPv4-mapped kept.
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[o + i] << 8) | b[o + i + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}`;
  }
  let bestS = -1, bestL = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestL && j - i >= 2) { bestS = i; bestL = j - i; }
    i = j;
  }
  const hex = (x: number) => x.toString(16);
  if (bestS < 0) return g.map(hex).join(':');
  return `${g.slice(0, bestS).map(hex).join(':')}::${g.slice(bestS + bestL).map(hex).join(':')}`;
}

/** A MAC held as a 48-bit number, as text. */
export function macNumText(v: number): string {
  let s = '';
  for (let i = 5; i >= 0; i--) {
    const b = Math.floor(v / 2 ** (8 * i)) & 0xff;
    s += (i < 5 ? ':' : '') + (b < 16 ? '0' : '') + b.toString(16);
  }
  return s;
}

export function macText(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = buf[off + i];
    s += (i ? ':' : '') + (v < 16 ? '0' : '') + v.toString(16);
  }
  return s;
}
