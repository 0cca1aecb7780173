// SCTP per-packet work, as Arkime's sctp.c: walk the chunks, follow each direction's TSN, and
// hand the user data of complete DATA messages (B..E fragments joined) to the classifiers and
// parsers. Duplicate and out-of-order TSNs are dropped; INIT/INIT-ACK set the first TSN.
import type { Dir } from '../parsers/api.js';
import type { Classifiers } from '../parsers/classify.js';
import type { Session } from './session.js';
import { deliverDatagram } from './tcp.js';
import { sctpFields } from '../parsers/sctp-fields.js';

const FLAG_E = 0x01, FLAG_B = 0x02, FLAG_U = 0x04;
/** A fragmented message larger than this is abandoned (bounded memory per session). */
const MAX_MESSAGE = 65536;

/** Per-session SCTP state, made on the first DATA or INIT chunk. */
export class SctpState {
  readonly tsn = [0, 0];
  readonly tsnSet = [false, false];
  /** Fragments of the message being joined, per direction. */
  readonly parts: [Uint8Array[], Uint8Array[]] = [[], []];
  readonly partLen = [0, 0];
  /** Payload protocol id of the message being joined (its B chunk's), per direction. */
  readonly partProtoId = [0, 0];
}

function u32(b: Uint8Array, o: number): number { return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0; }

export function processSctp(cl: Classifiers, s: Session, dir: Dir, buf: Uint8Array, off: number, len: number): void {
  const end = off + len;
  let o = off;
  while (end - o >= 4) {
    const type = buf[o], flags = buf[o + 1], clen = (buf[o + 2] << 8) | buf[o + 3];
    if (clen < 4 || clen > end - o) return;
    const body = o + 4, bodyEnd = o + clen;
    if (type === 0 && clen >= 16) {
      const st = (s.sctp ??= new SctpState());
      const tsn = u32(buf, body);
      if (!st.tsnSet[dir]) { st.tsn[dir] = tsn; st.tsnSet[dir] = true; }
      if (tsn === st.tsn[dir]) {
        st.tsn[dir] = (tsn + 1) >>> 0;
        dataChunk(cl, s, st, dir, flags, u32(buf, body + 8), buf, body + 12, bodyEnd - body - 12);
      }
    } else if ((type === 1 || type === 2) && clen >= 20) {
      const st = (s.sctp ??= new SctpState());
      st.tsn[dir] = u32(buf, body + 12);
      st.tsnSet[dir] = true;
    }
    o += (clen + 3) & ~3; // chunks are padded to 4 bytes
  }
}

function dataChunk(cl: Classifiers, s: Session, st: SctpState, dir: Dir, flags: number, protoId: number,
  buf: Uint8Array, off: number, len: number): void {
  if ((flags & FLAG_U) || (flags & (FLAG_B | FLAG_E)) === (FLAG_B | FLAG_E)) {
    if (len > 0) deliverMessage(cl, s, dir, protoId, buf, off, len);
    return;
  }
  const parts = st.parts[dir];
  if (flags & FLAG_B) { parts.length = 0; st.partLen[dir] = 0; st.partProtoId[dir] = protoId; }
  else if (parts.length === 0) return; // middle or end without its start
  if (st.partLen[dir] + len > MAX_MESSAGE) { parts.length = 0; st.partLen[dir] = 0; return; }
  parts.push(buf.slice(off, off + len));
  st.partLen[dir] += len;
  if (!(flags & FLAG_E)) return;
  const msg = new Uint8Array(st.partLen[dir]);
  let p = 0;
  for (const part of parts) { msg.set(part, p); p += part.length; }
  parts.length = 0; st.partLen[dir] = 0;
  if (msg.length > 0) deliverMessage(cl, s, dir, st.partProtoId[dir], msg, 0, msg.length);
}

/** Arkime records the protocol id of the first message each direction delivers (with its first bytes). */
function deliverMessage(cl: Classifiers, s: Session, dir: Dir, protoId: number, buf: Uint8Array, off: number, len: number): void {
  if (s.payload8[dir] === undefined) s.addInt(sctpFields.protoId, protoId);
  deliverDatagram(cl, s, dir, buf, off, len);
}
