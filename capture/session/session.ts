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

export class TcpDirState {
  /** Next expected sequence number, -1 while unknown. */
  nextSeq = -1;
  /** A SYN of this direction set nextSeq (later SYNs do not move it). */
  synSet = false;
}

export class Session implements SessionApi {
  readonly key = new Uint8Array(KEY_LEN);
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
  /** Source (client) and destination addresses, 4 or 16 bytes. */
  readonly addr = [new Uint8Array(16), new Uint8Array(16)];
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
  readonly macs: [Set<string>, Set<string>] = [new Set(), new Set()];
  readonly lastMac = [-1, -1];
  /** Tunnel outer MACs and IPs, made on the first tunnelled packet (most sessions have none). */
  outerMacs: [Set<string>, Set<string>] | undefined;
  outerIps: [Set<string>, Set<string>] | undefined;
  readonly ttl: [number[], number[]] = [[], []];
  readonly dscp: [number[], number[]] = [[], []];
  ttlSeen = [0, 0];
  vlans: Set<number> | undefined;
  dot1q: Set<number> | undefined;
  dot1ad: Set<number> | undefined;
  vnis: Set<number> | undefined;
  icmpTypes: Set<number> | undefined;
  icmpCodes: Set<number> | undefined;
  icmpKey = -1; // first ICMP type/code for community id

  // TCP
  readonly tcpFlagCnt = new Int32Array(12); // syn, synack, ack, psh, fin, rst, urg, ece, cwr, ae, srcZero, dstZero
  tcpSeqSrc = 0;
  tcpSeqDst = 0;
  synTimeUs = -1;
  ackTimeUs = -1;
  synAckSeq = -1;
  synSeq = -1;
  synValidated = false;
  synAckValidated = false;
  isns: Set<number> | undefined;
  readonly tcp: [TcpDirState, TcpDirState] = [new TcpDirState(), new TcpDirState()];
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
  tags = new Set<string>();
  values = new FieldValues();
  parsers: AttachedParser[] = [];

  packetPos: number[] = [];
  packetLen: number[] = [];
  lastFileNum = -1;
  fileIds: number[] = [];

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
  get srcIp(): string { return ipText(this.addr[0], this.ipVersion); }
  get dstIp(): string { return ipText(this.addr[1], this.ipVersion); }

  addString(f: Field, v: string): boolean { return this.values.add(f, v); }
  addInt(f: Field, v: number): boolean { return this.values.add(f, v); }
  addFloat(f: Field, v: number): boolean { return this.values.add(f, v); }
  addIp(f: Field, ip: string): boolean { return this.values.add(f, ip); }
  addObject(group: string, obj: Record<string, unknown>): void { this.values.addObject(group, obj); }
  hasField(f: Field): boolean { return this.values.has(f); }
  addProtocol(name: string): void { this.protocols.add(name); }
  hasProtocol(name: string): boolean { return this.protocols.has(name); }
  addTag(tag: string): void { this.tags.add(tag); }
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

export function ipText(b: Uint8Array, version: number): string {
  if (version === 4) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  if (version !== 6) return '';
  // RFC 5952: lowercase, longest run of zero groups (length >= 2) compressed, IPv4-mapped kept.
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((b[i] << 8) | b[i + 1]);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
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

export function macText(buf: Uint8Array, off: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) {
    const v = buf[off + i];
    s += (i ? ':' : '') + (v < 16 ? '0' : '') + v.toString(16);
  }
  return s;
}
