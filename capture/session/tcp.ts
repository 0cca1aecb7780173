// TCP per-packet work: flag counters, handshake validation, and reassembly that hands each
// direction's bytes to the parsers in order. UDP/SCTP datagrams go to the parsers as they come.
import { DecodedPacket, TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG, TH_AE } from '../decode/packet.js';
import { PARSE_DONE, PARSE_ERROR, type Dir } from '../parsers/api.js';
import type { Classifiers } from '../parsers/classify.js';
import type { AttachedParser, Session } from './session.js';
import type { SessionTable } from './session-table.js';

const F_SYN = 0, F_SYNACK = 1, F_ACK = 2, F_PSH = 3, F_FIN = 4, F_RST = 5, F_URG = 6, F_ECE = 7,
  F_CWR = 8, F_AE = 9, F_SRCZERO = 10, F_DSTZERO = 11;
export const TCP_FLAG_NAMES = ['syn', 'syn-ack', 'ack', 'psh', 'fin', 'rst', 'urg', 'ece', 'cwr', 'ae', 'srcZero', 'dstZero'];

const MAX_PENDING = 65536;

/** A TCP segment waiting in the session's list (a copy: the packet's buffer is reused). */
export interface TcpSegment { dir: Dir; seq: number; ack: number; data: Uint8Array }
const scratch: import('../parsers/api.js').ProtocolParser<any>[] = [];
export const parserErrors = { count: 0 };

function seqDiff(a: number, b: number): number { return (a - b) | 0; } // wrap-aware a - b

const enum FinState { None = 0, Fin = 1, FinAck = 2 }
const OUT_OF_ORDER_TAGS = ['out-of-order-src', 'out-of-order-dst'];
const ACKED_UNSEEN_TAGS = ['acked-unseen-segment-src', 'acked-unseen-segment-dst'];

/**
 * Arkime's tcp.c, step for step: flag counters, FIN/RST close detection, the tags it sets, and
 * one list of undelivered segments for both directions sorted by sequence (and by the other
 * side's ack), delivered from its head while the head is the next expected byte. A segment
 * that is deliverable at once while nothing waits is handed over without a copy.
 */
