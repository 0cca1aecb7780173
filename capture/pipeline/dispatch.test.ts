import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodedHash, quickHash, splitBatch } from './dispatch.js';
import { ipv4Frame, tcpSegment, udpDatagram, type Endpoint } from '../synth/traffic.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_LINKTYPE, PacketBatch } from '../readers/types.js';

const c: Endpoint = { ip: [10, 1, 2, 3], port: 40000, mac: [0, 0x1b, 0x21, 1, 2, 3] };
const s: Endpoint = { ip: [93, 184, 216, 34], port: 80, mac: [0, 0x50, 0x56, 10, 11, 12] };

/** Ethernet + IPv6 + `next` header bytes (no checksums: the dispatcher never looks). */
function ipv6Frame(src: number, dst: number, next: number, l4: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 40 + l4.length);
  f[12] = 0x86; f[13] = 0xdd;
  f[14] = 0x60; f[18] = l4.length >> 8; f[19] = l4.length & 0xff; f[20] = next; f[21] = 64;
  f[22] = 0x20; f[23] = 0x01; f[37] = src;  // 2001::<src>
  f[38] = 0x20; f[39] = 0x01; f[53] = dst;  // 2001::<dst>
  f.set(l4, 54);
  return f;
}

const both = (f: Uint8Array) => ({ quick: quickHash(f, 0, f.length, 1), full: decodedHash(f, 0, f.length, 1) });

test('the quick hash equals the full decoder hash for common frames, in both directions', () => {
  const frames = [
    [ipv4Frame(c, s, 6, tcpSegment(40000, 80, 1, 0, 0x02)), ipv4Frame(s, c, 6, tcpSegment(80, 40000, 1, 2, 0x12))],
    [ipv4Frame(c, s, 17, udpDatagram(5353, 53, new Uint8Array(12))), ipv4Frame(s, c, 17, udpDatagram(53, 5353, new Uint8Array(12)))],
    [ipv4Frame(c, s, 6, tcpSegment(40000, 443, 1, 0, 0x02), 64, 100), ipv4Frame(s, c, 6, tcpSegment(443, 40000, 1, 2, 0x12), 60, 100)],
    [ipv6Frame(1, 2, 6, tcpSegment(40000, 80, 1, 0, 0x02)), ipv6Frame(2, 1, 6, tcpSegment(80, 40000, 1, 2, 0x12))],
    [ipv6Frame(1, 2, 17, udpDatagram(5353, 53, new Uint8Array(12))), ipv6Frame(2, 1, 17, udpDatagram(53, 5353, new Uint8Array(12)))],
  ];
  for (const [a, b] of frames) {
    const x = both(a), y = both(b);
    assert.ok(x.quick >= 0, 'common frame takes the quick path');
    assert.equal(x.quick, x.full);
    assert.equal(y.quick, x.quick, 'both directions hash alike');
  }
});

test('tunnels, fragments and other frames go to the full decoder', () => {
  const inner = ipv4Frame(c, s, 6, tcpSegment(40000, 80, 1, 0, 0x02));
  const vxlanPayload = new Uint8Array(8 + inner.length);
  vxlanPayload[0] = 0x08; vxlanPayload.set(inner, 8);
  const vxlan = ipv4Frame({ ...c, ip: [192, 168, 0, 1] }, { ...s, ip: [192, 168, 0, 2] }, 17, udpDatagram(50000, 4789, vxlanPayload));
  assert.equal(quickHash(vxlan, 0, vxlan.length, 1), -1);
  // the full decoder keys the tunnelled session by its inner addresses
  assert.equal(decodedHash(vxlan, 0, vxlan.length, 1), both(inner).full);

  const frag = ipv4Frame(c, s, 17, udpDatagram(1, 2, new Uint8Array(40)));
  frag[14 + 6] = 0x20; // more fragments
  assert.equal(quickHash(frag, 0, frag.length, 1), -1);
  const gre = ipv4Frame(c, s, 47, new Uint8Array(8));
  assert.equal(quickHash(gre, 0, gre.length, 1), -1);
  const arp = new Uint8Array(60); arp[12] = 0x08; arp[13] = 0x06;
  assert.equal(quickHash(arp, 0, arp.length, 1), -1);
  const ok = ipv4Frame(c, s, 6, tcpSegment(40000, 80, 1, 0, 0x02));
  assert.equal(quickHash(ok, 14, ok.length - 14, 101), -1, 'raw IP link type is left to the decoder');
  assert.equal(quickHash(ok, 0, 20, 1), -1, 'a frame cut inside the IP header');
});

test('splitBatch puts both directions of a session on one worker and counts every packet', () => {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 64; i++) {
    const a = { ...c, ip: [10, 0, i >> 4, i] as Endpoint['ip'] };
    frames.push(ipv4Frame(a, s, 6, tcpSegment(40000 + i, 80, 1, 0, 0x02)), ipv4Frame(s, a, 6, tcpSegment(80, 40000 + i, 1, 2, 0x12)));
  }
  const total = frames.reduce((n, f) => n + f.length, 0);
  const batch = new PacketBatch(new Uint8Array(total), frames.length);
  let off = 0;
  frames.forEach((f, i) => {
    batch.buf.set(f, off);
    batch.meta[i * META_STRIDE + M_DATA_OFF] = off;
    batch.meta[i * META_STRIDE + M_CAPLEN] = f.length;
    batch.meta[i * META_STRIDE + M_LINKTYPE] = 1;
    off += f.length;
  });
  batch.count = frames.length;
  const lists = [new Int32Array(frames.length), new Int32Array(frames.length)];
  const counts = new Int32Array(2);
  splitBatch(batch, lists, counts);
  assert.equal(counts[0] + counts[1], frames.length);
  assert.ok(counts[0] > 0 && counts[1] > 0, 'sessions spread over both workers');
  const owner = new Int32Array(frames.length).fill(-1);
  for (let w = 0; w < 2; w++) for (let j = 0; j < counts[w]; j++) owner[lists[w][j]] = w;
  for (let i = 0; i < frames.length; i += 2) assert.equal(owner[i], owner[i + 1], `session ${i / 2}`);
});
