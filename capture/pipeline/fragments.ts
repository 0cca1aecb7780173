// IPv4 and IPv6 fragment reassembly. Fragments are rare, so they may allocate: each piece is
// copied until the datagram is whole, then the frame is rebuilt (for IPv6 without its fragment
// header) and decoded again.
import { DecodedPacket } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';

interface Pending {
  pieces: { off: number; data: Uint8Array }[];
  header: Uint8Array | undefined; // frame bytes up to the end of the IP header of fragment 0
  ipOffInHeader: number;
  /** IPv6: where, in `header`, the next-header byte that named the fragment header sits. */
  nextFieldInHeader: number;
  /** IPv6: the protocol after the fragment header. */
  nextProto: number;
  total: number;                  // payload length once the last fragment arrived, else -1
  firstUs: number;
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
    const b = p.buf, o = p.ipOff;
    let key: string, fragOff: number, more: boolean, dataStart: number, nextField = -1;
    if (p.ipVersion === 4) {
      key = `${b[o + 12]}.${b[o + 13]}.${b[o + 14]}.${b[o + 15]}>${b[o + 16]}.${b[o + 17]}.${b[o + 18]}.${b[o + 19]}/${(b[o + 4] << 8) | b[o + 5]}/${b[o + 9]}`;
      const flags = (b[o + 6] << 8) | b[o + 7];
      fragOff = (flags & 0x1fff) * 8;
      more = (flags & 0x2000) !== 0;
      dataStart = o + p.ipHdrLen;
    } else if (p.ipVersion === 6) {
      // The decoder stopped right after the fragment header: ipHdrLen ends there.
      const fh = o + p.ipHdrLen - 8;
      nextField = o + 6;
      for (let x = o + 40; x < fh;) { nextField = x; x += (b[x + 1] + 1) * 8; }
      key = `${Buffer.from(b.buffer, b.byteOffset + o + 8, 32).toString('hex')}/${(b[fh + 4] << 24 | b[fh + 5] << 16 | b[fh + 6] << 8 | b[fh + 7]) >>> 0}`;
      const v = (b[fh + 2] << 8) | b[fh + 3];
      fragOff = v & 0xfff8;
      more = (v & 1) !== 0;
      dataStart = fh + 8;
    } else {
      return false;
    }
    const nowUs = p.tsSec * 1e6 + p.tsUsec;
    let f = this.pending.get(key);
    if (f && nowUs - f.firstUs > TIMEOUT_US) { this.pending.delete(key); f = undefined; }
    if (!f) {
      if (this.pending.size >= MAX_PENDING) { this.dropped++; return false; }
      f = { pieces: [], header: undefined, ipOffInHeader: 0, nextFieldInHeader: -1, nextProto: 0, total: -1, firstUs: nowUs };
      this.pending.set(key, f);
    }
    const dataEnd = o + p.ipTotalLen;
    if (dataEnd > dataStart) f.pieces.push({ off: fragOff, data: b.slice(dataStart, dataEnd) });
    if (fragOff === 0) {
      // IPv6 keeps the unfragmentable part and drops the fragment header itself.
      f.header = b.slice(p.frameOff, p.ipVersion === 6 ? dataStart - 8 : dataStart);
      f.ipOffInHeader = o - p.frameOff;
      if (nextField >= 0) { f.nextFieldInHeader = nextField - p.frameOff; f.nextProto = p.ipProtocol; }
    }
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
    if (f.nextFieldInHeader >= 0) {
      const plen = f.header.length - ip - 40 + f.total;
      frame[ip + 4] = plen >> 8; frame[ip + 5] = plen & 0xff;
      frame[f.nextFieldInHeader] = f.nextProto;
    } else {
      const tl = f.header.length - ip + f.total;
      frame[ip + 2] = tl >> 8; frame[ip + 3] = tl & 0xff;
      frame[ip + 6] = 0; frame[ip + 7] = 0;
    }
    const { tsSec, tsUsec, filePos, linkType } = p;
    decodePacket(p, frame, 0, frame.length, linkType);
    // Arkime counts the reassembled packet once, at its own length (socks5-http-302-frag.pcap).
    p.tsSec = tsSec; p.tsUsec = tsUsec; p.filePos = filePos; p.wireLen = frame.length;
    return true;
  }
}
