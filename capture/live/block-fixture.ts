// Test fixture: TPACKET_V3 blocks built by hand.

/** A TPACKET_V3 block as the kernel lays it out: 48-byte block descriptor, then 48-byte headers. */
export function makeBlock(size: number, frames: { sec: number; nsec: number; data: number[]; wirelen?: number }[]): Uint8Array {
  const b = new Uint8Array(size);
  const v = new DataView(b.buffer);
  v.setUint32(0, 3, true);            // version
  v.setUint32(8, 1, true);            // TP_STATUS_USER
  v.setUint32(12, frames.length, true);
  v.setUint32(16, 48, true);          // offset_to_first_pkt
  let at = 48;
  frames.forEach((f, i) => {
    const mac = 82;
    const next = i === frames.length - 1 ? 0 : Math.ceil((mac + f.data.length) / 16) * 16;
    v.setUint32(at, next, true);
    v.setUint32(at + 4, f.sec, true);
    v.setUint32(at + 8, f.nsec, true);
    v.setUint32(at + 12, f.data.length, true);
    v.setUint32(at + 16, f.wirelen ?? f.data.length, true);
    v.setUint16(at + 24, mac, true);
    b.set(f.data, at + mac);
    at += next;
  });
  return b;
}
