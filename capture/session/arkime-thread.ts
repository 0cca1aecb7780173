// Which of `packetThreads` packet threads Arkime would give a packet's session: its session id
// (session.c arkime_session_id/_id6: [len][vlan or vni, 3 bytes][lower address][higher
// address][their ports], the order chosen by comparing the addresses as the C code does) hashed
// with its MurmurHash1-style arkime_session_hash, modulo the thread count. Each Arkime thread
// ages its sessions against the newest packet *it* has seen, so which sessions share a clock
// decides, after a jump in packet time, whether a session is mid-saved before its idle save.
// Arkime salts the hash with the start time; with two threads only the parity counts, and
// swapping the two threads changes nothing, so the split is the one Arkime makes.
import { type DecodedPacket, PacketKind } from '../decode/packet.js';
import { buildKey, hashKey, isSingleSessionProto, KEY_LEN, type KeyOptions } from './flow-key.js';
import { buildDhcpKey } from './dhcp-session.js';

const scratch = new Uint8Array(40);
const words = new DataView(scratch.buffer);
const keyScratch = new Uint8Array(KEY_LEN);

export function arkimeThreadOf(p: DecodedPacket, threads: number, opts: KeyOptions): number {
  if (threads <= 1) return 0;
  // Sessions not keyed by their address pair (non-IP, IGMP/PIM, DHCP by client MAC) stay whole
  // on the thread of their own key.
  if (p.ipVersion !== 4 && p.ipVersion !== 6 || (p.kind === PacketKind.UnknownIp && isSingleSessionProto(p.ipProtocol))) {
    buildKey(p, keyScratch, opts);
    return hashKey(keyScratch) % threads;
  }
  // buildDhcpKey writes the whole key when the datagram is DHCP.
  if (p.ipProtocol === 17 && p.kind === PacketKind.Ok && buildDhcpKey(p, keyScratch)) return hashKey(keyScratch) % threads;
  const b = p.buf;
  const v4 = p.ipVersion === 4;
  const len = v4 ? 16 : 40;
  scratch.fill(0, 0, len);
  scratch[0] = len;
  if (opts.trackVni && p.vni > 0) {
    const t = opts.collapse.get(p.vni) ?? p.vni;
    scratch[1] = t & 0xff; scratch[2] = (t >> 8) & 0xff; scratch[3] = (t >> 16) & 0xff;
  } else if (opts.trackVlan && p.vlan) {
    const t = opts.collapse.get(p.vlan) ?? p.vlan;
    scratch[2] = t & 0xff; scratch[3] = (t >> 8) & 0xff;
  }
  const ports = p.kind === PacketKind.Ok && (p.ipProtocol === 6 || p.ipProtocol === 17 || p.ipProtocol === 132);
  const sp = ports ? p.srcPort : 0, dp = ports ? p.dstPort : 0;
  const alen = v4 ? 4 : 16;
  let cmp = 0;
  if (v4) {
    // `addr1 < addr2` on the addresses as stored (network order) read as little-endian words.
    const s = (b[p.srcAddrOff] | (b[p.srcAddrOff + 1] << 8) | (b[p.srcAddrOff + 2] << 16) | (b[p.srcAddrOff + 3] << 24)) >>> 0;
    const d = (b[p.dstAddrOff] | (b[p.dstAddrOff + 1] << 8) | (b[p.dstAddrOff + 2] << 16) | (b[p.dstAddrOff + 3] << 24)) >>> 0;
    cmp = s < d ? -1 : s > d ? 1 : 0;
  } else {
    for (let i = 0; i < 16 && cmp === 0; i++) cmp = b[p.srcAddrOff + i] - b[p.dstAddrOff + i];
  }
  const srcFirst = cmp < 0 || (cmp === 0 && sp < dp);
  const first = srcFirst ? p.srcAddrOff : p.dstAddrOff, second = srcFirst ? p.dstAddrOff : p.srcAddrOff;
  const p1 = srcFirst ? sp : dp, p2 = srcFirst ? dp : sp;
  for (let i = 0; i < alen; i++) { scratch[4 + i] = b[first + i]; scratch[4 + alen + i] = b[second + i]; }
  const po = 4 + 2 * alen;
  scratch[po] = p1 >> 8; scratch[po + 1] = p1 & 0xff; scratch[po + 2] = p2 >> 8; scratch[po + 3] = p2 & 0xff;
  let h = 0;
  for (let o = 0; o < len; o += 4) {
    h = Math.imul((h + words.getUint32(o, true)) >>> 0, 0xc6a4a793) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return h % threads;
}
