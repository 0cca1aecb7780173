// Entry point of the decoder chain for one captured frame.
import { DecodedPacket, PacketKind } from './packet.js';
import { decodeLink } from './link.js';
import { resetDecodeDepth } from './ip.js';

/** Decode the frame at buf[off, off+capLen) of `linkType` into `p` (reused). */
export function decodePacket(p: DecodedPacket, buf: Uint8Array, off: number, capLen: number, linkType: number): PacketKind {
  p.reset();
  p.buf = buf;
  p.frameOff = off;
  p.capLen = capLen;
  p.linkType = linkType;
  resetDecodeDepth();
  const k = decodeLink(p, buf, off, off + capLen, linkType);
  p.kind = k;
  return k;
}
