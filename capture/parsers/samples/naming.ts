// Samples for DNS, name services, TLS, QUIC, SSH, SOCKS and small UDP services.
import { createHmac } from 'node:crypto';
import { endpoint, tcpDialog, udpDialog, type Frame } from '../../synth/traffic.js';
import { at, type Sample } from './sample.js';
import { TYPE, dnsMessage, ip4, netbiosName, opt, rd, tcpFramed } from './naming-dns.js';
import {
  LEAF_CERT, ROOT_CERT, certificateList, clientHello, dtlsHandshake, dtlsRecord, filler, handshake,
  quicClientInitial, quicServerLong, serverHello, serverKeyExchange, tlsRecord, u16,
} from './naming-tls.js';

const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const u32 = (v: number) => [(v >>> 24) & 0xff, (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const bytes = (b: number[]) => Uint8Array.from(b);
const sortByTime = (f: Frame[]) => f.sort((a, b) => a.tsUs - b.tsUs);

// DNS header flag words
const Q_RD = 0x0100, R_OK = 0x8180, R_NXDOMAIN = 0x8183, R_AA = 0x8400;
const DAY = 86400;

// ---------------------------------------------------------------------------------------------
// DNS

function dnsUdpSession(): Frame[] {
  const c = endpoint('10.2.0.1', 51353), s = endpoint('10.2.0.53', 53, 'server');
  const q = (id: number, name: string, type: number, ar = [opt()]) => dnsMessage(id, Q_RD, [{ name, type }], [], [], ar);
  const zone = 'example.test';
  const msgs = [
    // A with a CNAME chain; the authority and glue give the name server's addresses
    q(0x1a01, 'www.example.test', TYPE.A),
    dnsMessage(0x1a01, R_OK, [{ name: 'www.example.test', type: TYPE.A }], [
      { name: 'www.example.test', type: TYPE.CNAME, ttl: 300, rd: rd.name('web.example.test') },
      { name: 'web.example.test', type: TYPE.A, ttl: 60, rd: rd.a('10.2.1.10') },
      { name: 'web.example.test', type: TYPE.A, ttl: 60, rd: rd.a('10.2.1.11') },
    ], [
      { name: zone, type: TYPE.NS, ttl: DAY, rd: rd.name('ns1.example.test') },
    ], [
      { name: 'ns1.example.test', type: TYPE.A, ttl: DAY, rd: rd.a('10.2.0.53') },
      { name: 'ns1.example.test', type: TYPE.AAAA, ttl: DAY, rd: rd.aaaa('fd00:2::53') },
      opt(),
    ]),
    q(0x1a02, zone, TYPE.MX),
    dnsMessage(0x1a02, R_OK, [{ name: zone, type: TYPE.MX }], [
      { name: zone, type: TYPE.MX, ttl: 3600, rd: rd.mx(10, 'mail.example.test') },
      { name: zone, type: TYPE.MX, ttl: 3600, rd: rd.mx(20, 'mail2.example.test') },
    ], [], [
      { name: 'mail.example.test', type: TYPE.A, ttl: 3600, rd: rd.a('10.2.2.25') },
      { name: 'mail2.example.test', type: TYPE.AAAA, ttl: 3600, rd: rd.aaaa('fd00:2::26') },
      opt(),
    ]),
    q(0x1a03, zone, TYPE.TXT),
    dnsMessage(0x1a03, R_OK, [{ name: zone, type: TYPE.TXT }], [
      { name: zone, type: TYPE.TXT, ttl: 3600, rd: rd.txt('v=spf1 mx -all') },
      { name: zone, type: TYPE.TXT, ttl: 3600, rd: rd.txt('google-site-verification=abc123', 'second string') },
    ], [], [opt()]),
    q(0x1a04, 'v6.example.test', TYPE.AAAA),
    dnsMessage(0x1a04, R_OK, [{ name: 'v6.example.test', type: TYPE.AAAA }], [
      { name: 'v6.example.test', type: TYPE.AAAA, ttl: 600, rd: rd.aaaa('fd00:2:0:1::10') },
    ], [], [opt()]),
    q(0x1a05, zone, TYPE.CAA),
    dnsMessage(0x1a05, R_OK, [{ name: zone, type: TYPE.CAA }], [
      { name: zone, type: TYPE.CAA, ttl: 3600, rd: rd.caa(0, 'issue', 'letsencrypt.org') },
      { name: zone, type: TYPE.CAA, ttl: 3600, rd: rd.caa(0, 'iodef', 'mailto:security@example.test') },
    ], [], [opt()]),
    q(0x1a06, zone, TYPE.HTTPS),
    dnsMessage(0x1a06, R_OK, [{ name: zone, type: TYPE.HTTPS }], [
      { name: zone, type: TYPE.HTTPS, ttl: 300, rd: rd.https(1, '.', { alpn: ['h3', 'h2'], port: 8443, v4: ['10.2.1.10', '10.2.1.11'], v6: ['fd00:2:0:1::10'] }) },
    ], [], [opt()]),
    // DNSSEC: DS with its signature (DO bit set, AD in the answer)
    q(0x1a07, 'sub.example.test', TYPE.DS, [opt(1232, true)]),
    dnsMessage(0x1a07, R_OK | 0x0020, [{ name: 'sub.example.test', type: TYPE.DS }], [
      { name: 'sub.example.test', type: TYPE.DS, ttl: 3600, rd: rd.ds(31337, 13, 2, filler(32, 7)) },
      { name: 'sub.example.test', type: TYPE.RRSIG, ttl: 3600, rd: rd.rrsig(TYPE.DS, 13, 3, 3600, 1_738_368_000, 1_735_689_600, 4242, zone, filler(64, 8)) },
    ], [], [opt(1232, true)]),
    // an internationalised name that does not exist: NXDOMAIN with SOA and NSEC proof
    q(0x1a08, 'xn--bcher-kva.example.test', TYPE.A, [opt(1232, true)]),
    dnsMessage(0x1a08, R_NXDOMAIN, [{ name: 'xn--bcher-kva.example.test', type: TYPE.A }], [], [
      { name: zone, type: TYPE.SOA, ttl: 3600, rd: rd.soa('ns1.example.test', 'hostmaster.example.test', 2025010101) },
      { name: 'www.example.test', type: TYPE.NSEC, ttl: 3600, rd: rd.nsec('xxx.example.test', [TYPE.A, TYPE.CNAME, TYPE.RRSIG, TYPE.NSEC, TYPE.CAA]) },
    ], [opt(1232, true)]),
  ];
  return udpDialog(c, s, at(100), msgs.map((data, i) => ({ from: i % 2 ? 'server' : 'client', data })), 1500);
}

function dnsTcpSession(): Frame[] {
  const c = endpoint('10.2.0.1', 42053), s = endpoint('10.2.0.53', 53, 'server');
  const zone = 'example.test';
  const msgs = [
    dnsMessage(0x2b01, Q_RD, [{ name: zone, type: TYPE.NS }], [], [], [opt(4096)]),
    dnsMessage(0x2b01, R_OK | R_AA, [{ name: zone, type: TYPE.NS }], [
      { name: zone, type: TYPE.NS, ttl: DAY, rd: rd.name('ns1.example.test') },
      { name: zone, type: TYPE.NS, ttl: DAY, rd: rd.name('ns2.example.test') },
    ], [], [
      { name: 'ns1.example.test', type: TYPE.A, ttl: DAY, rd: rd.a('10.2.0.53') },
      { name: 'ns2.example.test', type: TYPE.A, ttl: DAY, rd: rd.a('10.2.0.54') },
      opt(4096),
    ]),
    dnsMessage(0x2b02, Q_RD, [{ name: 'intranet.example.test', type: TYPE.A }], [], [], [opt(4096)]),
    dnsMessage(0x2b02, R_OK | R_AA, [{ name: 'intranet.example.test', type: TYPE.A }], [
      { name: 'intranet.example.test', type: TYPE.A, ttl: 120, rd: rd.a('10.2.3.1') },
      { name: 'intranet.example.test', type: TYPE.A, ttl: 120, rd: rd.a('10.2.3.2') },
      { name: 'intranet.example.test', type: TYPE.A, ttl: 120, rd: rd.a('10.2.3.3') },
    ], [], [opt(4096)]),
  ];
  return tcpDialog(c, s, at(101), msgs.map((m, i) => ({ from: i % 2 ? 'server' : 'client', data: tcpFramed(m) })));
}

function llmnrFrames(): Frame[] {
  const c = endpoint('10.9.1.5', 54321), group = endpoint('224.0.0.252', 5355, 'server'), r = endpoint('10.9.1.9', 5355, 'server');
  const question = [{ name: 'fileserver', type: TYPE.A }];
  return [
    ...udpDialog(c, group, at(110), [{ from: 'client', data: dnsMessage(0x7c01, 0x0000, question) }]),
    // the responder answers the querier directly (RFC 4795 §2.1)
    ...udpDialog(r, c, at(110) + 3000, [{ from: 'client', data: dnsMessage(0x7c01, 0x8000, question, [
      { name: 'fileserver', type: TYPE.A, ttl: 30, rd: rd.a('10.9.1.9') },
    ]) }]),
  ];
}

function mdnsFrames(): Frame[] {
  const c = endpoint('10.9.0.5', 5353), group = endpoint('224.0.0.251', 5353, 'server'), r = endpoint('10.9.0.7', 5353);
  const FLUSH = 0x8001; // class IN with the cache-flush bit
  return [
    // two questions in one query, the second asking for a unicast reply (QU bit)
    ...udpDialog(c, group, at(120), [{ from: 'client', data: dnsMessage(0, 0, [
      { name: '_ipp._tcp.local', type: TYPE.PTR }, { name: 'printer.local', type: TYPE.A, cls: 0x8001 },
    ]) }]),
    // the responder's multicast announcement: no questions, PTR/SRV/TXT and addresses
    ...udpDialog(r, group, at(120) + 40_000, [{ from: 'client', data: dnsMessage(0, R_AA, [], [
      { name: '_ipp._tcp.local', type: TYPE.PTR, ttl: 4500, rd: rd.name('Office Printer._ipp._tcp.local') },
      { name: 'Office Printer._ipp._tcp.local', type: TYPE.SRV, cls: FLUSH, ttl: 120, rd: rd.srv(0, 0, 631, 'printer.local') },
      { name: 'Office Printer._ipp._tcp.local', type: TYPE.TXT, cls: FLUSH, ttl: 4500, rd: rd.txt('txtvers=1', 'rp=ipp/print', 'ty=Office Printer') },
      { name: 'printer.local', type: TYPE.A, cls: FLUSH, ttl: 120, rd: rd.a('10.9.0.7') },
      { name: 'printer.local', type: TYPE.AAAA, cls: FLUSH, ttl: 120, rd: rd.aaaa('fe80::21b:21ff:fe01:207') },
    ]) }]),
  ];
}

// ---------------------------------------------------------------------------------------------
// NetBIOS

function nbnsFrames(): Frame[] {
  const c = endpoint('10.3.0.5', 137), bcast = endpoint('10.3.0.255', 137, 'server'), srv = endpoint('10.3.0.20', 137, 'server');
  const nb = (name: string, suffix: number, type: number) => [...netbiosName(name, suffix), ...u16(type), ...u16(1)];
  const query = (id: number, flags: number, name: string, suffix: number, type = 0x20, pad = 0x20) =>
    bytes([...u16(id), ...u16(flags), 0, 1, 0, 0, 0, 0, 0, 0, ...netbiosName(name, suffix, pad), ...u16(type), ...u16(1)]);
  // positive name query response: NB flags (B-node, unique) and the address
  const answer = bytes([...u16(0x8a01), ...u16(0x8500), 0, 0, 0, 1, 0, 0, 0, 0,
    ...nb('FILESERVER', 0x20, 0x20), ...u32(300000), ...u16(6), 0x00, 0x00, ...ip4('10.3.0.20')]);
  // name registration: the question plus an additional record pointing back at it
  const registration = bytes([...u16(0x8a02), ...u16(0x2910), 0, 1, 0, 0, 0, 0, 0, 1,
    ...nb('WORKSTATION7', 0x00, 0x20), 0xc0, 0x0c, ...u16(0x20), ...u16(1), ...u32(300000), ...u16(6), 0x00, 0x00, ...ip4('10.3.0.5')]);
  return [
    ...udpDialog(c, bcast, at(130), [
      { from: 'client', data: query(0x8a01, 0x0110, 'FILESERVER', 0x20) },
      { from: 'client', data: registration },
    ], 20_000),
    ...udpDialog(c, srv, at(130) + 5000, [
      { from: 'server', data: answer },
      { from: 'client', data: query(0x8a03, 0x0000, '*', 0x00, 0x21, 0x00) }, // node status (NBSTAT)
    ], 2000),
  ];
}

/** A browser host announcement: NetBIOS datagram carrying an SMB Trans to \MAILSLOT\BROWSE. */
function nbdsFrames(): Frame[] {
  const c = endpoint('10.3.0.5', 138), bcast = endpoint('10.3.0.255', 138, 'server');
  const le16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
  const le32 = (v: number) => [...le16(v & 0xffff), ...le16(v >>> 16)];
  const announce = [
    0x01, 0x01, ...le32(720000), ...ascii('WORKSTATION7'.padEnd(16, '\0')), 10, 0,
    ...le32(0x00011003), 15, 1, ...le16(0xaa55), ...ascii('Front desk\0'),
  ];
  const mailslot = ascii('\\MAILSLOT\\BROWSE\0');
  const words = 17, smbHeader = 32;
  const dataOffset = smbHeader + 1 + words * 2 + 2 + mailslot.length;
  const smb = [
    0xff, ...ascii('SMB'), 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    words, ...le16(0), ...le16(announce.length), ...le16(0), ...le16(0), 0, 0, ...le16(0), ...le32(0), ...le16(0),
    ...le16(0), ...le16(dataOffset), ...le16(announce.length), ...le16(dataOffset), 3, 0,
    ...le16(1), ...le16(1), ...le16(2),
    ...le16(mailslot.length + announce.length), ...mailslot, ...announce,
  ];
  const names = [...netbiosName('WORKSTATION7', 0x00), ...netbiosName('WORKGROUP', 0x1d)];
  const dgm = [0x11, 0x02, ...u16(0x4d2e), ...ip4('10.3.0.5'), ...u16(138), ...u16(names.length + smb.length), ...u16(0), ...names, ...smb];
  return udpDialog(c, bcast, at(135), [{ from: 'client', data: bytes(dgm) }]);
}

// ---------------------------------------------------------------------------------------------
// TLS, DTLS, QUIC

const CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];

function tlsFrames(): Frame[] {
  // TLS 1.2 with a certificate chain, ALPN h2 accepted
  const sid = filler(32, 40);
  const c1 = endpoint('10.4.0.1', 50443), s1 = endpoint('10.4.0.2', 443, 'server');
  const hs1 = [
    ...handshake(2, serverHello({ sessionId: filler(32, 41), cipher: 0xc02b, alpn: 'h2', seed: 42 })),
    ...handshake(11, certificateList([LEAF_CERT, ROOT_CERT])),
    ...handshake(12, serverKeyExchange(43)),
    ...handshake(14, []),
  ];
  const one = tcpDialog(c1, s1, at(140), [
    { from: 'client', data: bytes(tlsRecord(22, 0x0301, handshake(1, clientHello({ sni: 'www.example.test', alpn: ['h2', 'http/1.1'], ciphers: CIPHERS, sessionId: sid, seed: 44 })))) },
    { from: 'server', data: bytes(tlsRecord(22, 0x0303, hs1)) },
    { from: 'client', data: bytes([
      ...tlsRecord(22, 0x0303, handshake(16, [32, ...filler(32, 45)])),
      ...tlsRecord(20, 0x0303, [1]),
      ...tlsRecord(22, 0x0303, filler(40, 46)),
    ]) },
    { from: 'server', data: bytes([...tlsRecord(20, 0x0303, [1]), ...tlsRecord(22, 0x0303, filler(40, 47))]) },
    { from: 'client', data: bytes(tlsRecord(23, 0x0303, filler(120, 48))) },
    { from: 'server', data: bytes(tlsRecord(23, 0x0303, filler(600, 49))) },
  ]);
  // TLS 1.3: the rest of the server's flight is encrypted
  const c2 = endpoint('10.4.0.1', 50444), s2 = endpoint('10.4.0.3', 8443, 'server');
  const two = tcpDialog(c2, s2, at(141), [
    { from: 'client', data: bytes(tlsRecord(22, 0x0301, handshake(1, clientHello({ sni: 'api.example.test', alpn: ['http/1.1'], ciphers: CIPHERS, sessionId: filler(32, 50), tls13: true, seed: 51 })))) },
    { from: 'server', data: bytes([
      ...tlsRecord(22, 0x0303, handshake(2, serverHello({ sessionId: filler(32, 50), cipher: 0x1301, tls13: true, seed: 52 }))),
      ...tlsRecord(20, 0x0303, [1]),
      ...tlsRecord(23, 0x0303, filler(900, 53)),
    ]) },
    { from: 'client', data: bytes([...tlsRecord(20, 0x0303, [1]), ...tlsRecord(23, 0x0303, filler(53, 54)), ...tlsRecord(23, 0x0303, filler(90, 55))]) },
    { from: 'server', data: bytes(tlsRecord(23, 0x0303, filler(300, 56))) },
  ]);
  return [...one, ...two];
}

function dtlsFrames(): Frame[] {
  const c = endpoint('10.4.1.1', 50684), s = endpoint('10.4.1.2', 4433, 'server');
  const V10 = 0xfeff, V12 = 0xfefd;
  const hello = (cookie: number[]) => clientHello({ alpn: ['webrtc'], ciphers: [0xc02b, 0xc02f, 0xcca9, 0xc00a, 0xc014], dtlsCookie: cookie, version: V12, seed: 60 });
  const cookie = filler(20, 61);
  const flight = [
    ...dtlsRecord(22, V12, 1, dtlsHandshake(2, 1, serverHello({ version: V12, sessionId: filler(32, 62), cipher: 0xc02b, seed: 63 }))),
    ...dtlsRecord(22, V12, 2, dtlsHandshake(11, 2, certificateList([LEAF_CERT]))),
    ...dtlsRecord(22, V12, 3, dtlsHandshake(12, 3, serverKeyExchange(64))),
    ...dtlsRecord(22, V12, 4, dtlsHandshake(14, 4, [])),
  ];
  return udpDialog(c, s, at(150), [
    { from: 'client', data: bytes(dtlsRecord(22, V10, 0, dtlsHandshake(1, 0, hello([])))) },
    { from: 'server', data: bytes(dtlsRecord(22, V10, 0, dtlsHandshake(3, 0, [...u16(V10), cookie.length, ...cookie]))) },
    { from: 'client', data: bytes(dtlsRecord(22, V10, 1, dtlsHandshake(1, 1, hello(cookie)))) },
    { from: 'server', data: bytes(flight) },
    { from: 'client', data: bytes(dtlsRecord(22, V12, 2, dtlsHandshake(16, 2, [32, ...filler(32, 65)]))) },
  ], 3000);
}

function quicFrames(): Frame[] {
  // IETF QUIC v1: the client Initial decrypts with keys from its destination connection id
  const c = endpoint('10.4.2.1', 53443), s = endpoint('10.4.2.2', 443, 'server');
  const dcid = filler(8, 70), scid = filler(8, 71);
  const hello = clientHello({ sni: 'quic.example.test', alpn: ['h3'], ciphers: [0x1301, 0x1302, 0x1303], tls13: true, seed: 72 });
  const ietf = udpDialog(c, s, at(160), [
    { from: 'client', data: quicClientInitial(dcid, handshake(1, hello), 0) },
    { from: 'server', data: bytes([...quicServerLong(0, scid, 140, 73), ...quicServerLong(2, scid, 1000, 74)]) },
    { from: 'client', data: bytes([0x40, ...scid, ...filler(60, 75)]) },
    { from: 'server', data: bytes([0x40, ...filler(300, 76)]) },
  ], 4000);
  // Google QUIC Q043: a CHLO in the first stream frame, tags sorted, values concatenated
  const gc = endpoint('10.4.2.1', 53444), gs = endpoint('10.4.2.3', 443, 'server');
  const tags: [string, string][] = [['PAD\0', '-'.repeat(24)], ['SNI\0', 'www.gquic.example.test'], ['VER\0', 'Q043'], ['UAID', 'Chrome/72.0.3626.121 Linux x86_64']];
  let end = 0;
  const table = tags.flatMap(([t, v]) => { end += v.length; return [...ascii(t), end & 0xff, (end >> 8) & 0xff, 0, 0]; });
  const chlo = [...ascii('CHLO'), tags.length, 0, 0, 0, ...table, ...tags.flatMap(([, v]) => ascii(v))];
  const stream = [0xa0 | 0x00, 1, chlo.length & 0xff, chlo.length >> 8, ...chlo]; // FIN=0, data length, stream id 1
  const gquic = udpDialog(gc, gs, at(161), [
    { from: 'client', data: bytes([0x09, ...filler(8, 77), ...ascii('Q043'), 1, ...filler(12, 78), ...stream, ...new Array(1000).fill(0)]) },
    { from: 'server', data: bytes([0x08, ...filler(8, 77), 1, ...filler(12, 79), ...filler(200, 80)]) },
  ], 5000);
  return [...ietf, ...gquic];
}

// ---------------------------------------------------------------------------------------------
// SSH

/** An unencrypted SSH binary packet (RFC 4253 §6): length, padding length, payload, padding to 8. */
function sshPacket(payload: number[]): number[] {
  let pad = 8 - ((5 + payload.length) % 8);
  if (pad < 4) pad += 8;
  return [...u32(1 + payload.length + pad), pad, ...payload, ...new Array(pad).fill(0)];
}
const sshString = (b: number[]) => [...u32(b.length), ...b];
const nameList = (names: string[]) => sshString(ascii(names.join(',')));
const mpint = (b: number[]) => sshString(b[0] & 0x80 ? [0, ...b] : b);

function kexinit(seed: number, kex: string[], hostKey: string[], enc: string[], mac: string[]): number[] {
  return sshPacket([20, ...filler(16, seed), ...nameList(kex), ...nameList(hostKey), ...nameList(enc), ...nameList(enc),
    ...nameList(mac), ...nameList(mac), ...nameList(['none', 'zlib@openssh.com']), ...nameList(['none', 'zlib@openssh.com']),
    ...nameList([]), ...nameList([]), 0, ...u32(0)]);
}

const CLIENT_VERSION = 'SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n';
const CLIENT_KEX = ['umac-128-etm@openssh.com', 'hmac-sha2-256-etm@openssh.com'];

function sshFrames(): Frame[] {
  return [...sshGexSession(), ...sshReverseShellSession()];
}

/** Modern key exchange (curve25519: no host key for Arkime) then 16 packets each way of 50..99 bytes. */
function sshReverseShellSession(): Frame[] {
  const c = endpoint('10.5.0.30', 50023), s = endpoint('10.5.0.99', 443, 'server');
  const kex = ['curve25519-sha256', 'curve25519-sha256@libssh.org'], enc = ['chacha20-poly1305@openssh.com'];
  const shell = Array.from({ length: 16 }, (_, i) => [
    { from: 'client' as const, data: bytes(filler(60 + (i % 4) * 8, 140 + i)) },
    { from: 'server' as const, data: bytes(filler(68 + (i % 3) * 8, 160 + i)) },
  ]).flat();
  return tcpDialog(c, s, at(171), [
    { from: 'client', data: CLIENT_VERSION },
    { from: 'server', data: 'SSH-2.0-dropbear_2022.83\r\n' },
    { from: 'client', data: bytes(kexinit(101, kex, ['ssh-ed25519'], enc, CLIENT_KEX)) },
    { from: 'server', data: bytes(kexinit(102, kex, ['ssh-ed25519'], enc, ['hmac-sha2-256'])) },
    { from: 'client', data: bytes(sshPacket([30, ...sshString(filler(32, 103))])) },                          // ECDH init
    { from: 'server', data: bytes([
      ...sshPacket([31, ...sshString([...sshString(ascii('ssh-ed25519')), ...sshString(filler(32, 104))]),       // ECDH reply
        ...sshString(filler(32, 105)), ...sshString([...sshString(ascii('ssh-ed25519')), ...sshString(filler(64, 106))])]),
      ...sshPacket([21]),
    ]) },
    { from: 'client', data: bytes(sshPacket([21])) },
    ...shell,
  ]);
}

/** OpenSSH with Diffie-Hellman group exchange: the GEX reply carries the host key. */
function sshGexSession(): Frame[] {
  const c = endpoint('10.5.0.1', 50022), s = endpoint('10.5.0.22', 22, 'server');
  const hostKey = [...sshString(ascii('ssh-ed25519')), ...sshString(filler(32, 90))];
  const encrypted = (n: number, seed: number) => bytes(filler(n, seed));
  return tcpDialog(c, s, at(170), [
    { from: 'client', data: CLIENT_VERSION },
    { from: 'server', data: 'SSH-2.0-OpenSSH_8.9p1 Debian-3\r\n' },
    { from: 'client', data: bytes(kexinit(91, ['diffie-hellman-group-exchange-sha256', 'curve25519-sha256', 'ext-info-c'],
      ['ssh-ed25519', 'rsa-sha2-512'], ['chacha20-poly1305@openssh.com', 'aes256-gcm@openssh.com', 'aes128-ctr'],
      CLIENT_KEX)) },
    { from: 'server', data: bytes(kexinit(92, ['diffie-hellman-group-exchange-sha256', 'curve25519-sha256'],
      ['rsa-sha2-512', 'ssh-ed25519'], ['aes256-gcm@openssh.com', 'chacha20-poly1305@openssh.com'],
      ['hmac-sha2-256-etm@openssh.com', 'hmac-sha2-512'])) },
    { from: 'client', data: bytes(sshPacket([34, ...u32(2048), ...u32(3072), ...u32(8192)])) },         // GEX request
    { from: 'server', data: bytes(sshPacket([31, ...mpint([0xff, ...filler(383, 93)]), ...mpint([2])])) }, // GEX group
    { from: 'client', data: bytes(sshPacket([32, ...mpint([0x9c, ...filler(383, 94)])])) },              // GEX init
    { from: 'server', data: bytes([
      ...sshPacket([33, ...sshString(hostKey), ...mpint([0xa1, ...filler(383, 95)]),                    // GEX reply
        ...sshString([...sshString(ascii('ssh-ed25519')), ...sshString(filler(64, 96))])]),
      ...sshPacket([21]),                                                                               // NEWKEYS
    ]) },
    { from: 'client', data: bytes(sshPacket([21])) },
    { from: 'client', data: encrypted(64, 97) },
    { from: 'server', data: encrypted(64, 98) },
    { from: 'client', data: encrypted(80, 99) },
    { from: 'server', data: encrypted(112, 100) },
    ...Array.from({ length: 12 }, (_, i) => [                                                            // keystrokes and echoes
      { from: 'client' as const, data: encrypted(36, 180 + i) },
      { from: 'server' as const, data: encrypted(36, 200 + i) },
    ]).flat(),
  ]);
}

// ---------------------------------------------------------------------------------------------
// SOCKS

function socksFrames(): Frame[] {
  const get = 'GET /status HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n';
  const ok = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n';
  // SOCKS5 with username/password and a domain-name destination, then HTTP through the tunnel
  const c5 = endpoint('10.6.0.1', 51080), proxy = endpoint('10.6.0.2', 1080, 'server');
  const host = 'www.example.test';
  const five = tcpDialog(c5, proxy, at(180), [
    { from: 'client', data: bytes([5, 2, 0, 2]) },
    { from: 'server', data: bytes([5, 2]) },
    { from: 'client', data: bytes([1, 5, ...ascii('alice'), 7, ...ascii('s3cret!')]) },
    { from: 'server', data: bytes([1, 0]) },
    { from: 'client', data: bytes([5, 1, 0, 3, host.length, ...ascii(host), ...u16(80)]) },
    { from: 'server', data: bytes([5, 0, 0, 1, ...ip4('10.6.0.2'), ...u16(40123)]) },
    { from: 'client', data: get },
    { from: 'server', data: ok },
  ]);
  // SOCKS4 to an IPv4 destination with a user id, carrying SSH
  const c4 = endpoint('10.6.0.1', 51081);
  const four = tcpDialog(c4, proxy, at(181), [
    { from: 'client', data: bytes([4, 1, ...u16(22), ...ip4('10.6.1.22'), ...ascii('bob'), 0]) },
    { from: 'server', data: bytes([0, 0x5a, 0, 0, 0, 0, 0, 0]) },
    { from: 'client', data: 'SSH-2.0-PuTTY_Release_0.81\r\n' },
    { from: 'server', data: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n' },
  ]);
  return [...five, ...four];
}

// ---------------------------------------------------------------------------------------------
// STUN / TURN

const COOKIE = [0x21, 0x12, 0xa4, 0x42];

function crc32(b: number[]): number {
  let c = 0xffffffff;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

const stunAttr = (type: number, v: number[]) => [...u16(type), ...u16(v.length), ...v, ...new Array((4 - (v.length % 4)) % 4).fill(0)];

/** An XOR address attribute value (RFC 5389 §15.2) for an IPv4 address. */
const xorAddr = (ip: string, port: number) => [0, 1, ...u16(port ^ 0x2112), ...ip4(ip).map((x, i) => x ^ COOKIE[i])];

/**
 * A STUN message with MESSAGE-INTEGRITY (HMAC-SHA1 with `key`) when given, then FINGERPRINT,
 * each computed over the message with the length field covering it (RFC 5389 §15.4, §15.5).
 */
function stunMessage(type: number, txn: number[], attrs: number[], key?: string): number[] {
  let body = attrs;
  const header = (len: number) => [...u16(type), ...u16(len), ...COOKIE, ...txn];
  if (key !== undefined) {
    const mac = createHmac('sha1', key).update(Buffer.from([...header(body.length + 24), ...body])).digest();
    body = [...body, ...stunAttr(0x0008, [...mac])];
  }
  const crc = crc32([...header(body.length + 8), ...body]) ^ 0x5354554e;
  body = [...body, ...stunAttr(0x8028, u32(crc >>> 0))];
  return [...header(body.length), ...body];
}

function stunFrames(): Frame[] {
  // ICE connectivity check over UDP: the XOR-mapped address shows a NAT
  const c = endpoint('10.7.0.1', 50000), s = endpoint('10.7.0.2', 3478, 'server');
  const t1 = filler(12, 110);
  const ice = udpDialog(c, s, at(190), [
    { from: 'client', data: bytes(stunMessage(0x0001, t1, [
      ...stunAttr(0x0006, ascii('bXk9:Zm9v')), ...stunAttr(0x8022, ascii('libjuice')),
      ...stunAttr(0x0024, u32(1853817087)), ...stunAttr(0x802a, filler(8, 111)), ...stunAttr(0x0025, []),
    ], 'icepassword1234567890')) },
    { from: 'server', data: bytes(stunMessage(0x0101, t1, [
      ...stunAttr(0x0020, xorAddr('10.7.200.9', 61000)), ...stunAttr(0x0001, [0, 1, ...u16(61000), ...ip4('10.7.200.9')]),
      ...stunAttr(0x8022, ascii('coturn-4.6.2')),
    ], 'icepassword1234567890')) },
  ]);
  // TURN over TCP: an Allocate challenged with 401, retried with credentials, then granted
  const tc = endpoint('10.7.0.1', 50001);
  const t2 = filler(12, 112), t3 = filler(12, 113);
  const realm = 'example.test', nonce = ascii('4f3c2b1a0d9e8f7a');
  const transport = stunAttr(0x0019, [17, 0, 0, 0]);
  const turn = tcpDialog(tc, s, at(191), [
    { from: 'client', data: bytes(stunMessage(0x0003, t2, [...transport, ...stunAttr(0x8022, ascii('Packrat TURN client 1.0'))])) },
    { from: 'server', data: bytes(stunMessage(0x0113, t2, [
      ...stunAttr(0x0009, [0, 0, 4, 1, ...ascii('Unauthorized')]), ...stunAttr(0x0015, nonce), ...stunAttr(0x0014, ascii(realm)),
      ...stunAttr(0x8022, ascii('Coturn-4.6.2')),
    ])) },
    { from: 'client', data: bytes(stunMessage(0x0003, t3, [
      ...transport, ...stunAttr(0x0006, ascii('turnuser')), ...stunAttr(0x0014, ascii(realm)), ...stunAttr(0x0015, nonce),
    ], 'turnkey')) },
    { from: 'server', data: bytes(stunMessage(0x0103, t3, [
      ...stunAttr(0x0016, xorAddr('10.7.0.2', 49152)), ...stunAttr(0x0020, xorAddr('10.7.0.1', 50001)), ...stunAttr(0x000d, u32(600)),
    ], 'turnkey')) },
  ]);
  return [...ice, ...turn];
}

// ---------------------------------------------------------------------------------------------
// NTP, TFTP, RADIUS

/** An NTPv`v` packet: LI/VN/mode, stratum, poll, precision, root delay/dispersion, ref id, four timestamps. */
function ntpPacket(v: number, mode: number, stratum: number, refId: number[], seed: number): Uint8Array {
  const ts = (k: number) => [...u32(3_944_678_400 + k), ...filler(4, seed + k)];
  return bytes([(v << 3) | mode, stratum, 6, 0xe9, ...u32(stratum ? 0x00000c00 : 0), ...u32(stratum ? 0x00001a00 : 0), ...refId,
    ...(stratum ? ts(0) : u32(0).concat(u32(0))), ...(mode === 3 ? [...u32(0), ...u32(0)] : ts(1)), ...(mode === 3 ? [...u32(0), ...u32(0)] : ts(2)), ...ts(3)]);
}

function ntpFrames(): Frame[] {
  const c = endpoint('10.8.0.1', 41123), s = endpoint('10.8.0.123', 123, 'server');
  const c2 = endpoint('10.8.0.2', 123), gps = endpoint('10.8.0.124', 123, 'server');
  return [
    ...udpDialog(c, s, at(200), [
      { from: 'client', data: ntpPacket(4, 3, 0, u32(0), 120) },
      { from: 'server', data: ntpPacket(4, 4, 2, ip4('10.8.0.124'), 121) },
    ]),
    ...udpDialog(c2, gps, at(201), [
      { from: 'client', data: ntpPacket(3, 3, 0, u32(0), 122) },
      { from: 'server', data: ntpPacket(3, 4, 1, ascii('GPS\0'), 123) },
    ]),
  ];
}

function tftpFrames(): Frame[] {
  const c = endpoint('10.8.1.5', 2070), s = endpoint('10.8.1.69', 69, 'server');
  const c2 = endpoint('10.8.1.6', 2071);
  const rq = (op: number, file: string, opts: string[] = []) => bytes([...u16(op), ...ascii(file), 0, ...ascii('octet'), 0, ...opts.flatMap((o) => [...ascii(o), 0])]);
  return [
    // a read with options; this server answers from port 69 (as small embedded servers do)
    ...udpDialog(c, s, at(210), [
      { from: 'client', data: rq(1, 'pxelinux.cfg/default', ['blksize', '512', 'tsize', '0']) },
      { from: 'server', data: bytes([...u16(3), ...u16(1), ...ascii('DEFAULT linux\nLABEL linux\n  KERNEL vmlinuz\n')]) },
      { from: 'client', data: bytes([...u16(4), ...u16(1)]) },
    ]),
    // a write that is refused
    ...udpDialog(c2, s, at(211), [
      { from: 'client', data: rq(2, 'backup/router.cfg') },
      { from: 'server', data: bytes([...u16(5), ...u16(2), ...ascii('Access violation'), 0]) },
    ]),
  ];
}

const radiusAttr = (type: number, v: number[]) => [type, v.length + 2, ...v];

function radiusMessage(code: number, id: number, authenticator: number[], attrs: number[]): Uint8Array {
  return bytes([code, id, ...u16(20 + attrs.length), ...authenticator, ...attrs]);
}

function radiusFrames(): Frame[] {
  const nas = endpoint('10.8.2.1', 50812), server = endpoint('10.8.2.2', 1812, 'server');
  const nasAcct = endpoint('10.8.2.1', 50813), acct = endpoint('10.8.2.2', 1813, 'server');
  return [
    ...udpDialog(nas, server, at(220), [
      { from: 'client', data: radiusMessage(1, 7, filler(16, 130), [
        ...radiusAttr(1, ascii('jdoe')), ...radiusAttr(2, filler(16, 131)), ...radiusAttr(4, ip4('10.8.2.1')),
        ...radiusAttr(5, u32(12)), ...radiusAttr(61, u32(15)), ...radiusAttr(31, ascii('001B210A0B0C')),
        ...radiusAttr(66, ascii('10.8.9.77')), ...radiusAttr(80, filler(16, 132)),
      ]) },
      { from: 'server', data: radiusMessage(2, 7, filler(16, 133), [
        ...radiusAttr(6, u32(2)), ...radiusAttr(7, u32(1)), ...radiusAttr(8, ip4('10.8.5.5')), ...radiusAttr(80, filler(16, 134)),
      ]) },
    ]),
    ...udpDialog(nasAcct, acct, at(221), [
      { from: 'client', data: radiusMessage(4, 8, filler(16, 135), [
        ...radiusAttr(40, u32(1)), ...radiusAttr(1, ascii('jdoe')), ...radiusAttr(4, ip4('10.8.2.1')), ...radiusAttr(5, u32(12)),
        ...radiusAttr(8, ip4('10.8.5.5')), ...radiusAttr(44, ascii('0000002A')),
      ]) },
      { from: 'server', data: radiusMessage(5, 8, filler(16, 136), []) },
    ]),
  ];
}

// ---------------------------------------------------------------------------------------------

export const namingSamples: Sample[] = [
  {
    name: 'dns',
    about: 'UDP queries for A/CNAME, MX, TXT, AAAA, CAA, HTTPS, DS+RRSIG and an NXDOMAIN IDN with NSEC; TCP NS and A queries',
    config: '[default]\nparseDNSRecordAll=true\ndnsOutputAnswers=true\n',
    frames: () => sortByTime([...dnsUdpSession(), ...dnsTcpSession()]),
  },
  { name: 'llmnr', about: 'LLMNR multicast A query and the unicast answer', frames: llmnrFrames },
  { name: 'mdns', about: 'mDNS query with two questions (one QU) and a responder announcement with PTR/SRV/TXT/A/AAAA', frames: mdnsFrames },
  { name: 'nbns', about: 'NetBIOS name query, positive response, registration with a pointer record, node status query', frames: nbnsFrames },
  { name: 'nbds', about: 'NetBIOS datagram carrying an SMB browser host announcement', frames: nbdsFrames },
  {
    name: 'tls',
    about: 'TLS 1.2 with SNI/ALPN h2, ServerHello, certificate chain; TLS 1.3 handshake to 8443',
    config: '[default]\nja3Strings=true\nja4Raw=true\n',
    frames: tlsFrames,
  },
  { name: 'dtls', about: 'DTLS 1.2 ClientHello, HelloVerifyRequest, ClientHello with cookie, server flight with a certificate', config: '[default]\nja4Raw=true\n', frames: dtlsFrames },
  { name: 'quic', about: 'IETF QUIC v1 Initial with a ClientHello (SNI, ALPN h3); gQUIC Q043 CHLO with SNI, UAID, VER', frames: quicFrames },
  { name: 'ssh', about: 'OpenSSH DH group exchange with an ed25519 host key and keystrokes; a curve25519 session to 443 shaped like a reverse shell', frames: sshFrames },
  { name: 'socks', about: 'SOCKS5 with user/password to a host name carrying HTTP; SOCKS4 to an IPv4 address carrying SSH', frames: socksFrames },
  { name: 'stun', about: 'ICE binding request/response over UDP; TURN Allocate over TCP with a 401 challenge then relayed address', frames: stunFrames },
  { name: 'ntp', about: 'NTPv4 client/server from stratum 2; NTPv3 symmetric ports with a stratum 1 GPS server', frames: ntpFrames },
  { name: 'tftp', about: 'TFTP read request with options, data and ack; a write request refused with an error', frames: tftpFrames },
  { name: 'radius', about: 'RADIUS Access-Request/Accept with user, NAS, calling station, endpoint and framed IP; accounting start', frames: radiusFrames },
];
