// IPv4 fragment reassembly. Fragments are rare, so they may allocate: each piece is copied
// until the datagram is whole, then the frame is rebuilt and decoded again.
import { DecodedPacket } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';

interface Pending {
  pieces: { off: number; data: Uint8Array }[];
  header: Uint8Array | undefined; // frame bytes up to the end of the IP header of fragment 0
  ipOffInHeader: number;
  total: number;                  // payload length once the last fragment arrived, else -1
  firstUs: number;
  wireLen: number;
}

const MAX_PENDING = 10000;
const TIMEOUT_US = 480e6; // fragsTimeout

export class FragmentAssembler {
  private readonly pending = new Map<string, Pending>();
  dropped = 0;

  /**
   * Add the fragment described by `p`. When it completes a datagram, `p` is re-decoded over
   * the rebuilt frame and true is returned.
   */
  add(p: DecodedPacket): boolean {
    if (p.ipVersion !== 4) return false;
    const b = p.buf, o = p.ipOff;
    const key = `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}>${b[o + 16]}.${b[o + 17]}.${b[o + 18]}.${b[o + 19]}/${(b[o + 4] << 8) | b[o + 5]}/${b[o + 9]}`;
    const nowUs = p.tsSec * 1e6 + p.tsUsec;
    let f = this.pending.get(key);
    if (f && nowUs - f.firstUs > TIMEOUT_US) { this.pending.delete(key); f = undefined; }
    if (!f) {
      if (this.pending.size >= MAX_PENDING) { this.dropped++; return false; }
      f = { pieces: [], header: undefined, ipOffInHeader: 0, total: -1, firstUs: nowUs, wireLen: 0 };
      this.pending.set(key, f);
    }
    const flags = (b[o + 6] << 8) | b[o + 7];
    const fragOff = (flags & 0x1fff) * 8;
    const more = (flags & 0x2000) !== 0;
    const hl = p.ipHdrLen;
    const dataStart = o + hl, dataEnd = o + p.ipTotalLen;
    f.wireLen += p.wireLen;
    if (dataEnd > dataStart) f.pieces.push({ off: fragOff, data: b.slice(dataStart, dataEnd) });
    if (fragOff === 0) { f.header = b.slice(p.frameOff, dataStart); f.ipOffInHeader = o - p.frameOff; }
    if (!more) f.total = fragOff + (dataEnd - dataStart);
    if (f.total < 0 || !f.header) return false;
    // Whole when the pieces cover [0, total).
    f.pieces.sort((x, y) => x.off - y.off);
    let covered = 0;
    for (const pc of f.pieces) { if (pc.off > covered) return false; covered = Math.max(covered, pc.off + pc.data.length); }
    if (covered < f.total) return false;
    this.pending.delete(key);
    const frame = new Uint8Array(f.header.length + f.total);
    frame.set(f.header);
    for (const pc of f.pieces) frame.set(pc.data.subarray(0, Math.max(0, Math.min(pc.data.length, f.total - pc.off))), f.header.length + pc.off);
    const ip = f.ipOffInHeader;
    const tl = f.header.length - ip + f.total;
    frame[ip + 2] = tl >> 8; frame[ip + 3] = tl & 0xff;
    frame[ip + 6] = 0; frame[ip + 7] = 0;
    const { tsSec, tsUsec, filePos, linkType } = p;
    decodePacket(p, frame, 0, frame.length, linkType);
    p.tsSec = tsSec; p.tsUsec = tsUsec; p.filePos = filePos; p.wireLen = f.wireLen;
    return true;
  }
}