export function processTcp(table: SessionTable, s: Session, p: DecodedPacket, dir: Dir, tsUs: number): void {
  const f = p.tcpFlags;
  const c = s.tcpFlagCnt;
  if (p.tcpWin === 0 && !(f & TH_RST)) c[dir === 0 ? F_SRCZERO : F_DSTZERO]++;
  if (f & TH_URG) c[F_URG]++;
  if (f & TH_ECE) c[F_ECE]++;
  if (f & TH_CWR) c[F_CWR]++;
  if (f & TH_AE) c[F_AE]++;
  const ns = s.nextSeq, o = dir ^ 1;
  if (f & TH_SYN) {
    if (f & TH_ACK) {
      c[F_SYNACK]++;
      if (s.synAckSeq < 0) {
        s.synAckSeq = p.tcpSeq;
        s.synAckAck = p.tcpAck;
        if (s.synSeq >= 0 && p.tcpAck === ((s.synSeq + 1) >>> 0)) s.synValidated = true;
      }
      // SYN-ACK first: the SYN was missed; Arkime then reports the SYN-ACK's sequence as tcpseq.dst.
      if (!s.haveTcpSession) { ns[o] = p.tcpAck; s.tcpSeqDst = p.tcpSeq; }
    } else {
      c[F_SYN]++;
      if (s.synSeq < 0) {
        s.synSeq = p.tcpSeq; s.tcpSeqSrc = p.tcpSeq;
        // A SYN arriving after its SYN-ACK (reordered or retransmitted) is validated by it.
        if (s.synAckAck >= 0 && s.synAckAck === ((p.tcpSeq + 1) >>> 0)) s.synValidated = true;
      }
      if (s.synTimeUs < 0) { s.synTimeUs = tsUs; s.ackTimeUs = -1; }
      (s.isns ??= new Set()).add(p.tcpSeq);
    }
    s.haveTcpSession = true;
    if (!(s.synSet & (1 << dir))) { ns[dir] = (p.tcpSeq + 1) >>> 0; s.synSet |= 1 << dir; }
    table.tcpWritePush(s);
    return;
  }
  if (f & TH_RST) {
    c[F_RST]++;
    s.rstSeen = true;
    if (ns[dir] >= 0 ? p.tcpSeq === ns[dir] : p.tcpSeq === 0) { table.markForClose(s); return; }
    s.finState[dir] = FinState.FinAck;
  }
  if (f & TH_FIN) { c[F_FIN]++; s.finCount++; s.finState[dir] = FinState.Fin; }
  if ((f & (TH_FIN | TH_RST | TH_PUSH | TH_ACK)) === TH_ACK) {
    c[F_ACK]++;
    if (s.ackTimeUs < 0 && s.synTimeUs >= 0) s.ackTimeUs = tsUs;
  }
  // The client's first ACK may carry data (PSH): it validates the SYN-ACK all the same
  // (wireshark-smb-on-windows10.pcap, http-tcp-seq-issue.pcap).
  if ((f & TH_ACK) && !s.synAckValidated && s.synAckSeq >= 0 && dir === 0 && p.tcpAck === ((s.synAckSeq + 1) >>> 0)) s.synAckValidated = true;
  if (f & TH_PUSH) c[F_PSH]++;
  if (s.tcpParsingStopped) return;

  if (s.haveTcpSession && c[F_SYNACK] === 0 && ns[dir] < 0) {
    s.addTag('no-syn-ack');
    ns[dir] = p.tcpSeq;
  }
  if (s.tcpData.length > table.opts.maxTcpOutOfOrderPackets) {
    flushSinglePush(table, s);
    s.tcpData.length = 0;
    s.addTag('incomplete-tcp');
    s.tcpParsingStopped = true;
    return;
  }
  if (f & (TH_ACK | TH_RST)) {
    if (s.finState[o] === FinState.Fin) {
      s.finState[o] = FinState.FinAck;
      if (s.finState[dir] === FinState.FinAck) { table.markForClose(s); return; }
    }
  }
  if ((f & TH_ACK) && s.haveTcpSession && !(s.ackedUnseen & (1 << dir)) && ns[o] >= 0 &&
      seqDiff(p.tcpAck, ns[o]) > 1) {
    s.addTag(ACKED_UNSEEN_TAGS[dir]);
    s.ackedUnseen |= 1 << dir;
  }
  const len = p.payloadLen;
  if (len <= 0 || (f & TH_RST)) return;
  if (s.haveTcpSession && ns[dir] >= 0 && seqDiff((p.tcpSeq + len) >>> 0, ns[dir]) <= 0) return; // old bytes

  const q = s.tcpData;
  if (q.length === 0 && ns[dir] >= 0) {
    const d = seqDiff(ns[dir], p.tcpSeq);
    if (d >= 0 && d < len) {
      // The next expected bytes and nothing queued: deliver in place.
      deliverStream(table, s, dir, p.buf, p.payloadOff + d, len - d);
      ns[dir] = (ns[dir] + len - d) >>> 0;
      return;
    }
  }
  const seg: TcpSegment = { dir, seq: p.tcpSeq, ack: p.tcpAck, data: p.buf.slice(p.payloadOff, p.payloadOff + len) };
  if (q.length === 0) q.push(seg);
  else {
    let i = q.length - 1;
    for (; i >= 0; i--) {
      const e = q[i];
      const d = seqDiff(p.tcpSeq, e.dir === dir ? e.seq : e.ack);
      if (d === 0) {
        if (e.dir === dir) {
          if (len > e.data.length) q[i] = seg;
          break;
        }
        if (seqDiff(e.seq, p.tcpAck) < 0) { q.splice(i + 1, 0, seg); break; }
      } else if (d > 0) { q.splice(i + 1, 0, seg); break; }
    }
    if (i < 0) q.unshift(seg);
    if (s.haveTcpSession && !(s.outOfOrder & (1 << dir))) {
      s.addTag(OUT_OF_ORDER_TAGS[dir]);
      s.outOfOrder |= 1 << dir;
    }
  }
  drainTcp(table, s);
}

