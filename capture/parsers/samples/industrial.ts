// Samples for industrial protocols, SIP, MQTT and the hook parsers (ARP, IS-IS, OSPF, SCTP).
// Each builds its protocol's messages byte by byte as a real stack frames them (lengths,
// CRCs and checksums included) so the pcaps double as readable protocol examples.
import { createHash } from 'node:crypto';
import { endpoint, etherFrame, ipv4Frame, tcpDialog, udpDialog, type Endpoint, type Frame } from '../../synth/traffic.js';
import { at, type Sample } from './sample.js';

// ---------------------------------------------------------------------------------------------
// Byte helpers

type Part = Uint8Array | readonly number[] | string;

/** Concatenate byte arrays, number lists and latin1 strings. */
function cat(...parts: Part[]): Uint8Array {
  const bufs = parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p as Uint8Array)));
  return new Uint8Array(Buffer.concat(bufs));
}
const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));
const be16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
const be32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
/** Deterministic filler bytes (keys, signatures, ciphertext) from a seed. */
const filler = (seed: string, n: number) => {
  const out = new Uint8Array(n);
  for (let i = 0, block = 0; i < n; block++) {
    const h = createHash('sha256').update(`${seed}/${block}`).digest();
    for (let j = 0; j < h.length && i < n; j++) out[i++] = h[j];
  }
  return out;
};

/** ASN.1 DER: one TLV with a definite length. */
function der(tag: number, ...body: Part[]): Uint8Array {
  const b = cat(...body);
  const n = b.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return cat([tag], len, b);
}
/** Dotted OID to its DER content bytes. */
function oidBytes(dotted: string): number[] {
  const a = dotted.split('.').map(Number);
  const out = [a[0] * 40 + a[1]];
  for (const v of a.slice(2)) {
    const groups = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) groups.unshift(0x80 | (x & 0x7f));
    out.push(...groups);
  }
  return out;
}
const oid = (dotted: string) => der(0x06, oidBytes(dotted));

