// SCTP per-packet work, as Arkime's sctp.c: walk the chunks, follow each direction's TSN, and
// hand the user data of complete DATA messages to the classifiers and parsers. INIT/INIT-ACK set
// the first TSN. The chunk with the expected TSN advances it, and an unfragmented (or unordered)
// one is delivered at once; an older TSN is a duplicate and dropped; fragments, and chunks ahead
// of the expected TSN, wait in a per-direction list sorted by TSN. A stream's message is sent
// when that list holds its B fragment followed (in TSN order, that stream only) by an E fragment;
// a gap in between does not hold it back (arkime_synthetic: B at TSN 10 and E at 12 with
// another stream's chunk at 11 make "AAAABBBB"). A waiting chunk that is B and E at once is
// never sent from the list, as in Arkime.
import type { Dir } from '../parsers/api.js';
import type { Classifiers } from '../parsers/classify.js';
import type { Session } from './session.js';
import { deliverDatagram } from './tcp.js';
import { sctpFields } from '../parsers/sctp-fields.js';

const FLAG_E = 0x01, FLAG_B = 0x02, FLAG_U = 0x04;
/** Bytes a direction's waiting chunks may hold; past it the oldest are dropped (bounded memory). */
const MAX_WAITING = 65536;

/** A DATA chunk waiting for the rest of its message. */
interface WaitingChunk { tsn: number; stream: number; flags: number; protoId: number; data: Uint8Array }

/** Per-session SCTP state, made on the first DATA or INIT chunk. */
export class SctpState {
  readonly tsn = [0, 0];
  readonly tsnSet = [false, false];
  /** Chunks waiting per direction, in TSN order. */
  readonly waiting: [WaitingChunk[], WaitingChunk[]] = [[], []];
  readonly waitingBytes = [0, 0];
}

function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }

/** Serial-number order of TSNs (RFC 1982): a before b. */
const tsnBefore = (a: number, b: number) => a !== b && ((a - b) >>> 0) > 0x80000000;

export function processSctp(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  const end = off + len;
  let o = off;
  while (end - o >= 4) {
    const type = buf[o], flags = buf[o + 1], clen = (buf[o + 2] << 8) | buf[o + 3];
    if (clen < 4 || clen > end - o) return;
    const body = o + 4, bodyEnd = o + clen;
    if (type === 0 && clen >= 16) {
      const st = (s.sctp ??= new SctpState());
      const tsn = u32(buf, body), stream = (buf[body + 4] << 8) | buf[body + 5], protoId = u32(buf, body + 8);
      if (!st.tsnSet[dir]) { st.tsn[dir] = tsn; st.tsnSet[dir] = true; }
      const dataOff = body + 12, dataLen = bodyEnd - body - 12;
      if (!tsnBefore(tsn, st.tsn[dir])) { // an older TSN is a duplicate
        const inOrder = tsn === st.tsn[dir];
        if (inOrder) st.tsn[dir] = (tsn + 1) >>> 0;
        if (inOrder && ((flags & FLAG_U) || (flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E))) {
          if (dataLen > 0) deliverMessage(cl, s, dir, protoId, buf, dataOff, dataLen);
        } else {
          wait(st, dir, { tsn, stream, flags, protoId, data: buf.slice(dataOff, dataOff + dataLen) });
          sendComplete(cl, s, st, dir, stream);
        }
      }
    } else if ((type === 1 || type === 2) && clen >= 20) {
      const st = (s.sctp ??= new SctpState());
      st.tsn[dir] = u32(buf, body + 12);
      st.tsnSet[dir] = true;
    }
    o += (clen + 3) & ~3; // chunks are padded to 4 bytes
  }
}

/** Adds a chunk to its direction's list in TSN order (a TSN already there is a duplicate). */
function wait(st: SctpState, dir: Dir, c: WaitingChunk): void {
  const list = st.waiting[dir];
  let i = list.length;
  while (i > 0 && tsnBefore(c.tsn, list[i - 1].tsn)) i--;
  if (i > 0 && list[i - 1].tsn === c.tsn) return;
  list.splice(i, 0, c);
  st.waitingBytes[dir] += c.data.length;
  while (st.waitingBytes[dir] > MAX_WAITING && list.length) st.waitingBytes[dir] -= list.shift()!.data.length;
}

/** Sends `stream`'s message when its waiting chunks run from a B fragment to an E fragment. */
function sendComplete(cl: Classifiers, s: Session, st: SctpState, dir: Dir, stream: number): void {
  const list = st.waiting[dir];
  let first = -1, last = -1, size = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c.stream !== stream) continue;
    if (first < 0) {
      if (!(c.flags & FLAG_B)) return; // its start is missing
      first = i; size = c.data.length;
      continue;
    }
    size += c.data.length;
    if (c.flags & FLAG_E) { last = i; break; }
  }
  if (last < 0) return;
  const msg = new Uint8Array(size);
  let p = 0;
  const protoId = list[first].protoId;
  for (let i = first; i <= last; i++) {
    const c = list[i];
    if (c.stream !== stream) continue;
    msg.set(c.data, p); p += c.data.length;
    st.waitingBytes[dir] -= c.data.length;
  }
  st.waiting[dir] = list.filter((c, i) => i < first || i > last || c.stream !== stream);
  if (msg.length > 0) deliverMessage(cl, s, dir, protoId, msg, 0, msg.length);
}

/** Arkime records the protocol id of the first message each direction delivers (with its first bytes). */
function deliverMessage(cl: Classifiers, s: Session, dir: Dir, protoId: number, buf: Uint8Array, off: number, len: number): void {
  if (s.payload8[dir] === undefined) s.addInt(sctpFields.protoId, protoId);
  deliverDatagram(cl, s, dir, buf, off, len);
}
