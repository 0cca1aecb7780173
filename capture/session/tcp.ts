// TCP per-packet work: flag counters, handshake validation, and reassembly that hands each
// direction's bytes to the parsers in order. UDP/SCTP datagrams go to the parsers as they come.
import { DecodedPacket, TH_ACK, TH_CWR, TH_ECE, TH_FIN, TH_PUSH, TH_RST, TH_SYN, TH_URG, TH_AE } from '../decode/packet.js';
import { PARSE_DONE, PARSE_ERROR, type Dir } from '../parsers/api.js';
import type { Classifiers } from '../parsers/classify.js';
import type { Session } from './session.js';
import type { SessionTable } from './session-table.js';

const F_SYN = 0, F_SYNACK = 1, F_ACK = 2, F_PSH = 3, F_FIN = 4, F_RST = 5, F_URG = 6, F_ECE = 7,
  F_CWR = 8, F_AE = 9, F_SRCZERO = 10, F_DSTZERO = 11;
export const TCP_FLAG_NAMES = ['syn', 'syn-ack', 'ack', 'psh', 'fin', 'rst', 'urg', 'ece', 'cwr', 'ae', 'srcZero', 'dstZero'];

const MAX_PENDING = 65536;
const scratch: import('../parsers/api.js').ProtocolParser<any>[] = [];
export const parserErrors = { count: 0 };

function seqDiff(a: number, b: number): number { return (a - b) | 0; } // wrap-aware a - b

export function processTcp(table: SessionTable, s: Session, p: DecodedPacket, dir: Dir, tsUs: number): void {
  const f = p.tcpFlags;
  const c = s.tcpFlagCnt;
  if (f & TH_SYN) {
    if (f & TH_ACK) {
      c[F_SYNACK]++;
      if (s.synAckSeq < 0) {
        s.synAckSeq = p.tcpSeq;
        if (s.synSeq >= 0 && p.tcpAck === ((s.synSeq + 1) >>> 0)) s.synValidated = true;
      }
      if (s.tcp[dir].nextSeq < 0) s.tcp[dir].nextSeq = (p.tcpSeq + 1) >>> 0;
      if (s.tcp[dir ^ 1].nextSeq < 0) s.tcp[dir ^ 1].nextSeq = p.tcpAck;
    } else {
      c[F_SYN]++;
      if (s.synSeq < 0) { s.synSeq = p.tcpSeq; s.tcpSeqSrc = p.tcpSeq; }
      if (s.synTimeUs < 0) s.synTimeUs = tsUs;
      (s.isns ??= new Set()).add(p.tcpSeq);
      s.tcp[dir].nextSeq = (p.tcpSeq + 1) >>> 0;
    }
  } else if ((f & (TH_FIN | TH_RST | TH_PUSH | TH_ACK)) === TH_ACK) {
    c[F_ACK]++;
    if (s.ackTimeUs < 0 && s.synTimeUs >= 0) s.ackTimeUs = tsUs;
    if (!s.synAckValidated && s.synAckSeq >= 0 && dir === 0 && p.tcpAck === ((s.synAckSeq + 1) >>> 0)) s.synAckValidated = true;
  }
  if (f & TH_PUSH) c[F_PSH]++;
  if (f & TH_FIN) { c[F_FIN]++; s.finCount++; }
  if (f & TH_RST) { c[F_RST]++; s.rstSeen = true; s.closing = true; }
  if (f & TH_URG) c[F_URG]++;
  if (f & TH_ECE) c[F_ECE]++;
  if (f & TH_CWR) c[F_CWR]++;
  if (f & TH_AE) c[F_AE]++;
  if (p.tcpWin === 0 && !(f & TH_RST)) c[dir === 0 ? F_SRCZERO : F_DSTZERO]++;
  if (s.finCount >= 2) s.closing = true; // both FINs or a RST: tcpClosingTimeout applies

  const len = p.payloadLen;
  if (len <= 0) return;
  const st = s.tcp[dir];
  if (st.nextSeq < 0) {
    // No SYN seen for this direction: start from the first data we see.
    st.nextSeq = p.tcpSeq;
    if (!s.tags.has('no-syn-ack') && s.synAckSeq < 0 && s.synSeq < 0) s.addTag('no-syn-ack');
  }
  const d = seqDiff(p.tcpSeq, st.nextSeq);
  if (d > 0) {
    // Gap before this segment: keep a copy until the gap fills.
    if (s.tcpParsingStopped) return;
    if (st.queue.length >= table.opts.maxTcpOutOfOrderPackets) {
      s.tcpParsingStopped = true;
      s.addTag('incomplete-tcp');
      st.queue.length = 0;
      return;
    }
    const data = p.buf.slice(p.payloadOff, p.payloadOff + len);
    let i = st.queue.length;
    while (i > 0 && seqDiff(st.queue[i - 1].seq, p.tcpSeq) > 0) i--;
    st.queue.splice(i, 0, { seq: p.tcpSeq, data });
    return;
  }
  if (d + len <= 0) return; // retransmission of bytes already delivered
  const skip = -d;
  deliverStream(table, s, dir, p.buf, p.payloadOff + skip, len - skip);
  st.nextSeq = (st.nextSeq + len - skip) >>> 0;
  // Drain queued segments the new bytes made contiguous.
  while (st.queue.length) {
    const q = st.queue[0];
    const qd = seqDiff(q.seq, st.nextSeq);
    if (qd > 0) break;
    st.queue.shift();
    if (qd + q.data.length <= 0) continue;
    deliverStream(table, s, dir, q.data, -qd, q.data.length + qd);
    st.nextSeq = (st.nextSeq + q.data.length + qd) >>> 0;
  }
}

function deliverStream(table: SessionTable, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  s.dataBytes[dir] += len;
  if (s.tcpParsingStopped) return;
  deliver(table.opts.classifiers, s, dir, buf, off, len, true);
}

export function deliverDatagram(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  deliver(cl, s, dir, buf, off, len, false);
}

function deliver(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number, stream: boolean): void {
  if (s.payload8[dir] === undefined) s.payload8[dir] = hex8(buf, off, len);
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
    if (r === PARSE_ERROR) { a.done = true; parserErrors.count++; continue; }
    if (r === PARSE_DONE) { a.done = true; continue; }
    if (stream && r < l) {
      if (l - r > MAX_PENDING) { a.done = true; parserErrors.count++; continue; }
      a.pending[dir] = b.slice(o + r, o + l);
    }
  }
}

export function finishParsers(s: Session, final: boolean): void {
  for (const a of s.parsers) {
    if (!a.parser.save) continue;
    try { a.parser.save(a.state, s, final); } catch { parserErrors.count++; }
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));
function hex8(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  const n = Math.min(8, len);
  for (let i = 0; i < n; i++) s += HEX[buf[off + i]];
  return s;
}