/** A self-signed RSA-2048 X.509 v3 certificate with a URI subjectAltName, as OPC UA apps carry. */
function selfSignedCert(cn: string, serial: number[], uri: string): Uint8Array {
  const name = der(0x30, der(0x31, der(0x30, oid('2.5.4.3'), der(0x0c, utf8(cn)))));
  const sigAlg = der(0x30, oid('1.2.840.113549.1.1.11'), [0x05, 0x00]);
  const modulus = filler(`modulus ${cn}`, 256); modulus[0] |= 0x80;
  const spki = der(0x30, der(0x30, oid('1.2.840.113549.1.1.1'), [0x05, 0x00]),
    der(0x03, [0x00], der(0x30, der(0x02, [0x00], modulus), der(0x02, [0x01, 0x00, 0x01]))));
  const san = der(0x30, oid('2.5.29.17'), der(0x04, der(0x30, der(0x86, uri))));
  const tbs = der(0x30, der(0xa0, der(0x02, [0x02])), der(0x02, serial), sigAlg, name,
    der(0x30, der(0x17, '240101000000Z'), der(0x17, '340101000000Z')), name, spki, der(0xa3, der(0x30, san)));
  return der(0x30, tbs, sigAlg, der(0x03, [0x00], filler(`signature ${cn}`, 256)));
}

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff), the C37.118 frame check. */
function crcCcitt(b: Uint8Array): number {
  let c = 0xffff;
  for (const x of b) {
    c ^= x << 8;
    for (let i = 0; i < 8; i++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  }
  return c;
}
/** DNP3's CRC-16 (poly 0x3d65 reflected, complemented), sent little-endian. */
function crcDnp(b: Uint8Array): number {
  let c = 0;
  for (const x of b) {
    c ^= x;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0xa6bc : c >>> 1;
  }
  return ~c & 0xffff;
}
/** CRC32c (Castagnoli), the SCTP checksum. */
function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

// ---------------------------------------------------------------------------------------------
// MQTT

const mqStr = (s: string) => cat(be16(Buffer.byteLength(s)), utf8(s));
function mqttPacket(first: number, ...body: Part[]): Uint8Array {
  const b = cat(...body);
  const len: number[] = [];
  let n = b.length;
  do { let d = n & 0x7f; n >>= 7; if (n > 0) d |= 0x80; len.push(d); } while (n > 0);
  return cat([first], len, b);
}

// ---------------------------------------------------------------------------------------------
// SIP

const sipMsg = (head: string[], body = '') => `${head.join('\r\n')}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
const sdp = (ip: string, port: number) =>
  `v=0\r\no=- 3712 1 IN IP4 ${ip}\r\ns=call\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\n`;

// ---------------------------------------------------------------------------------------------
// EtherNet/IP

function enip(cmd: number, handle: number, body: Part[] = [], status = 0, context = 0): Uint8Array {
  const b = cat(...body);
  return cat(le16(cmd), le16(b.length), le32(handle), le32(status), le32(context), le32(0), le32(0), b);
}
/** Common packet format: item count then type/length/data items. */
const cpf = (...items: [number, Part][]) =>
  cat(le16(items.length), ...items.map(([type, data]) => { const d = cat(data); return cat(le16(type), le16(d.length), d); }));
/** SendRRData/SendUnitData body: interface handle 0, timeout, items. */
const sendData = (timeout: number, ...items: [number, Part][]) => cat(le32(0), le16(timeout), cpf(...items));
function identityItem(vendor: number, deviceType: number, product: string, ip: number[]): Uint8Array {
  const sockaddr = cat(be16(2), be16(44818), ip, new Uint8Array(8));
  return cat(le16(1), sockaddr, le16(vendor), le16(deviceType), le16(0x0037), [20, 11], le16(0x0030), le32(0x00c0ffee),
    [product.length], product, [3]);
}

// ---------------------------------------------------------------------------------------------
// S7comm: TPKT + COTP

const tpkt = (...body: Part[]) => { const b = cat(...body); return cat([3, 0], be16(4 + b.length), b); };
const cotpDt = (...pdu: Part[]) => tpkt([0x02, 0xf0, 0x80], ...pdu);
function cotpConnect(type: 0xe0 | 0xd0, dstRef: number, srcRef: number, srcTsap: number, dstTsap: number): Uint8Array {
  const params = cat([0xc0, 1, 0x0a], [0xc1, 2], be16(srcTsap), [0xc2, 2], be16(dstTsap));
  return tpkt([6 + params.length, type], be16(dstRef), be16(srcRef), [0x00], params);
}
/** S7comm header (Ack/Ack_Data carry the error class and code) then parameters and data. */
function s7(rosctr: number, pduref: number, param: Part, data: Part = [], err?: [number, number]): Uint8Array {
  const p = cat(param), d = cat(data);
  return cotpDt([0x32, rosctr], [0, 0], be16(pduref), be16(p.length), be16(d.length), err ?? [], p, d);
}
/** A Read/Write Var item: DB `db`, byte `byteAddr`, `count` bytes. */
const s7Item = (db: number, byteAddr: number, count: number) =>
  cat([0x12, 0x0a, 0x10, 0x02], be16(count), be16(db), [0x84], [(byteAddr * 8) >> 16, ((byteAddr * 8) >> 8) & 0xff, (byteAddr * 8) & 0xff]);

// ---------------------------------------------------------------------------------------------
// C37.118 synchrophasor

function pmuFrame(type: number, version: number, idcode: number, soc: number, body: Part[]): Uint8Array {
  const b = cat(...body);
  const size = 14 + b.length + 2;
  const f = cat([0xaa, (type << 4) | version], be16(size), be16(idcode), be32(soc), be32(0), b);
  return cat(f, be16(crcCcitt(f)));
}
const pad16 = (s: string) => s.padEnd(16, ' ');

// ---------------------------------------------------------------------------------------------
// DNP3

/** One link frame: header with its CRC, then the user data in 16-byte blocks each with a CRC. */
function dnp3Frame(ctrl: number, dst: number, src: number, user: Part[] = []): Uint8Array {
  const u = cat(...user);
  const head = cat([0x05, 0x64, 5 + u.length, ctrl], le16(dst), le16(src));
  const parts: Part[] = [head, le16(crcDnp(head))];
  for (let o = 0; o < u.length; o += 16) {
    const block = u.subarray(o, Math.min(u.length, o + 16));
    parts.push(block, le16(crcDnp(block)));
  }
  return cat(...parts);
}

// ---------------------------------------------------------------------------------------------
// Non-IP and other-IP-protocol frames

const mac = (s: string) => s.split(':').map((x) => parseInt(x, 16));
const BROADCAST = mac('ff:ff:ff:ff:ff:ff');

function arp(op: number, senderMac: number[], senderIp: number[], targetMac: number[], targetIp: number[]): Uint8Array {
  return cat(be16(1), be16(0x0800), [6, 4], be16(op), senderMac, senderIp, targetMac, targetIp);
}

/** IS-IS over 802.3/LLC (DSAP/SSAP 0xfe, UI) to the all-L2-IS multicast. */
function isisFrame(src: number[], pdu: Uint8Array): Uint8Array {
  const llc = cat([0xfe, 0xfe, 0x03], pdu);
  return etherFrame(mac('01:80:c2:00:00:15'), src, llc.length, llc);
}
const isisTlv = (type: number, ...v: Part[]) => { const b = cat(...v); return cat([type, b.length], b); };
/** An IS-IS PDU: common header (NLPID 0x83, header length, version, ID length 0 = 6, type), fixed part, TLVs. */
function isisPdu(type: number, fixed: (pduLen: number) => Uint8Array, tlvs: Uint8Array[]): Uint8Array {
  const t = cat(...tlvs);
  const probe = fixed(0);
  const total = 8 + probe.length + t.length;
  return cat([0x83, 8 + probe.length, 0x01, 0x00, type, 0x01, 0x00, 0x00], fixed(total), t);
}

/** OSPFv2 packet with its checksum (over the packet minus the authentication field). */
function ospf(type: number, routerId: number[], area: number[], auType: number, auth: Part, body: Part[]): Uint8Array {
  const b = cat(...body);
  const p = cat([2, type], be16(24 + b.length), routerId, area, [0, 0], be16(auType), new Uint8Array(8), b);
  const forSum = cat(p.subarray(0, 16), p.subarray(24));
  let s = 0;
  for (let i = 0; i < forSum.length; i += 2) s += (forSum[i] << 8) | (forSum[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  const c = ~s & 0xffff;
  p[12] = c >> 8; p[13] = c & 0xff;
  p.set(cat(auth).subarray(0, 8), 16);
  return p;
}

const sctpChunk = (type: number, flags: number, ...body: Part[]) => {
  const b = cat(...body);
  const padded = new Uint8Array((4 + b.length + 3) & ~3);
  padded.set(cat([type, flags], be16(4 + b.length), b));
  return padded;
};
/** An SCTP packet: common header (ports, verification tag, CRC32c) and chunks. */
function sctpPacket(sport: number, dport: number, vtag: number, ...chunks: Uint8Array[]): Uint8Array {
  const p = cat(be16(sport), be16(dport), be32(vtag), [0, 0, 0, 0], ...chunks);
  p.set(le32(crc32c(p)), 8); // the CRC is sent in little-endian byte order
  return p;
}
const sctpData = (flags: number, tsn: number, stream: number, ssn: number, ppid: number, data: Part) =>
  sctpChunk(0, flags, be32(tsn), be16(stream), be16(ssn), be32(ppid), data);
const sctpSack = (cumTsn: number) => sctpChunk(3, 0, be32(cumTsn), be32(65536), be16(0), be16(0));

/** Frames `from` → `to` for a one-directional sequence of IP payloads `gapUs` apart. */
function ipFrames(startUs: number, gapUs: number, packets: [Endpoint, Endpoint, number, Uint8Array, number?][]): Frame[] {
  return packets.map(([src, dst, proto, l4, ttl], i) => ({ tsUs: startUs + i * gapUs, data: ipv4Frame(src, dst, proto, l4, ttl ?? 64) }));
}

// ---------------------------------------------------------------------------------------------
// The samples

export const industrialSamples: Sample[] = [
  {
    name: 'mqtt',
    about: 'MQTT 3.1.1 connect with will/user, subscribe, QoS 1 publish, unsubscribe, ping; MQTT 5.0 connect refused',
    frames: () => {
      const c = endpoint('10.9.1.10', 51883), s = endpoint('10.9.1.2', 1883, 'server');
      // flags 0xee: user, password, will retain, will QoS 1, will, clean session
      const connect = mqttPacket(0x10, mqStr('MQTT'), [4, 0xee], be16(60), mqStr('plant-sensor-7'),
        mqStr('plant/status/sensor-7'), mqStr('offline'), mqStr('Operator'), mqStr('s3cret'));
      const subscribe = mqttPacket(0x82, be16(1), mqStr('plant/cmd/#'), [1], mqStr('plant/alarm/+'), [2]);
      const publish = mqttPacket(0x32, mqStr('plant/line1/temp'), be16(2), '{"c":21.5}');
      const unsubscribe = mqttPacket(0xa2, be16(3), mqStr('plant/alarm/+'));
      const c5 = endpoint('10.9.1.11', 51884);
      // MQTT 5.0: clean start, properties { session expiry 300 }, no user
      const connect5 = mqttPacket(0x10, mqStr('MQTT'), [5, 0x02], be16(30), [5, 0x11], be32(300), mqStr('edge-gw-2'));
      return [
        ...tcpDialog(c, s, at(4000), [
          { from: 'client', data: connect },
          { from: 'server', data: mqttPacket(0x20, [0x00, 0x00]) },
          { from: 'client', data: subscribe },
          { from: 'server', data: mqttPacket(0x90, be16(1), [1, 2]) },
          { from: 'client', data: publish },
          { from: 'server', data: mqttPacket(0x40, be16(2)) },
          { from: 'client', data: cat(unsubscribe, mqttPacket(0xc0)) },
          { from: 'server', data: cat(mqttPacket(0xb0, be16(3)), mqttPacket(0xd0)) },
          { from: 'client', data: mqttPacket(0xe0) },
        ]),
        // CONNACK reason 0x87 Not authorized, with empty properties
        ...tcpDialog(c5, s, at(4001), [
          { from: 'client', data: connect5 },
          { from: 'server', data: mqttPacket(0x20, [0x00, 0x87, 0x00]) },
        ]),
      ];
    },
  },
  {
    name: 'sip',
    about: 'SIP over UDP: INVITE with SDP, 100/180/200, ACK, BYE in compact form; over TCP: REGISTER challenged then authorized',
    frames: () => {
      const a = endpoint('10.9.2.10', 5060), b = endpoint('10.9.2.20', 5060, 'server');
      const callId = 'a84b4c76e66710@10.9.2.10';
      const from = '"Alice" <sip:alice@pbx.example.test>;tag=1928301774';
      const to = '<sip:bob@pbx.example.test>';
      const via = 'SIP/2.0/UDP 10.9.2.10:5060;branch=z9hG4bK776asdhds';
      const invite = sipMsg(['INVITE sip:bob@pbx.example.test SIP/2.0', `Via: ${via}`, 'Max-Forwards: 70', `To: ${to}`, `From: ${from}`,
        `Call-ID: ${callId}`, 'CSeq: 314159 INVITE', 'Contact: <sip:alice@10.9.2.10:5060>', 'User-Agent: Linphone/5.2.0',
        'Content-Type: application/sdp'], sdp('10.9.2.10', 7078));
      const resp = (status: string, extra: string[], body = '') => sipMsg([`SIP/2.0 ${status}`, `Via: ${via}`, `From: ${from}`,
        `To: ${to};tag=a6c85cf`, `Call-ID: ${callId}`, 'CSeq: 314159 INVITE', ...extra], body);
      const ack = sipMsg(['ACK sip:bob@10.9.2.20:5060 SIP/2.0', 'Via: SIP/2.0/UDP 10.9.2.10:5060;branch=z9hG4bK776asdhdt',
        `To: ${to};tag=a6c85cf`, `From: ${from}`, `Call-ID: ${callId}`, 'CSeq: 314159 ACK']);
      // RFC 3261 compact header forms: v, f, t, i, l
      const bye = 'BYE sip:alice@10.9.2.10:5060 SIP/2.0\r\nv: SIP/2.0/UDP 10.9.2.20:5060;branch=z9hG4bKnashds9\r\n' +
        `f: ${to};tag=a6c85cf\r\nt: ${from}\r\ni: ${callId}\r\nCSeq: 1 BYE\r\nl: 0\r\n\r\n`;
      const byeOk = 'SIP/2.0 200 OK\r\nv: SIP/2.0/UDP 10.9.2.20:5060;branch=z9hG4bKnashds9\r\n' +
        `f: ${to};tag=a6c85cf\r\nt: ${from}\r\ni: ${callId}\r\nCSeq: 1 BYE\r\nl: 0\r\n\r\n`;
      const udp = udpDialog(a, b, at(4010), [
        { from: 'client', data: invite },
        { from: 'server', data: resp('100 Trying', []) },
        { from: 'server', data: resp('180 Ringing', ['Contact: <sip:bob@10.9.2.20:5060>']) },
        { from: 'server', data: resp('200 OK', ['Contact: <sip:bob@10.9.2.20:5060>', 'User-Agent: Grandstream GXP2170',
          'Content-Type: application/sdp'], sdp('10.9.2.20', 5004)) },
        { from: 'client', data: ack },
        { from: 'server', data: bye },
        { from: 'client', data: byeOk },
      ], 200_000);
      const c = endpoint('10.9.2.30', 50600), r = endpoint('10.9.2.1', 5060, 'server');
      const reg = (cseq: number, auth: string[]) => sipMsg(['REGISTER sip:pbx.example.test SIP/2.0',
        'Via: SIP/2.0/TCP 10.9.2.30:50600;branch=z9hG4bKreg' + cseq, 'Max-Forwards: 70', 'From: <sip:carol@pbx.example.test>;tag=77aa',
        'To: <sip:carol@pbx.example.test>', 'Call-ID: reg-5f2e@10.9.2.30', `CSeq: ${cseq} REGISTER`,
        'Contact: <sip:carol@10.9.2.30:50600;transport=tcp>', ...auth, 'Expires: 3600', 'User-Agent: MicroSIP/3.21.3']);
      const regResp = (cseq: number, status: string, extra: string[]) => sipMsg([`SIP/2.0 ${status}`,
        'Via: SIP/2.0/TCP 10.9.2.30:50600;branch=z9hG4bKreg' + cseq, 'From: <sip:carol@pbx.example.test>;tag=77aa',
        'To: <sip:carol@pbx.example.test>;tag=srv1', 'Call-ID: reg-5f2e@10.9.2.30', `CSeq: ${cseq} REGISTER`, ...extra]);
      const tcp = tcpDialog(c, r, at(4011), [
        { from: 'client', data: reg(1, []) },
        { from: 'server', data: regResp(1, '401 Unauthorized', ['WWW-Authenticate: Digest realm="pbx.example.test", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", algorithm=MD5']) },
        { from: 'client', data: reg(2, ['Authorization: Digest username="carol", realm="pbx.example.test", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", uri="sip:pbx.example.test", response="dfe56131d1958046689d83306477ecc"']) },
        { from: 'server', data: regResp(2, '200 OK', ['Contact: <sip:carol@10.9.2.30:50600;transport=tcp>;expires=3600']) },
      ]);
      return [...udp, ...tcp];
    },
  },
  {
    name: 'enip',
    about: 'EtherNet/IP over TCP: RegisterSession, ListIdentity, CIP Get_Attribute_Single and Forward_Open, connected Read_Tag, an error status; UDP ListIdentity broadcast reply',
    frames: () => {
      const c = endpoint('10.9.3.10', 50123), plc = endpoint('10.9.3.20', 44818, 'server');
      const H = 0x12345678;
      const ident = identityItem(0x0001, 0x000e, '1756-L83E/B', [10, 9, 3, 20]);
      const forwardOpen = cat([0x54, 0x02, 0x20, 0x06, 0x24, 0x01], [0x0a, 0x0e], le32(0), le32(0x80fe0001), le16(0x0101), le16(0x4d2),
        le32(0x00c0ffee), [3, 0, 0, 0], le32(500000), le16(0x43f4), le32(500000), le16(0x43f4), [0xa3], [3, 0x01, 0x00, 0x20, 0x02, 0x24, 0x01]);
      const readTag = cat(le16(1), [0x4c, 0x05, 0x91, 0x07], 'Counter', [0x00], [0x01, 0x00]);
      return [
        ...tcpDialog(c, plc, at(4020), [
          { from: 'client', data: enip(0x65, 0, [le16(1), le16(0)]) },
          { from: 'server', data: enip(0x65, H, [le16(1), le16(0)]) },
          { from: 'client', data: enip(0x63, H) },
          { from: 'server', data: enip(0x63, H, [cpf([0x0c, ident])]) },
          // Get_Attribute_Single Identity instance 1 attribute 7 (product name)
          { from: 'client', data: enip(0x6f, H, [sendData(10, [0x00, []], [0xb2, [0x0e, 0x03, 0x20, 0x01, 0x24, 0x01, 0x30, 0x07]])]) },
          { from: 'server', data: enip(0x6f, H, [sendData(0, [0x00, []], [0xb2, cat([0x8e, 0x00, 0x00, 0x00], [11], '1756-L83E/B')])]) },
          { from: 'client', data: enip(0x6f, H, [sendData(10, [0x00, []], [0xb2, forwardOpen])]) },
          { from: 'server', data: enip(0x6f, H, [sendData(0, [0x00, []], [0xb2, cat([0xd4, 0x00, 0x00, 0x00], le32(0x7e010002), le32(0x80fe0001),
            le16(0x0101), le16(0x4d2), le32(0x00c0ffee), le32(500000), le32(500000), [0, 0])])]) },
          { from: 'client', data: enip(0x70, H, [sendData(0, [0xa1, le32(0x7e010002)], [0xb1, readTag])]) },
          { from: 'server', data: enip(0x70, H, [sendData(0, [0xa1, le32(0x80fe0001)], [0xb1, cat(le16(1), [0xcc, 0x00, 0x00, 0x00], le16(0xc4), le32(1234))])]) },
          // an unknown session handle is refused with status 0x64 (invalid session handle)
          { from: 'client', data: enip(0x6f, 0x0badf00d, [sendData(10, [0x00, []], [0xb2, [0x01, 0x02, 0x20, 0x01, 0x24, 0x01]])]) },
          { from: 'server', data: enip(0x6f, 0x0badf00d, [], 0x64) },
          { from: 'client', data: enip(0x66, H) },
        ]),
        ...udpDialog(endpoint('10.9.3.11', 44818), endpoint('10.9.3.21', 44818, 'server'), at(4021), [
          { from: 'client', data: enip(0x63, 0, [], 0, 0x2a) },
          { from: 'server', data: enip(0x63, 0, [cpf([0x0c, identityItem(0x011b, 0x000c, '750-8212 PFC200', [10, 9, 3, 21])])], 0, 0x2a) },
        ]),
      ];
    },
  },
  {
    name: 'modbus',
    about: 'Modbus/TCP: read holding registers, write single register, read coils, write multiple refused with exception 2',
    frames: () => {
      const mbap = (tid: number, unit: number, pdu: number[]) => cat(be16(tid), be16(0), be16(pdu.length + 1), [unit], pdu);
      return tcpDialog(endpoint('10.9.4.10', 49502), endpoint('10.9.4.20', 502, 'server'), at(4030), [
        { from: 'client', data: mbap(1, 17, [0x03, ...be16(0x006b), ...be16(3)]) },
        { from: 'server', data: mbap(1, 17, [0x03, 6, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64]) },
        { from: 'client', data: mbap(2, 17, [0x06, ...be16(0x0001), ...be16(0x0003)]) },
        { from: 'server', data: mbap(2, 17, [0x06, ...be16(0x0001), ...be16(0x0003)]) },
        { from: 'client', data: mbap(3, 17, [0x01, ...be16(0x0013), ...be16(0x0013)]) },
        { from: 'server', data: mbap(3, 17, [0x01, 3, 0xcd, 0x6b, 0x05]) },
        { from: 'client', data: mbap(4, 17, [0x10, ...be16(0x9000), ...be16(2), 4, 0x00, 0x0a, 0x01, 0x02]) },
        { from: 'server', data: mbap(4, 17, [0x90, 0x02]) },
      ]);
    },
  },
  {
    name: 's7comm',
    about: 'S7comm: COTP connect, setup communication, Read Var, Write Var, SZL read (userdata), PLC Stop refused; S7comm-plus V3 session',
    frames: () => {
      const c = endpoint('10.9.5.10', 49200), plc = endpoint('10.9.5.20', 102, 'server');
      const setup = [0xf0, 0x00, ...be16(1), ...be16(1), ...be16(480)];
      const plcStop = cat([0x29, 0, 0, 0, 0, 0], [9], 'P_PROGRAM');
      const c2 = endpoint('10.9.5.11', 49201), plc2 = endpoint('10.9.5.21', 102, 'server');
      /** S7comm-plus V3: version, length, integrity (digest length + digest), then the data (opcode first), trailer. */
      const plus = (seq: number, opcode: number, fn: number) => {
        const data = cat([opcode, 0x00, 0x00], be16(fn), [0x00, 0x00], be16(seq), be32(0x00000000), [0x00]);
        const integrity = cat([0x20], filler(`s7plus ${seq}`, 32));
        return cotpDt([0x72, 0x03], be16(integrity.length + data.length), integrity, data, [0x72, 0x03, 0x00, 0x00]);
      };
      return [
        ...tcpDialog(c, plc, at(4040), [
          { from: 'client', data: cotpConnect(0xe0, 0x0000, 0x0001, 0x0100, 0x0102) },
          { from: 'server', data: cotpConnect(0xd0, 0x0001, 0x4431, 0x0100, 0x0102) },
          { from: 'client', data: s7(1, 0x0100, setup) },
          { from: 'server', data: s7(3, 0x0100, setup, [], [0, 0]) },
          { from: 'client', data: s7(1, 0x0101, cat([0x04, 1], s7Item(1, 0, 4))) },
          { from: 'server', data: s7(3, 0x0101, [0x04, 1], [0xff, 0x04, ...be16(32), 0x00, 0x00, 0x01, 0xf4], [0, 0]) },
          { from: 'client', data: s7(1, 0x0102, cat([0x05, 1], s7Item(1, 4, 2)), [0x00, 0x04, ...be16(16), 0x00, 0x2a]) },
          { from: 'server', data: s7(3, 0x0102, [0x05, 1], [0xff], [0, 0]) },
          // userdata: CPU functions, read SZL 0x0011 (module identification)
          { from: 'client', data: s7(7, 0x0103, [0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00], [0xff, 0x09, ...be16(4), ...be16(0x0011), ...be16(0)]) },
          { from: 'server', data: s7(7, 0x0103, [0x00, 0x01, 0x12, 0x08, 0x12, 0x84, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00],
            [0xff, 0x09, ...be16(8), ...be16(0x0011), ...be16(0), ...be16(28), ...be16(0)]) },
          { from: 'client', data: s7(1, 0x0104, plcStop) },
          { from: 'server', data: s7(2, 0x0104, [], [], [0x81, 0x04]) },
        ]),
        ...tcpDialog(c2, plc2, at(4041), [
          { from: 'client', data: cotpConnect(0xe0, 0x0000, 0x0002, 0x0600, 0x0600) },
          { from: 'server', data: cotpConnect(0xd0, 0x0002, 0x5521, 0x0600, 0x0600) },
          { from: 'client', data: plus(1, 0x31, 0x04ca) },
          { from: 'server', data: plus(1, 0x32, 0x04ca) },
          { from: 'server', data: plus(2, 0x33, 0x04d4) },
        ]),
      ];
    },
  },
  {
    name: 'c1222',
    about: 'ANSI C12.22 over TCP: a cleartext read request with AP titles and invocation ids, an authenticated response',
    frames: () => {
      const client = '1.3.6.1.4.1.33507.1919.4000.1', meter = '1.3.6.1.4.1.33507.1919.12345.0';
      // EPSEM: control byte, then length-prefixed services (0x30 full read of table 1)
      const request = der(0x60, der(0xa2, oid(meter)), der(0xa6, oid(client)), der(0xa8, der(0x02, be32(120034))),
        der(0xbe, der(0x28, der(0x81, [0x80, 0x03, 0x30, 0x00, 0x01]))));
      const response = der(0x60, der(0xa2, oid(client)), der(0xa4, der(0x02, be32(120034))), der(0xa6, oid(meter)),
        der(0xa8, der(0x02, [0x2c])), der(0xbe, der(0x28, der(0x81, [0x85, 0x0b, 0x00, 0x00, 0x07], filler('table1', 7), [0x5a], filler('mac', 4)))));
      return tcpDialog(endpoint('10.9.6.10', 51153), endpoint('10.9.6.20', 1153, 'server'), at(4050), [
        { from: 'client', data: request },
        { from: 'server', data: response },
      ]);
    },
  },
  {
    name: 'opcua',
    about: 'OPC UA binary: Hello/Acknowledge and SecurityPolicy#None channel; a Basic256Sha256 channel whose OpenSecureChannel carries the client and server certificates',
    frames: () => {
      const msg = (type: string, ...body: Part[]) => { const b = cat(...body); return cat(type, le32(8 + b.length), b); };
      const uaStr = (s: string) => cat(le32(Buffer.byteLength(s)), utf8(s));
      const uaBytes = (b: Uint8Array | null) => (b ? cat(le32(b.length), b) : le32(0xffffffff));
      const hello = (url: string) => msg('HELF', le32(0), le32(65536), le32(65536), le32(0), le32(0), uaStr(url));
      const ack = msg('ACKF', le32(0), le32(65536), le32(65536), le32(16777216), le32(5000));
      const none = 'http://opcfoundation.org/UA/SecurityPolicy#None';
      const basic = 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256';
      // OpenSecureChannelRequest (ns=0;i=446), plain request header, ClientProtocolVersion, Issue, None mode, nonce, lifetime
      const opnBody = cat([0x01, 0x00], le16(446), [0x00, 0x00], filler('ts', 8), le32(1), le32(0), le32(0xffffffff), le32(10000),
        [0x00, 0x00, 0x00], le32(0), le32(0), le32(1), le32(0), le32(3600000));
      const opn = (channel: number, policy: string, cert: Uint8Array | null, thumb: Uint8Array | null, rest: Uint8Array) =>
        msg('OPNF', le32(channel), uaStr(policy), uaBytes(cert), uaBytes(thumb), le32(1), le32(1), rest);
      const c = endpoint('10.9.7.10', 50840), s = endpoint('10.9.7.20', 4840, 'server');
      const clientCert = selfSignedCert('scada-hmi-01', [0x01, 0x5e, 0xa7], 'urn:scada-hmi-01:UA:Client');
      const serverCert = selfSignedCert('plc-ua-server', [0x02, 0x4f, 0x11], 'urn:plc-ua-server:UA:Server');
      const thumb = (cert: Uint8Array) => new Uint8Array(createHash('sha1').update(cert).digest());
      return [
        ...tcpDialog(c, s, at(4060), [
          { from: 'client', data: hello('opc.tcp://10.9.7.20:4840/UA/Plant') },
          { from: 'server', data: ack },
          { from: 'client', data: opn(0, none, null, null, opnBody) },
          { from: 'server', data: opn(7, none, null, null, cat([0x01, 0x00], le16(449), filler('opn-resp', 40))) },
          { from: 'client', data: msg('CLOF', le32(7), le32(1), le32(2), le32(2), [0x01, 0x00], le16(452), filler('close', 20)) },
        ]),
        ...tcpDialog(endpoint('10.9.7.11', 50841), s, at(4061), [
          { from: 'client', data: hello('opc.tcp://plc-ua-server:4840/UA/Plant') },
          { from: 'server', data: ack },
          { from: 'client', data: opn(0, basic, clientCert, thumb(serverCert), filler('rsa-oaep client', 256)) },
          { from: 'server', data: opn(9, basic, serverCert, thumb(clientCert), filler('rsa-oaep server', 256)) },
        ]),
      ];
    },
  },
  {
    name: 'synchrophasor',
    about: 'IEEE C37.118 over TCP: CFG-2 and header requested by command, data frames after turn-on; over UDP: a CFG-3 with two PMUs and data',
    frames: () => {
      const SOC = 1_735_693_700;
      const cmd = (id: number, code: number, t: number, version = 1) => pmuFrame(4, version, id, SOC + t, [be16(code)]);
      const phasorNames = ['VA', 'VB', 'VC', 'IA'].map(pad16).join('');
      const cfg2 = pmuFrame(3, 1, 7, SOC, [be32(1_000_000), be16(1), pad16('SUBSTATION-A'), be16(7), be16(0x0000), be16(4), be16(1), be16(0),
        phasorNames, pad16('MW'), ...[0, 0, 0, 1].map((k) => be32((k << 24) | 915527)), be32(1), be16(0), be16(3), be16(30)]);
      const data = (id: number, t: number, phasors: number, analogs: number) =>
        pmuFrame(0, 1, id, SOC + t, [be16(0), filler(`ph${t}`, 4 * phasors), be16(0x09c4), be16(0), filler(`an${t}`, 2 * analogs)]);
      const header = pmuFrame(1, 1, 7, SOC, ['SEL-487E relay, substation A bay 3, firmware R310']);
      const tcp = tcpDialog(endpoint('10.9.8.10', 50712), endpoint('10.9.8.20', 4712, 'server'), at(4070), [
        { from: 'client', data: cmd(7, 5, 0) },
        { from: 'server', data: cfg2 },
        { from: 'client', data: cmd(7, 3, 0) },
        { from: 'server', data: header },
        { from: 'client', data: cmd(7, 2, 1) },
        { from: 'server', data: cat(data(7, 1, 4, 1), data(7, 1, 4, 1)) },
        { from: 'client', data: cmd(7, 1, 2) },
      ]);
      // CFG-3 (2011): CONT_IDX, variable-length names, global PMU ids, scale factors, position, service class
      const pmu3 = (name: string, id: number) => cat([name.length], name, be16(id), filler(`gpmu ${name}`, 16), be16(0x000f), be16(2), be16(0), be16(0),
        [2], 'VA', [2], 'IA', filler(`scale ${name}`, 16), be32(0x42200000), be32(0xc2f00000), be32(0x43480000), ['M'.charCodeAt(0)], be32(0), be32(0),
        be16(0), be16(1));
      const cfg3 = pmuFrame(5, 2, 70, SOC, [be16(0), be32(1_000_000), be16(2), pmu3('PMU-West-1', 71), pmu3('PMU-West-2', 72), be16(60)]);
      const data2 = (t: number) => pmuFrame(0, 2, 70, SOC + t, [be16(0), filler(`w1${t}`, 16), be32(0x42700000), be32(0), be16(0), filler(`w2${t}`, 16),
        be32(0x42700000), be32(0)]);
      const udp = udpDialog(endpoint('10.9.8.11', 4713), endpoint('10.9.8.21', 4713, 'server'), at(4071), [
        { from: 'client', data: cmd(70, 6, 0, 2) },
        { from: 'server', data: cfg3 },
        { from: 'client', data: cmd(70, 2, 0, 2) },
        { from: 'server', data: data2(1) },
        { from: 'server', data: data2(1) },
      ], 20_000);
      return [...tcp, ...udp];
    },
  },
  {
    name: 'ptp',
    about: 'PTPv2 over UDP: event messages (Sync, Delay_Req) on 319, general messages (Announce, Follow_Up, Delay_Resp) on 320',
    frames: () => {
      const gm = hex('0019b3fffe0a0b0c'), slave = hex('001b21fffe010203');
      const ts = (sec: number, ns: number) => cat(be16(0), be32(sec), be32(ns));
      const ptp = (type: number, clock: Uint8Array, seq: number, control: number, interval: number, body: Part[], flags = 0x0200) => {
        const b = cat(...body);
        return cat([type, 0x02], be16(34 + b.length), [0, 0], be16(flags), new Uint8Array(8), new Uint8Array(4), clock, be16(1), be16(seq),
          [control, interval], b);
      };
      const T = 1_735_693_800;
      const master = endpoint('10.9.9.1', 319, 'server'), client = endpoint('10.9.9.20', 319);
      const event = udpDialog(master, client, at(4080), [
        { from: 'client', data: ptp(0x0, gm, 100, 0, 0, [ts(T, 0)]) },
        { from: 'server', data: ptp(0x1, slave, 40, 1, 0x7f, [ts(0, 0)], 0) },
        { from: 'client', data: ptp(0x0, gm, 101, 0, 0, [ts(T + 1, 0)]) },
      ], 500_000);
      const announce = ptp(0xb, gm, 12, 5, 1, [ts(0, 0), be16(37), [0, 128, 6, 0x21, 0x4e, 0x5d, 128], gm, be16(0), [0xa0]], 0x0008);
      const general = udpDialog({ ...master, port: 320 }, { ...client, port: 320 }, at(4080) + 1000, [
        { from: 'client', data: announce },
        { from: 'client', data: ptp(0x8, gm, 100, 2, 0, [ts(T, 120)]) },
        { from: 'client', data: ptp(0x9, gm, 40, 3, 0, [ts(T, 480_250), slave, be16(1)], 0) },
      ], 500_000);
      return [...event, ...general].sort((x, y) => x.tsUs - y.tsUs);
    },
  },
  {
    name: 'dnp3',
    about: 'DNP3 over TCP: link status, class 0 read and response, direct operate, unsolicited response and confirm; over UDP: event class read',
    frames: () => {
      const M = 3, O = 10;
      const req = (seq: number, fc: number, objects: Part) => dnp3Frame(0xc4, O, M, [[0xc0 | seq, 0xc0 | seq, fc], objects]);
      const resp = (seq: number, fc: number, appCtl: number, objects: Part) => dnp3Frame(0x44, M, O, [[0xc0 | seq, appCtl | seq, fc, 0x00, 0x00], objects]);
      const crob = [0x0c, 0x01, 0x28, ...le16(1), ...le16(0), 0x03, 0x01, ...le32(1000), ...le32(0), 0x00];
      const tcp = tcpDialog(endpoint('10.9.10.10', 50200), endpoint('10.9.10.20', 20000, 'server'), at(4090), [
        { from: 'client', data: dnp3Frame(0xc9, O, M) },
        { from: 'server', data: dnp3Frame(0x0b, M, O) },
        { from: 'client', data: req(1, 0x01, [0x3c, 0x01, 0x06]) },
        { from: 'server', data: resp(1, 0x81, 0xc0, cat([0x1e, 0x01, 0x00, 0x00, 0x01], [0x01], le32(2350), [0x01], le32(118))) },
        { from: 'client', data: req(2, 0x05, crob) },
        { from: 'server', data: resp(2, 0x81, 0xc0, crob) },
        { from: 'server', data: resp(3, 0x82, 0xf0, [0x02, 0x01, 0x28, ...le16(1), ...le16(4), 0x81]) },
        { from: 'client', data: dnp3Frame(0xc4, O, M, [[0xc3, 0xd3, 0x00]]) },
      ]);
      const udp = udpDialog(endpoint('10.9.10.11', 20000), endpoint('10.9.10.21', 20000, 'server'), at(4091), [
        { from: 'client', data: dnp3Frame(0xc4, 20, 4, [[0xc5, 0xc5, 0x01, 0x3c, 0x02, 0x06, 0x3c, 0x03, 0x06, 0x3c, 0x04, 0x06]]) },
        { from: 'server', data: dnp3Frame(0x44, 4, 20, [[0xc5, 0xc5, 0x81, 0x00, 0x00]]) },
        { from: 'client', data: dnp3Frame(0xc4, 20, 4, [[0xc6, 0xc6, 0x0e]]) },
      ], 50_000);
      return [...tcp, ...udp];
    },
  },
  {
    name: 'bacnet',
    about: 'BACnet/IP: Who-Is and Who-Has broadcasts; ReadProperty object-name, WriteProperty, an error; foreign-device registration and a forwarded I-Have',
    frames: () => {
      const bvlc = (fn: number, ...rest: Part[]) => { const b = cat(...rest); return cat([0x81, fn], be16(4 + b.length), b); };
      const npdu = (ctrl: number, ...rest: Part[]) => cat([0x01, ctrl], ...rest);
      const charString = (s: string) => cat([0x75, s.length + 1, 0x00], s);
      const objId = (tag: number, type: number, inst: number) => cat([tag], be32((type << 22) | inst));
      const ws = endpoint('10.9.11.10', 47808), bcast = endpoint('10.9.11.255', 47808, 'server');
      const dev = endpoint('10.9.11.20', 47808, 'server');
      const bbmd = endpoint('10.9.12.1', 47808, 'server');
      return [
        ...udpDialog(ws, bcast, at(4100), [
          { from: 'client', data: bvlc(0x0b, npdu(0x20, be16(0xffff), [0x00, 0xff]), [0x10, 0x08]) },
          // Who-Has by name: context tag 3 (object-name), extended length
          { from: 'client', data: bvlc(0x0b, npdu(0x00), [0x10, 0x07, 0x3d, 13, 0x00], 'Zone-Temp-12') },
        ], 100_000),
        ...udpDialog(ws, dev, at(4101), [
          // ReadProperty analog-input 3, object-name
          { from: 'client', data: bvlc(0x0a, npdu(0x04), [0x00, 0x05, 0x01, 0x0c], objId(0x0c, 0, 3), [0x19, 0x4d]) },
          { from: 'server', data: bvlc(0x0a, npdu(0x00), [0x30, 0x01, 0x0c], objId(0x0c, 0, 3), [0x19, 0x4d, 0x3e], charString('AHU-1 Supply Temp'), [0x3f]) },
          // WriteProperty analog-value 1 present-value 21.5, priority 8
          { from: 'client', data: bvlc(0x0a, npdu(0x04), [0x00, 0x05, 0x02, 0x0f], objId(0x0c, 2, 1), [0x19, 0x55, 0x3e, 0x44, 0x41, 0xac, 0x00, 0x00, 0x3f, 0x49, 0x08]) },
          { from: 'server', data: bvlc(0x0a, npdu(0x00), [0x20, 0x02, 0x0f]) },
          // ReadProperty of an unknown property: error (property, unknown-property)
          { from: 'client', data: bvlc(0x0a, npdu(0x04), [0x00, 0x05, 0x03, 0x0c], objId(0x0c, 0, 3), [0x19, 0xf0]) },
          { from: 'server', data: bvlc(0x0a, npdu(0x00), [0x50, 0x03, 0x0c, 0x91, 0x02, 0x91, 0x20]) },
        ], 100_000),
        ...udpDialog(ws, bbmd, at(4102), [
          { from: 'client', data: bvlc(0x05, be16(600)) },
          { from: 'server', data: bvlc(0x00, be16(0x0000)) },
          // I-Have from a routed device (SNET 2, SADR 0x15), forwarded with its originating address
          { from: 'server', data: bvlc(0x04, [10, 9, 20, 5], be16(47808), npdu(0x08, be16(2), [1, 0x15]), [0x10, 0x01], objId(0xc4, 8, 1205),
            objId(0xc4, 0, 12), charString('Zone-Temp-12')) },
        ], 100_000),
      ];
    },
  },
  {
    name: 'arp',
    about: 'ARP: a request for the gateway and its reply (one session keyed by the gateway IP); a gratuitous ARP',
    frames: () => {
      const host = mac('00:1b:21:3a:4b:5c'), gw = mac('00:50:56:9a:00:01'), other = mac('3c:ec:ef:10:20:30');
      const hostIp = [10, 9, 13, 20], gwIp = [10, 9, 13, 1], otherIp = [10, 9, 13, 30];
      return [
        { tsUs: at(4110), data: etherFrame(BROADCAST, host, 0x0806, arp(1, host, hostIp, [0, 0, 0, 0, 0, 0], gwIp)) },
        { tsUs: at(4110) + 350, data: etherFrame(host, gw, 0x0806, arp(2, gw, gwIp, host, hostIp)) },
        { tsUs: at(4111), data: etherFrame(BROADCAST, other, 0x0806, arp(1, other, otherIp, [0, 0, 0, 0, 0, 0], otherIp)) },
      ];
    },
  },
  {
    name: 'isis',
    about: 'IS-IS level 2 on a LAN: hellos from two routers, an LSP, a CSNP and a PSNP (802.3/LLC frames)',
    frames: () => {
      const r1 = mac('c2:01:1a:2b:00:00'), r2 = mac('c2:02:1a:2b:00:00');
      const sys1 = hex('192001000001'), sys2 = hex('192001000002');
      const area = isisTlv(1, [3, 0x49, 0x00, 0x01]);
      // LAN hellos are padded (TLV 8) to the full 1497-byte PDU, as routers do to prove the MTU
      const hello = (sys: Uint8Array, prio: number, ip: number[], neighbor: number[]) => {
        const tlvs = [area, isisTlv(129, [0xcc]), isisTlv(132, ip), isisTlv(6, neighbor)];
        for (let room = 1497 - 27 - tlvs.reduce((n, t) => n + t.length, 0); room > 0; room -= 257) {
          tlvs.push(isisTlv(8, new Uint8Array(Math.min(255, room - 2))));
        }
        return isisPdu(16, (len) => cat([0x02], sys, be16(30), be16(len), [prio], sys2, [0x01]), tlvs);
      };
      const lspId = cat(sys1, [0x00, 0x00]);
      const lsp = isisPdu(20, (len) => cat(be16(len), be16(1199), lspId, be32(0x0000000b), be16(0x4d2f), [0x03]),
        [area, isisTlv(129, [0xcc]), isisTlv(137, 'core-r1'), isisTlv(132, [10, 9, 14, 1]), isisTlv(135, be32(10), [24], [10, 9, 14])]);
      const entry = (id: Uint8Array, seq: number) => cat(be16(1190), id, [0x00, 0x00], be32(seq), be16(0x4d2f));
      const csnp = isisPdu(25, (len) => cat(be16(len), sys2, [0x00], new Uint8Array(8), new Uint8Array(8).fill(0xff)),
        [isisTlv(9, entry(sys1, 0x0b), entry(sys2, 0x07))]);
      const psnp = isisPdu(27, (len) => cat(be16(len), sys1, [0x00]), [isisTlv(9, entry(sys2, 0x07))]);
      return [
        { tsUs: at(4120), data: isisFrame(r1, hello(sys1, 64, [10, 9, 14, 1], mac('c2:02:1a:2b:00:00'))) },
        { tsUs: at(4120) + 4000, data: isisFrame(r2, hello(sys2, 64, [10, 9, 14, 2], mac('c2:01:1a:2b:00:00'))) },
        { tsUs: at(4121), data: isisFrame(r1, lsp) },
        { tsUs: at(4122), data: isisFrame(r2, csnp) },
        { tsUs: at(4122) + 2000, data: isisFrame(r1, psnp) },
      ];
    },
  },
  {
    name: 'ospf',
    about: 'OSPFv2 with simple-password authentication: the DR\'s hellos, an LSUpdate flood and a delayed LSAck to AllSPFRouters; a unicast DBDesc/LSReq exchange as a session of its own',
    frames: () => {
      // Arkime keys an OSPF session by its address pair: the multicast flood is one session, the
      // routers' unicast database exchange another.
      const dr = endpoint('10.9.15.1', 0), bdr = endpoint('10.9.15.2', 0, 'server');
      const allSpf: Endpoint = { ip: [224, 0, 0, 5], port: 0, mac: mac('01:00:5e:00:00:05') };
      const rid1 = [10, 255, 0, 1], rid2 = [10, 255, 0, 2], area = [0, 0, 0, 1];
      const pw = 'ospfpw'.padEnd(8, '\0');
      const hello = (neighbors: number[][]) => ospf(1, rid1, area, 1, pw, [[255, 255, 255, 0], be16(10), [0x02, 1], be32(40),
        [10, 9, 15, 1], [10, 9, 15, 2], ...neighbors]);
      const lsaHeader = (age: number, seq: number) => cat(be16(age), [0x22, 1], rid2, rid2, be32(seq), be16(0x1a2b), be16(36));
      const routerLsa = cat(lsaHeader(1, 0x80000004), [0, 0], be16(1), [10, 9, 15, 0], [255, 255, 255, 0], [3, 0], be16(10));
      return ipFrames(at(4130), 3_333_333, [ // hellos 10 s apart
        [dr, allSpf, 89, hello([rid2]), 1],
        [dr, allSpf, 89, ospf(4, rid1, area, 1, pw, [be32(1), routerLsa]), 1],
        [dr, allSpf, 89, ospf(5, rid1, area, 1, pw, [lsaHeader(1, 0x80000004)]), 1],
        [dr, allSpf, 89, hello([rid2]), 1],
      ]).concat(ipFrames(at(4131), 5000, [
        [dr, bdr, 89, ospf(2, rid1, area, 1, pw, [be16(1500), [0x02, 0x07], be32(0x1000)]), 1],
        [bdr, dr, 89, ospf(2, rid2, area, 1, pw, [be16(1500), [0x02, 0x03], be32(0x1000), lsaHeader(1, 0x80000004)]), 1],
        [dr, bdr, 89, ospf(3, rid1, area, 1, pw, [be32(1), rid2, rid2]), 1],
      ])).sort((a, b) => a.tsUs - b.tsUs);
    },
  },
  {
    name: 'sctp',
    about: 'SCTP: an M3UA association (handshake, ASP Up, a fragmented transfer, heartbeat, shutdown); Diameter CER/CEA over SCTP; ' +
      'fragments joined across another stream\'s chunk that arrived ahead of its TSN',
    frames: () => {
      const asp = endpoint('10.9.16.10', 2905), sgw = endpoint('10.9.16.20', 2905, 'server');
      const TC = 0x1a2b3c4d, TS = 0x5e6f7081;
      const init = (type: number, tag: number, tsn: number, ...params: Part[]) => sctpChunk(type, 0, be32(tag), be32(106496), be16(10), be16(10), be32(tsn), ...params);
      const cookie = filler('cookie', 32);
      const m3ua = (cls: number, type: number, ...params: Part[]) => { const p = cat(...params); return cat([1, 0, cls, type], be32(8 + p.length), p); };
      const transfer = m3ua(1, 1, be16(0x0210), be16(16 + 180), be32(0x00000c01), be32(0x00000d02), [3, 0, 0, 5], filler('sccp', 180));
      const half = transfer.length >> 1;
      const c2s = (...chunks: Uint8Array[]) => sctpPacket(asp.port, sgw.port, TS, ...chunks);
      const s2c = (...chunks: Uint8Array[]) => sctpPacket(sgw.port, asp.port, TC, ...chunks);
      const m3uaAssoc = ipFrames(at(4140), 1000, [
        [asp, sgw, 132, sctpPacket(asp.port, sgw.port, 0, init(1, TC, 1000))],
        [sgw, asp, 132, s2c(init(2, TS, 9000, be16(7), be16(4 + cookie.length), cookie))],
        [asp, sgw, 132, c2s(sctpChunk(10, 0, cookie))],
        [sgw, asp, 132, s2c(sctpChunk(11, 0))],
        [asp, sgw, 132, c2s(sctpData(0x03, 1000, 0, 0, 3, m3ua(3, 1)))],
        [sgw, asp, 132, s2c(sctpSack(1000), sctpData(0x03, 9000, 0, 0, 3, m3ua(3, 4)))],
        [asp, sgw, 132, c2s(sctpSack(9000), sctpData(0x02, 1001, 1, 0, 3, transfer.subarray(0, half)))],
        [asp, sgw, 132, c2s(sctpData(0x01, 1002, 1, 0, 3, transfer.subarray(half)))],
        [sgw, asp, 132, s2c(sctpSack(1002))],
        [asp, sgw, 132, c2s(sctpChunk(4, 0, be16(1), be16(12), filler('hb', 8)))],
        [sgw, asp, 132, s2c(sctpChunk(5, 0, be16(1), be16(12), filler('hb', 8)))],
        [asp, sgw, 132, c2s(sctpChunk(7, 0, be32(9000)))],
        [sgw, asp, 132, s2c(sctpChunk(8, 0))],
        [asp, sgw, 132, c2s(sctpChunk(14, 0))],
      ]);
      const avp = (code: number, v: Part) => { const d = cat(v); const b = cat(be32(code), be32(0x40000000 | (8 + d.length)), d); return cat(b, new Uint8Array((4 - (b.length & 3)) & 3)); };
      const diameter = (flags: number, hbh: number, avps: Uint8Array[]) => { const a = cat(...avps); return cat([1], be32(20 + a.length).slice(1), [flags], [0, 1, 1], be32(0), be32(hbh), be32(hbh + 1), a); };
      const mme = endpoint('10.9.16.11', 36412), hss = endpoint('10.9.16.21', 3868, 'server');
      const CT = 0x0c0ffee1, ST = 0x0decade2;
      const cer = diameter(0x80, 0x2001, [avp(264, 'mme1.epc.example.test'), avp(296, 'epc.example.test'), avp(257, [0, 1, 10, 9, 16, 11]),
        avp(266, be32(10415)), avp(269, 'packrat-mme')]);
      const cea = diameter(0x00, 0x2001, [avp(268, be32(2001)), avp(264, 'hss1.epc.example.test'), avp(296, 'epc.example.test'),
        avp(257, [0, 1, 10, 9, 16, 21]), avp(266, be32(10415)), avp(269, 'packrat-hss')]);
      const diamAssoc = ipFrames(at(4141), 1000, [
        [mme, hss, 132, sctpPacket(mme.port, hss.port, 0, init(1, CT, 1))],
        [hss, mme, 132, sctpPacket(hss.port, mme.port, CT, init(2, ST, 500, be16(7), be16(4 + cookie.length), cookie))],
        [mme, hss, 132, sctpPacket(mme.port, hss.port, ST, sctpChunk(10, 0, cookie))],
        [hss, mme, 132, sctpPacket(hss.port, mme.port, CT, sctpChunk(11, 0))],
        [mme, hss, 132, sctpPacket(mme.port, hss.port, ST, sctpData(0x03, 1, 0, 0, 46, cer))],
        [hss, mme, 132, sctpPacket(hss.port, mme.port, CT, sctpSack(1), sctpData(0x03, 500, 0, 0, 46, cea))],
        [mme, hss, 132, sctpPacket(mme.port, hss.port, ST, sctpSack(500))],
      ]);
      // Out of order, as arkime_synthetic.pcap tests Arkime: stream 2's whole message (TSN 11)
      // comes before stream 1's B (TSN 10) and waits; stream 1's E (12) completes "AAAABBBB"
      // across the gap, the duplicate of TSN 10 is dropped and "CCCC" is never sent.
      const peer = endpoint('10.9.16.12', 38001), far = endpoint('10.9.16.22', 38002, 'server');
      const reordered = ipFrames(at(4142), 1000, [
        [peer, far, 132, sctpPacket(peer.port, far.port, 0, init(1, CT, 10))],
        [far, peer, 132, sctpPacket(far.port, peer.port, CT, init(2, ST, 20, be16(7), be16(4 + cookie.length), cookie))],
        [peer, far, 132, sctpPacket(peer.port, far.port, ST, sctpData(0x03, 11, 2, 0, 0, 'CCCC'))],
        [peer, far, 132, sctpPacket(peer.port, far.port, ST, sctpData(0x02, 10, 1, 0, 0, 'AAAA'))],
        [peer, far, 132, sctpPacket(peer.port, far.port, ST, sctpData(0x02, 10, 1, 0, 0, 'AAAA'))],
        [peer, far, 132, sctpPacket(peer.port, far.port, ST, sctpData(0x01, 12, 1, 0, 0, 'BBBB'))],
      ]);
      return [...m3uaAssoc, ...diamAssoc, ...reordered];
    },
  },
];
