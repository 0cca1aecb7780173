// Test support for anonymisation: a capture with every kind of address Packrat rewrites (IPv4
// TCP/UDP/ICMP and an ICMP error quoting a datagram, 802.1Q and QinQ tags, ARP, IPv6 UDP/TCP,
// ICMPv6 echo, neighbour solicitation and an error quoting a packet, IP-in-IP and GRE tunnels,
// DNS A and AAAA answers) and no address in any other payload, so a byte search for an original
// address finds only what anonymisation missed; and tshark as the judge of checksums and of the
// addresses it decodes.
import { execFileSync } from 'node:child_process';
import { csum, dnsAnswerA, endpoint, etherFrame, ipv4Frame, tcpConversation, udpDatagram, type Endpoint, type Frame } from '../../capture/synth/traffic.js';
import { ipToBytes } from '../../db/fields/columns.js';

export const V4 = ['192.0.2.10', '192.0.2.77', '198.51.100.5', '203.0.113.9', '192.0.2.200', '198.51.100.44'];
export const V6 = ['2001:db8::10', '2001:db8:1::77', '2001:db8:ffff::5'];
const MAC_A = [0x00, 0x1b, 0x21, 0x0a, 0x0b, 0x01], MAC_B = [0x00, 0x50, 0x56, 0x0a, 0x0b, 0x02];

function put16(b: Uint8Array, o: number, v: number): void { b[o] = v >> 8; b[o + 1] = v & 0xff; }

/** An Ethernet/IPv6 frame carrying `l4` (checksum at `csOff` in it filled over the pseudo-header). */
export function ipv6Frame(src: string, dst: string, next: number, l4: Uint8Array, csOff: number): Uint8Array {
  const f = new Uint8Array(14 + 40 + l4.length);
  f.set(MAC_B, 0); f.set(MAC_A, 6); put16(f, 12, 0x86dd);
  const ip = 14;
  f[ip] = 0x60; put16(f, ip + 4, l4.length); f[ip + 6] = next; f[ip + 7] = 64;
  f.set(ipToBytes(src)!, ip + 8); f.set(ipToBytes(dst)!, ip + 24);
  f.set(l4, ip + 40);
  let ph = 0;
  for (let i = 0; i < 32; i += 2) ph += (f[ip + 8 + i] << 8) | f[ip + 9 + i];
  ph += l4.length + next;
  put16(f, ip + 40 + csOff, csum(f, ip + 40, l4.length, ph));
  return f;
}

function icmp(type: number, code: number, rest: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + rest.length);
  m[0] = type; m[1] = code; m[5] = 7; m.set(rest, 8);
  put16(m, 2, csum(m, 0, m.length));
  return m;
}

function arp(op: number, sha: number[], spa: string, tha: number[], tpa: string): Uint8Array {
  const a = new Uint8Array(28);
  put16(a, 0, 1); put16(a, 2, 0x0800); a[4] = 6; a[5] = 4; put16(a, 6, op);
  a.set(sha, 8); a.set(ipToBytes(spa)!.subarray(12), 14); a.set(tha, 18); a.set(ipToBytes(tpa)!.subarray(12), 24);
  return a;
}

const text = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