/** Deliver from the head of the segment list while the head holds the next expected byte. */
function drainTcp(table: SessionTable, s: Session): void {
  const q = s.tcpData;
  while (q.length) {
    const e = q[0];
    const ns = s.nextSeq;
    if (ns[e.dir] < 0) return;
    const d = seqDiff(ns[e.dir], e.seq);
    if (d < 0) return;
    q.shift();
    if (d >= e.data.length) continue;
    deliverStream(table, s, e.dir, e.data, d, e.data.length - d);
    ns[e.dir] = (ns[e.dir] + e.data.length - d) >>> 0;
  }
}

/** Arkime's tcp_session_free: a lone undelivered segment of a one-PSH session still gets parsed. */
export function flushSinglePush(table: SessionTable, s: Session): void {
  if (s.tcpData.length !== 1 || s.tcpFlagCnt[F_PSH] !== 1 || s.tcpParsingStopped) return;
  const e = s.tcpData[0];
  s.tcpData.length = 0;
  s.classified[e.dir] = false;
  deliver(table.opts.classifiers, s, e.dir, e.data, 0, e.data.length, true, false);
}

function deliverStream(table: SessionTable, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  s.dataBytes[dir] += len;
  if (s.tcpParsingStopped) return;
  deliver(table.opts.classifiers, s, dir, buf, off, len, true, true);
}

export function deliverDatagram(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  deliver(cl, s, dir, buf, off, len, false, true);
}

function deliver(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number, stream: boolean,
  firstBytes: boolean): void {
  // TCP gathers the first 8 stream bytes across segments; UDP/SCTP take the first datagram's.
  const p8 = s.payload8[dir];
  if (!firstBytes) { /* Arkime's close-time flush records no payload8 */ }
  else if (p8 === undefined) s.payload8[dir] = hex8(buf, off, len, 8);
  else if (stream && p8.length < 16) s.payload8[dir] = p8 + hex8(buf, off, len, 8 - p8.length / 2);
  if (!s.classified[dir] && (stream || len >= 2)) {
    s.classified[dir] = true;
    const t = cl.forProtocol(s.ipProtocol);
    if (t) {
      t.candidates(s.srcPort, s.dstPort, buf, off, len, scratch);
      for (let i = 0; i < scratch.length; i++) {
        const parser = scratch[i];
        let st: unknown;
        try { st = parser.classify(s, dir, buf, off, len); } catch { parserErrors.count++; st = undefined; }
        if (st !== undefined && st !== true && parser.parse) s.attach(parser, st);
      }
      scratch.length = 0;
    }
  }
  const ps = s.parsers;
  for (let i = 0; i < ps.length; i++) {
    const a = ps[i];
    if (a.done || !a.parser.parse) continue;
    let b = buf, o = off, l = len;
    const pend = a.pending[dir];
    if (stream && pend) {
      const m = new Uint8Array(pend.length + len);
      m.set(pend); m.set(buf.subarray(off, off + len), pend.length);
      b = m; o = 0; l = m.length;
      a.pending[dir] = undefined;
    }
    let r: number;
    try { r = a.parser.parse(a.state, s, dir, b, o, l); } catch { r = PARSE_ERROR; }
    if (r === PARSE_ERROR) { parserDone(a); parserErrors.count++; continue; }
    if (r === PARSE_DONE) { parserDone(a); continue; }
    if (stream && r < l) {
      if (l - r > MAX_PENDING) { parserDone(a); parserErrors.count++; continue; }
      a.pending[dir] = b.slice(o + r, o + l);
    }
  }
}

/** A parser that is done parses nothing more: its unconsumed bytes can go (its state stays for save). */
function parserDone(a: AttachedParser): void {
  a.done = true;
  a.pending[0] = a.pending[1] = undefined;
}

export function finishParsers(s: Session, final: boolean): void {
  for (const a of s.parsers) {
    if (!a.parser.save) continue;
    try { a.parser.save(a.state, s, final); } catch { parserErrors.count++; }
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
function hex8(buf: Uint8Array, off: number, len: number, max: number): string {
  let s = '';
  const n = Math.min(max, len);
  for (let i = 0; i < n; i++) s += HEX[buf[off + i]];
  return s;
}