/** The frames (Ethernet), in time order. */
export function anonTraffic(startUs = 1_763_700_000_000_000): Frame[] {
  const out: Frame[] = [];
  let t = startUs;
  const add = (data: Uint8Array) => out.push({ tsUs: (t += 1000), data });
  const ep = (i: number, port: number, side: 'client' | 'server' = 'client'): Endpoint => endpoint(V4[i], port, side);
  for (let i = 0; i < 3; i++) {
    const req = text(`GET /x/${i} HTTP/1.1\r\nHost: www.example.com\r\n\r\n`), res = text('HTTP/1.1 204 No Content\r\n\r\n');
    for (const f of tcpConversation(ep(i, 41000 + i), ep(3 + i, 80, 'server'), (t += 10_000), req, res)) add(f.data);
  }
  // UDP in an 802.1Q tag and in QinQ (802.1ad outer tag)
  const u = ipv4Frame(ep(0, 5353), ep(4, 9999, 'server'), 17, udpDatagram(5353, 9999, text('hello udp')), 64, 100);
  add(u);
  add(Uint8Array.from([...u.subarray(0, 12), 0x88, 0xa8, 0x00, 0xc8, ...u.subarray(12)]));
  // ICMP echo, and a port unreachable quoting the UDP datagram (its IP header and 8 bytes)
  add(ipv4Frame(ep(1, 0), ep(2, 0, 'server'), 1, icmp(8, 0, text('ping-payload-0123'))));
  const quoted = ipv4Frame(ep(1, 7000), ep(2, 53, 'server'), 17, udpDatagram(7000, 53, text('q'))).subarray(14, 14 + 28);
  add(ipv4Frame(ep(2, 0, 'server'), ep(1, 0), 1, icmp(3, 3, quoted)));
  // tunnels: IPv4 in IPv4, and IPv4 in GRE, each carrying a UDP datagram between other addresses
  const innerUdp = ipv4Frame(ep(5, 1111), ep(3, 2222, 'server'), 17, udpDatagram(1111, 2222, text('tunnelled'))).subarray(14);
  add(ipv4Frame(ep(0, 0), ep(1, 0, 'server'), 4, innerUdp));
  add(ipv4Frame(ep(2, 0), ep(4, 0, 'server'), 47, Uint8Array.from([0, 0, 0x08, 0x00, ...innerUdp])));
  const gre = Uint8Array.from([0x80, 0, 0x08, 0x00, 0, 0, 0, 0, ...innerUdp]); // with the GRE checksum
  put16(gre, 4, csum(gre, 0, gre.length));
  add(ipv4Frame(ep(4, 0), ep(2, 0, 'server'), 47, gre));
  // DNS answers: an A record (IPv4 over UDP), an AAAA record (over IPv6), the address at an odd offset
  const a = dnsAnswerA(0x1234, 'www.example.com', [...ipToBytes(V4[3])!.subarray(12)]);
  add(ipv4Frame(ep(2, 53, 'server'), ep(0, 33333), 17, udpDatagram(53, 33333, a)));
  const aaaa = Uint8Array.from([...dnsAnswerA(0x4321, 'v6.example.org', [0, 0, 0, 0]).subarray(0, -6), 0, 16, ...ipToBytes(V6[2])!]);
  aaaa[aaaa.length - 16 - 10 + 1] = 28; // TYPE AAAA
  add(ipv6Frame(V6[0], V6[1], 17, udpDatagram(53, 40001, aaaa), 6));
  // ARP request and reply
  add(etherFrame([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], MAC_A, 0x0806, arp(1, MAC_A, V4[0], [0, 0, 0, 0, 0, 0], V4[5])));
  add(etherFrame(MAC_A, MAC_B, 0x0806, arp(2, MAC_B, V4[5], MAC_A, V4[0])));
  // IPv6: UDP, TCP SYN, ICMPv6 echo, neighbour solicitation, destination unreachable quoting the UDP packet
  const u6 = udpDatagram(5000, 6000, text('hello v6'));
  const u6f = ipv6Frame(V6[0], V6[1], 17, u6, 6);
  add(u6f);
  const syn = new Uint8Array(20); put16(syn, 0, 40000); put16(syn, 2, 443); syn[12] = 0x50; syn[13] = 0x02; put16(syn, 14, 65535);
  add(ipv6Frame(V6[1], V6[2], 6, syn, 16));
  add(ipv6Frame(V6[0], V6[2], 58, icmp(128, 0, text('ping6')).fill(0, 2, 4), 2));
  const ns = new Uint8Array(24); ns[0] = 135; ns.set(ipToBytes(V6[2])!, 8);
  add(ipv6Frame(V6[0], V6[2], 58, ns, 2));
  const unreach = new Uint8Array(8 + 48); unreach[0] = 1; unreach[1] = 4; unreach.set(u6f.subarray(14, 14 + 48), 8);
  add(ipv6Frame(V6[1], V6[0], 58, unreach, 2));
  return out;
}

/** The same frames on another link type: Linux SLL (113) or raw IP (101); VLAN-tagged and ARP frames are left out. */
export function relink(frames: Frame[], linkType: 113 | 101): Frame[] {
  const out: Frame[] = [];
  for (const f of frames) {
    const type = (f.data[12] << 8) | f.data[13];
    if (type !== 0x0800 && type !== 0x86dd) continue;
    if (linkType === 101) { out.push({ tsUs: f.tsUs, data: f.data.slice(14) }); continue; }
    const d = new Uint8Array(16 + f.data.length - 14);
    put16(d, 2, 1); put16(d, 4, 6); d.set(f.data.subarray(6, 12), 6); put16(d, 14, type); d.set(f.data.subarray(14), 16);
    out.push({ tsUs: f.tsUs, data: d });
  }
  return out;
}

/** How often each address's bytes occur in `bytes` (any address found is named with its count). */
export function addressesIn(bytes: Uint8Array, v4 = V4, v6 = V6): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const found: string[] = [];
  for (const a of [...v4, ...v6]) {
    const b = ipToBytes(a)!;
    const needle = Buffer.from(a.includes(':') ? b : b.subarray(12));
    let n = 0;
    for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + 1)) n++;
    if (n) found.push(`${a} x${n}`);
  }
  return found;
}

/** tshark's verdict on every checksum it checks: how many good and bad, and the frames with a bad one. */
export function tsharkChecksums(pcap: string): { good: number; bad: number; badFrames: string[] } {
  const fields = ['ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'icmpv6.checksum.status', 'gre.checksum.status'];
  const out = execFileSync('tshark', ['-r', pcap, '-n', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
    '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', '-e', 'frame.number', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8' });
  let good = 0, bad = 0;
  const badFrames: string[] = [];
  for (const line of out.split('\n').filter(Boolean)) {
    const [frame, ...st] = line.split('\t');
    const vals = st.join(',').split(',').filter(Boolean);
    // 1 = good, 0 = bad, 2 = not verified
    good += vals.filter((v) => v === '1').length;
    const b = vals.filter((v) => v === '0').length;
    if (b) { bad += b; badFrames.push(frame); }
  }
  return { good, bad, badFrames };
}

/** The addresses tshark decodes, frame by frame: IPv4/IPv6 source and destination (all layers), ARP protocol addresses. */
export function tsharkAddresses(pcap: string): string[] {
  const fields = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4', 'icmpv6.nd.ns.target_address', 'dns.a', 'dns.aaaa'];
  return execFileSync('tshark', ['-r', pcap, '-n', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8' }).split('\n').filter(Boolean);
}
