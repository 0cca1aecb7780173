// Samples for mail, Windows and directory, DHCP, SNMP, VPN.
import { endpoint, ipv4Frame, tcpDialog, udpDatagram, udpDialog, type Message } from '../../synth/traffic.js';
import { clientHelloBody, u16, u24 } from '../tls-test-hello.js';
import {
  ipv6, udp6Frame, type Endpoint6,
  app, ascii, be16, be32, ctx, derInt, encData, enumerated, filler, hexBytes, kstr, ktime, le16, le32, nbss, ntlmAuthenticate,
  ntlmChallenge, ntlmNegotiate, octets, octetStr, oid, principal, seq, smb1, smb2Header, spnegoInit, spnegoResp, ticket, tlv,
  utf16, zeros, type Bytes,
} from './mailwin-bytes.js';
import { at, type Sample } from './sample.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The corpus's Wireshark manuf table, read in place (this file runs from dist/capture/parsers/samples/). */
const OUI_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../../shared/conformance/data/oui.txt');

const u8 = (b: Bytes) => new Uint8Array(b);

/** A TLS record carrying a ClientHello (what follows STARTTLS). */
function tlsClientHello(sni: string): Uint8Array {
  const body = clientHelloBody(sni);
  const hs = [1, ...u24(body.length), ...body];
  return new Uint8Array([0x16, 0x03, 0x01, ...u16(hs.length), ...hs]);
}

/** The SMTP sample's attachment: a tiny PDF, base64 in 76-column lines as mailers send it. */
const ATTACHMENT_B64 = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n')
  .toString('base64').replace(/.{76}/g, '$&\r\n');

// ---------------------------------------------------------------------------------------------
// SMB

const SMB_COM_NEGOTIATE = 0x72, SMB_COM_SESSION_SETUP_ANDX = 0x73, SMB_COM_TREE_CONNECT_ANDX = 0x75, SMB_COM_NT_CREATE_ANDX = 0xa2;
const SMB_COM_TRANSACTION = 0x25;
/** flags2: unicode, NT status, extended security, long names, EAs, signatures. */
const FLAGS2 = 0xc807;
const STATUS_MORE_PROCESSING_REQUIRED = 0xc0000016;

const smb1Dialects = (names: string[]) => names.flatMap((n) => [2, ...ascii(`${n}\0`)]);

/** SMB1 negotiate response (17 words) choosing dialect `index`, extended security (server GUID only). */
const smb1NegotiateResponse = (index: number) => smb1(SMB_COM_NEGOTIATE, true, FLAGS2, { mid: 1 }, [
  ...le16(index), 0x03, ...le16(50), ...le16(1), ...le32(16644), ...le32(65536), ...le32(0), ...le32(0x8000e3fd),
  ...filler(8, 4), ...le16(0), 0,
], filler(16, 6));

/** SESSION_SETUP_ANDX request, extended security (12 words): blob, pad to even, then OS, LAN manager, domain. */
function smb1SessionSetup(mid: number, uid: number, blob: Bytes, strings: string): Bytes {
  const words = [0xff, 0, ...le16(0), ...le16(16644), ...le16(50), ...le16(0), ...le32(0), ...le16(blob.length), ...le32(0), ...le32(0x8000e05c)];
  const padTo = (32 + 1 + words.length + 2 + blob.length) & 1;
  return smb1(SMB_COM_SESSION_SETUP_ANDX, false, FLAGS2, { mid, uid }, words, [...blob, ...zeros(padTo), ...utf16(strings)]);
}

function smb1SessionSetupResponse(mid: number, uid: number, blob: Bytes, status = 0): Bytes {
  const words = [0xff, 0, ...le16(0), ...le16(0), ...le16(blob.length)];
  const padTo = (32 + 1 + words.length + 2 + blob.length) & 1;
  return smb1(SMB_COM_SESSION_SETUP_ANDX, true, FLAGS2, { mid, uid, status }, words, [...blob, ...zeros(padTo), ...utf16('Windows Server 2019 Standard 17763\0Windows Server 2019 Standard 6.3\0')]);
}

/** TREE_CONNECT_ANDX: one NUL password byte, the UNC path (UTF-16), service "?????". */
const smb1TreeConnect = (mid: number, uid: number, path: string) => smb1(SMB_COM_TREE_CONNECT_ANDX, false, FLAGS2, { mid, uid },
  [0xff, 0, ...le16(0), ...le16(0x0008), ...le16(1)], [0, ...utf16(`${path}\0`), ...ascii('?????\0')]);

const smb1TreeConnectResponse = (mid: number, uid: number, tid: number) => smb1(SMB_COM_TREE_CONNECT_ANDX, true, FLAGS2, { mid, uid, tid },
  [0xff, 0, ...le16(0), ...le16(0x0001), ...le32(0x001f01ff), ...le32(0)], [...ascii('A:\0'), ...utf16('NTFS\0')]);

/** NT_CREATE_ANDX (24 words): pad byte, then the file name (UTF-16). */
function smb1NtCreate(mid: number, uid: number, tid: number, name: string): Bytes {
  const n = utf16(`${name}\0`);
  return smb1(SMB_COM_NT_CREATE_ANDX, false, FLAGS2, { mid, uid, tid }, [
    0xff, 0, ...le16(0), 0, ...le16(n.length - 2), ...le32(0x16), ...le32(0), ...le32(0x0002019f), ...zeros(8),
    ...le32(0x80), ...le32(0x07), ...le32(1), ...le32(0x44), ...le32(2), 0x03,
  ], [0, ...n]);
}

const smb1NtCreateResponse = (mid: number, uid: number, tid: number, fid: number) => smb1(SMB_COM_NT_CREATE_ANDX, true, FLAGS2, { mid, uid, tid }, [
  0xff, 0, ...le16(0), 0, ...le16(fid), ...le32(1), ...filler(32, fid), ...le32(0x20), ...zeros(8), ...zeros(8), ...le16(0), ...le16(0), 0,
], []);

const SMB2_NEGOTIATE = 0, SMB2_SESSION_SETUP = 1, SMB2_TREE_CONNECT = 3, SMB2_CREATE = 5;

/** SMB2 NEGOTIATE response: security mode, dialect, GUID, limits, times, SPNEGO hint. */
function smb2NegotiateResponse(mid: number, dialect: number): Bytes {
  const blob = app(0, [...oid('1.3.6.1.5.5.2'), ...ctx(0, seq(ctx(0, seq(oid('1.3.6.1.4.1.311.2.2.10')))))]);
  return [...smb2Header(SMB2_NEGOTIATE, true, { mid }), ...le16(65), ...le16(1), ...le16(dialect), ...le16(0), ...filler(16, 8),
    ...le32(0x2f), ...le32(8388608), ...le32(8388608), ...le32(8388608), ...filler(8, 2), ...zeros(8),
    ...le16(128), ...le16(blob.length), ...le32(0), ...blob];
}

function smb2NegotiateRequest(mid: number): Bytes {
  const dialects = [0x0202, 0x0210, 0x0300, 0x0302, 0x0311];
  const preauth = [...le16(1), ...le16(38), ...le32(0), ...le16(1), ...le16(32), ...le16(1), ...filler(32, 12)];
  const cipher = [...le16(2), ...le16(6), ...le32(0), ...le16(2), ...le16(2), ...le16(1)];
  const ctxOff = 64 + 36 + dialects.length * 2;
  const pad = (8 - (ctxOff % 8)) % 8;
  return [...smb2Header(SMB2_NEGOTIATE, false, { mid }), ...le16(36), ...le16(dialects.length), ...le16(1), ...le16(0), ...le32(0x7f),
    ...filler(16, 13), ...le32(ctxOff + pad), ...le16(2), ...le16(0), ...dialects.flatMap(le16), ...zeros(pad),
    ...preauth, ...zeros((8 - (preauth.length % 8)) % 8), ...cipher];
}

const smb2SessionSetup = (mid: number, session: number, blob: Bytes) =>
  [...smb2Header(SMB2_SESSION_SETUP, false, { mid, session }), ...le16(25), 0, 1, ...le32(1), ...le32(0), ...le16(88), ...le16(blob.length), ...zeros(8), ...blob];

const smb2SessionSetupResponse = (mid: number, session: number, blob: Bytes, status = 0) =>
  [...smb2Header(SMB2_SESSION_SETUP, true, { mid, session, status }), ...le16(9), ...le16(0), ...le16(72), ...le16(blob.length), ...blob];

function smb2TreeConnect(mid: number, session: number, path: string): Bytes {
  const p = utf16(path);
  return [...smb2Header(SMB2_TREE_CONNECT, false, { mid, session }), ...le16(9), ...le16(0), ...le16(72), ...le16(p.length), ...p];
}

const smb2TreeConnectResponse = (mid: number, session: number, tree: number, pipe: boolean) =>
  [...smb2Header(SMB2_TREE_CONNECT, true, { mid, session, tree }), ...le16(16), pipe ? 2 : 1, 0, ...le32(pipe ? 0x30 : 0x800), ...le32(0), ...le32(0x001f01ff)];

function smb2Create(mid: number, session: number, tree: number, name: string): Bytes {
  const n = utf16(name);
  return [...smb2Header(SMB2_CREATE, false, { mid, session, tree }), ...le16(57), 0, 0, ...le32(2), ...zeros(8), ...zeros(8),
    ...le32(0x0012019f), ...le32(0), ...le32(7), ...le32(1), ...le32(0x40), ...le16(120), ...le16(n.length), ...le32(0), ...le32(0), ...n];
}

const smb2CreateResponse = (mid: number, session: number, tree: number) =>
  [...smb2Header(SMB2_CREATE, true, { mid, session, tree }), ...le16(89), 0, 0, ...le32(1), ...filler(32, mid), ...zeros(16),
    ...le32(0x80), ...le32(0), ...filler(16, mid + 1), ...le32(0), ...le32(0)];

/** A NetBIOS name, first-level encoded (RFC 1001): 15 chars space padded, suffix byte. */
function nbName(name: string, suffix: number): Bytes {
  const raw = [...ascii(name.padEnd(15, ' ')), suffix];
  return [0x20, ...raw.flatMap((c) => [0x41 + (c >> 4), 0x41 + (c & 0x0f)]), 0];
}

/** Browser Host Announcement in a mailslot write (SMB1 TRANSACTION) in a direct group datagram. */
function browserAnnouncement(srcIp: number[], host: string, domain: string): Bytes {
  const announce = [1, 0, ...le32(720000), ...ascii(host.padEnd(16, '\0')), 10, 0, ...le32(0x00051003), 15, 1, ...le16(0xaa55), 0];
  const mailslot = ascii('\\MAILSLOT\\BROWSE\0');
  const dataOff = 32 + 1 + 34 + 2 + mailslot.length;
  const words = [...le16(0), ...le16(announce.length), ...le16(0), ...le16(0), 0, 0, ...le16(0), ...le32(0), ...le16(0),
    ...le16(0), ...le16(dataOff), ...le16(announce.length), ...le16(dataOff), 3, 0, ...le16(1), ...le16(1), ...le16(2)];
  const smb = smb1(SMB_COM_TRANSACTION, false, 0, { mid: 0, tid: 0 }, words, [...mailslot, ...announce]);
  const names = [...nbName(host, 0x00), ...nbName(domain, 0x1d)];
  return [0x11, 0x02, ...be16(0x81c2), ...srcIp, ...be16(138), ...be16(names.length + smb.length), ...be16(0), ...names, ...smb];
}

// ---------------------------------------------------------------------------------------------
// Kerberos

const REALM = 'CORP.TEST';
const kdcOptions = tlv(0x03, [0, 0x40, 0x81, 0x00, 0x10]);
const paPacRequest = seq(ctx(1, derInt(128)), ctx(2, octets(seq(ctx(0, tlv(0x01, [0xff]))))));
const etypes = ctx(8, seq(derInt(18), derInt(17), derInt(23), derInt(24)));
const krbtgt = principal(2, 'krbtgt', REALM);

function asReq(nonce: number, padata: Bytes[]): Bytes {
  const body = seq(ctx(0, kdcOptions), ctx(1, principal(1, 'alice')), ctx(2, kstr(REALM)), ctx(3, krbtgt),
    ctx(5, ktime('20370913024805Z')), ctx(6, ktime('20370913024805Z')), ctx(7, derInt(nonce)), etypes,
    ctx(9, seq(seq(ctx(0, derInt(20)), ctx(1, octets(ascii('WS02            ')))))));
  return app(10, seq(ctx(1, derInt(5)), ctx(2, derInt(10)), ctx(3, seq(...padata)), ctx(4, body)));
}

const etypeInfo2 = seq(ctx(1, derInt(19)), ctx(2, octets(seq(seq(ctx(0, derInt(18)), ctx(1, tlv(0x1b, ascii(`${REALM}alice`))))))));

function krbError(code: number, sname: Bytes, eData?: Bytes): Bytes {
  return app(30, seq(ctx(0, derInt(5)), ctx(1, derInt(30)), ctx(4, ktime('20250101000220Z')), ctx(5, derInt(431337)),
    ctx(6, derInt(code)), ctx(9, kstr(REALM)), ctx(10, sname), ...(eData ? [ctx(12, octets(eData))] : [])));
}

function kdcRep(type: 11 | 13, cname: string, sname: Bytes, ticketLen: number): Bytes {
  return app(type, seq(ctx(0, derInt(5)), ctx(1, derInt(type)), ...(type === 11 ? [ctx(2, seq(etypeInfo2))] : []),
    ctx(3, kstr(REALM)), ctx(4, principal(1, cname)), ctx(5, ticket(REALM, sname, ticketLen)), ctx(6, encData(18, 260, type, 3))));
}

function tgsReq(nonce: number, sname: Bytes): Bytes {
  const apReq = app(14, seq(ctx(0, derInt(5)), ctx(1, derInt(14)), ctx(2, tlv(0x03, [0, 0, 0, 0, 0])),
    ctx(3, ticket(REALM, krbtgt, 420)), ctx(4, encData(18, 150, 17))));
  const body = seq(ctx(0, kdcOptions), ctx(2, kstr(REALM)), ctx(3, sname), ctx(5, ktime('20370913024805Z')), ctx(7, derInt(nonce)), etypes);
  return app(12, seq(ctx(1, derInt(5)), ctx(2, derInt(12)), ctx(3, seq(seq(ctx(1, derInt(1)), ctx(2, octets(apReq))))), ctx(4, body)));
}

/** TCP Kerberos record: 4-byte length, then the message. */
const krbTcp = (m: Bytes) => u8([...be32(m.length), ...m]);


// ---------------------------------------------------------------------------------------------
// LDAP

const ldapMsg = (id: number, op: Bytes) => u8(seq(derInt(id), op));
const ldapResult = (code: number, matched: Bytes = [], diag = '') => [...enumerated(code), ...octets(matched), ...octetStr(diag)];
const bindRequest = (name: string, auth: Bytes) => tlv(0x60, [...derInt(3), ...octetStr(name), ...auth]);
const bindResponse = (code: number, matched: Bytes = []) => tlv(0x61, ldapResult(code, matched));

function searchRequest(base: string, attr: string, value: string, attrs: string[]): Bytes {
  const filter = tlv(0xa3, [...octetStr(attr), ...octetStr(value)]);   // equalityMatch
  return tlv(0x63, [...octetStr(base), ...enumerated(2), ...enumerated(0), ...derInt(0), ...derInt(120), ...tlv(0x01, [0]),
    ...filter, ...seq(...attrs.map(octetStr))]);
}

function searchEntry(dn: string, attrs: [string, string][]): Bytes {
  return tlv(0x64, [...octetStr(dn), ...seq(...attrs.map(([k, v]) => seq(octetStr(k), tlv(0x31, octetStr(v)))))]);
}

// ---------------------------------------------------------------------------------------------
// DCE/RPC (connection oriented, little endian)

/** A UUID in DCE/RPC wire order: first three groups little endian. */
function uuidLe(text: string): Bytes {
  const h = hexBytes(text.replace(/-/g, ''));
  return [h[3], h[2], h[1], h[0], h[5], h[4], h[7], h[6], ...h.slice(8)];
}

const NDR = [...uuidLe('8a885d04-1ceb-11c9-9fe8-08002b104860'), ...le32(2)];
const NDR64 = [...uuidLe('71710533-beba-4937-8319-b5dbef9ccc36'), ...le32(1)];

function rpcPdu(type: number, callId: number, body: Bytes): Uint8Array {
  const len = 16 + body.length;
  return u8([5, 0, type, 0x03, 0x10, 0, 0, 0, ...le16(len), ...le16(0), ...le32(callId), ...body]);
}

function rpcBind(callId: number, ifaces: [string, number, number][]): Uint8Array {
  const items = ifaces.flatMap(([uuid, major, minor], i) => [...le16(i), 1, 0, ...uuidLe(uuid), ...le16(major), ...le16(minor), ...(i % 2 ? NDR64 : NDR)]);
  return rpcPdu(11, callId, [...le16(5840), ...le16(5840), ...le32(0), ifaces.length, 0, 0, 0, ...items]);
}

function rpcBindAck(callId: number, port: string, results: number): Uint8Array {
  const sec = ascii(`${port}\0`);
  const pad = (4 - ((24 + 2 + sec.length) % 4)) % 4;
  const res = Array.from({ length: results }, (_, i) => [...le16(0), ...le16(0), ...(i % 2 ? NDR64 : NDR)]).flat();
  return rpcPdu(12, callId, [...le16(5840), ...le16(5840), ...le32(0x1a2b3c), ...le16(sec.length), ...sec, ...zeros(pad), results, 0, 0, 0, ...res]);
}

const rpcRequest = (callId: number, ctxId: number, opnum: number, stub: Bytes) => rpcPdu(0, callId, [...le32(stub.length), ...le16(ctxId), ...le16(opnum), ...stub]);
const rpcResponse = (callId: number, ctxId: number, stub: Bytes) => rpcPdu(2, callId, [...le32(stub.length), ...le16(ctxId), 0, 0, ...stub]);
const rpcFault = (callId: number, status: number) => rpcPdu(3, callId, [...le32(32), ...le16(0), 0, 0, ...le32(status), ...le32(0)]);

// ---------------------------------------------------------------------------------------------
// RDP

const tpkt = (x224: Bytes) => u8([3, 0, ...be16(4 + x224.length), ...x224]);

function x224ConnectionRequest(cookie: string, protocols: number): Uint8Array {
  const v = [...ascii(`Cookie: mstshash=${cookie}\r\n`), 1, 0, ...le16(8), ...le32(protocols)];
  return tpkt([6 + v.length, 0xe0, 0, 0, 0, 0, 0, ...v]);
}

const x224ConnectionConfirm = (selected: number) => tpkt([14, 0xd0, 0, 0, 0x12, 0x34, 0, 2, 0x1f, ...le16(8), ...le32(selected)]);

/** MCS Connect Initial carrying a GCC Conference Create Request with client core, security, network and cluster data. */
function mcsConnectInitial(clientName: string, layout: number, build: number): Uint8Array {
  const name = utf16(clientName).concat(zeros(32)).slice(0, 32);
  const core = [...le32(0x00080004), ...le16(1920), ...le16(1080), ...le16(0xca01), ...le16(0xaa03), ...le32(layout), ...le32(build),
    ...name, ...le32(4), ...le32(0), ...le32(12), ...zeros(64), ...le16(0xca01), ...le16(1), ...le32(0), ...le16(24), ...le16(0x0f),
    ...le16(0x07ef), ...zeros(64), 6, 0, ...le32(0)];
  const block = (type: number, body: Bytes) => [...le16(type), ...le16(4 + body.length), ...body];
  const channels = ['rdpdr', 'rdpsnd', 'cliprdr'].flatMap((c) => [...ascii(c.padEnd(8, '\0')), ...le32(0x80800000)]);
  const blocks = [...block(0xc001, core), ...block(0xc002, [...le32(0x1b), ...le32(0)]), ...block(0xc003, [...le32(3), ...channels]),
    ...block(0xc004, [...le32(0x0d), ...le32(0)])];
  const perLen = (n: number) => (n < 0x80 ? [n] : [0x80 | (n >> 8), n & 0xff]);
  const ccrq = [0, 8, 0, 0x10, 0, 1, 0xc0, 0, ...ascii('Duca'), ...perLen(blocks.length), ...blocks];
  const gcc = [0, 5, 0, 0x14, 0x7c, 0, 1, ...perLen(ccrq.length), ...ccrq];
  const params = (...v: number[]) => seq(...v.map(derInt));
  const body = [...octets([1]), ...octets([1]), ...tlv(0x01, [0xff]),
    ...params(34, 2, 0, 1, 0, 1, 0xffff, 2), ...params(1, 1, 1, 1, 0, 1, 0x420, 2), ...params(0xffff, 0xfc17, 0xffff, 1, 0, 1, 0xffff, 2),
    ...octets(gcc)];
  return tpkt([2, 0xf0, 0x80, 0x7f, 0x65, 0x82, ...be16(body.length), ...body]);
}

/** MS-RDPEUDP SYN (snSourceAck -1) or SYN+ACK datagram, padded to the 1232-byte MTU as the spec requires. */
function rdpUdpSyn(sourceAck: number, flags: number, isn: number): Uint8Array {
  return u8([...be32(sourceAck), ...be16(64), ...be16(flags), ...be32(isn), ...be16(1232), ...be16(1232)].concat(zeros(1232 - 16)));
}

// ---------------------------------------------------------------------------------------------
// SNMP

const snmpNull = [0x05, 0x00];
const varbind = (o: string, value: Bytes = snmpNull) => seq(oid(o), value);
const pdu = (tag: number, reqId: number, err: number, idx: number, vbs: Bytes[]) => tlv(0xa0 | tag, [...derInt(reqId), ...derInt(err), ...derInt(idx), ...seq(...vbs)]);
const snmpV2 = (community: string, p: Bytes) => u8(seq(derInt(1), octetStr(community), p));
const timeticks = (v: number) => tlv(0x43, derInt(v).slice(2));

function snmpV3(msgId: number, flags: number, engineId: string, user: string, scoped: Bytes): Uint8Array {
  const usm = seq(octets(hexBytes(engineId)), derInt(7), derInt(86420), octetStr(user), octets(flags & 1 ? filler(12, msgId) : []),
    octets(flags & 2 ? filler(8, msgId + 1) : []));
  return u8(seq(derInt(3), seq(derInt(msgId), derInt(65507), octets([flags]), derInt(3)), octets(usm), scoped));
}

// ---------------------------------------------------------------------------------------------
// DHCP

const CLIENT_MAC = [0x00, 0x1b, 0x21, 0x01, 0x02, 0x03];
const opt = (code: number, v: Bytes) => [code, v.length, ...v];

function dhcp4(op: 1 | 2, xid: number, yiaddr: number[], options: Bytes): Uint8Array {
  const m = [op, 1, 6, 0, ...be32(xid), ...be16(0), ...be16(0x8000), ...zeros(4), ...yiaddr, ...zeros(4), ...zeros(4),
    ...CLIENT_MAC, ...zeros(10), ...zeros(64), ...zeros(128), 0x63, 0x82, 0x53, 0x63, ...options, 255];
  return u8(m.concat(zeros(Math.max(0, 300 - m.length))));
}

const dhcp6Opt = (code: number, v: Bytes) => [...be16(code), ...be16(v.length), ...v];

// ---------------------------------------------------------------------------------------------
// IKE

const ikeHeader = (ispi: Bytes, rspi: Bytes, next: number, version: number, exchange: number, flags: number, msgId: number, len: number) =>
  [...ispi, ...rspi, next, version, exchange, flags, ...be32(msgId), ...be32(len)];
/** A generic payload header: next payload, reserved/critical, length. */
const payload = (next: number, body: Bytes) => [next, 0, ...be16(4 + body.length), ...body];

/** An IKE message of `payloads` (type, body); an SK payload (46) names its first inner payload, `skNext`. */
function ikeMessage(ispi: Bytes, rspi: Bytes, version: number, exchange: number, flags: number, msgId: number, payloads: [number, Bytes][], skNext = 0): Uint8Array {
  const body = payloads.flatMap(([type, b], i) => payload(type === 46 ? skNext : i + 1 < payloads.length ? payloads[i + 1][0] : 0, b));
  return u8([...ikeHeader(ispi, rspi, payloads.length ? payloads[0][0] : 0, version, exchange, flags, msgId, 28 + body.length), ...body]);
}

/** IKEv1 SA (DOI IPsec, identity situation) with one ISAKMP proposal of the given transforms (TV attributes). */
function saV1(transforms: [number, number][][]): Bytes {
  const ts = transforms.map((attrs, i) => {
    const body = [i + 1, 1, 0, 0, ...attrs.flatMap(([t, v]) => [...be16(0x8000 | t), ...be16(v)]), ...be16(0x800b), ...be16(1), ...be16(0x000c), ...be16(4), ...be32(28800)];
    return [i + 1 < transforms.length ? 3 : 0, 0, ...be16(4 + body.length), ...body];
  }).flat();
  const proposal = [0, 0, ...be16(8 + ts.length), 1, 1, 0, transforms.length, ...ts];
  return [...be32(1), ...be32(1), ...proposal];
}

/** IKEv2 SA with one IKE proposal: (type, id, key length?) transforms. */
function saV2(transforms: [number, number, number?][]): Bytes {
  const ts = transforms.map(([type, id, keyLen], i) => {
    const attr = keyLen ? [...be16(0x800e), ...be16(keyLen)] : [];
    return [i + 1 < transforms.length ? 3 : 0, 0, ...be16(8 + attr.length), type, 0, ...be16(id), ...attr];
  }).flat();
  return [0, 0, ...be16(8 + ts.length), 1, 1, 0, transforms.length, ...ts];
}

// ---------------------------------------------------------------------------------------------
// OpenVPN

const P_CONTROL_HARD_RESET_CLIENT_V2 = 7, P_CONTROL_HARD_RESET_SERVER_V2 = 8, P_CONTROL_V1 = 4, P_ACK_V1 = 5, P_DATA_V2 = 9;

/** A control-channel record: opcode/key id, session id, [tls-auth HMAC, packet id, time], acks, message packet id, payload. */
function ovpnControl(op: number, session: Bytes, hmac: number, replayId: number, acks: number[], remote: Bytes, msgId: number | undefined, body: Bytes = []): Bytes {
  const auth = hmac ? [...filler(hmac, replayId + op), ...be32(replayId), ...be32(1735689810)] : [];
  const ackPart = acks.length ? [acks.length, ...acks.flatMap(be32), ...remote] : [0];
  return [op << 3, ...session, ...auth, ...ackPart, ...(msgId !== undefined ? be32(msgId) : []), ...body];
}

/** A TLS 1.2 ServerHello record (ECDHE-RSA-AES256-GCM-SHA384, renegotiation info, EC point formats). */
function tlsServerHello(): Bytes {
  const exts = [...be16(0xff01), ...be16(1), 0, ...be16(0x000b), ...be16(2), 1, 0, ...be16(0x0017), ...be16(0)];
  const body = [3, 3, ...filler(32, 44), 32, ...filler(32, 45), ...be16(0xc030), 0, ...be16(exts.length), ...exts];
  const hs = [2, ...u24(body.length), ...body];
  return [0x16, 3, 3, ...u16(hs.length), ...hs];
}

/** The header block the IMAP sample's FETCH returns as a literal. */
const IMAP_HEADERS = 'From: "Bob Brown" <Bob@Corp.Test>\r\nTo: alice@corp.test, Dave <dave@corp.test>\r\nCc: carol@example.test\r\nSubject: Lunch on Friday\r\n\r\n';

export const mailWinSamples: Sample[] = [
  {
    name: 'smtp',
    about: 'EHLO, AUTH LOGIN, a multipart message with headers and a base64 attachment, 250; then EHLO and STARTTLS into TLS',
    config: '[default]\nparseSMTPHeaderAll=true\nsupportSha256=true\nsmtpIpHeaders=X-Originating-IP:\n',
    frames: () => [
      ...tcpDialog(endpoint('10.3.0.1', 41001), endpoint('10.3.0.2', 25, 'server'), at(100), [
        { from: 'server', data: '220 mx.corp.test ESMTP Postfix\r\n' },
        { from: 'client', data: 'EHLO WS01.Corp.Test\r\n' },
        { from: 'server', data: '250-mx.corp.test\r\n250-AUTH LOGIN PLAIN\r\n250 8BITMIME\r\n' },
        { from: 'client', data: 'AUTH LOGIN\r\n' },
        { from: 'server', data: '334 VXNlcm5hbWU6\r\n' },
        { from: 'client', data: `${Buffer.from('alice').toString('base64')}\r\n` },
        { from: 'server', data: '334 UGFzc3dvcmQ6\r\n' },
        { from: 'client', data: `${Buffer.from('s3cret').toString('base64')}\r\n` },
        { from: 'server', data: '235 2.7.0 Authentication successful\r\n' },
        { from: 'client', data: 'MAIL FROM:<Alice@Corp.Test>\r\n' },
        { from: 'server', data: '250 2.1.0 Ok\r\n' },
        { from: 'client', data: 'RCPT TO:<bob@corp.test>\r\n' },
        { from: 'server', data: '250 2.1.5 Ok\r\n' },
        { from: 'client', data: 'RCPT TO:<Carol@Example.Test>\r\n' },
        { from: 'server', data: '250 2.1.5 Ok\r\n' },
        { from: 'client', data: 'DATA\r\n' },
        { from: 'server', data: '354 End data with <CR><LF>.<CR><LF>\r\n' },
        {
          from: 'client',
          data: 'Received: from ws01.corp.test (ws01.corp.test [10.3.0.1])\r\n\tby mx.corp.test (Postfix) with ESMTPSA id 4F2A1;\r\n\tWed,  1 Jan 2025 00:01:40 +0000 (UTC)\r\n'
            + 'Message-ID: <20250101000140.4F2A1@ws01.corp.test>\r\n'
            + 'Date: Wed, 1 Jan 2025 00:01:40 +0000\r\n'
            + 'From: "Alice Adams" <Alice@Corp.Test>\r\n'
            + 'To: Bob <bob@corp.test>\r\n'
            + 'Cc: carol@example.test\r\n'
            + 'Subject: =?utf-8?Q?Quarterly_r=C3=A9port?=\r\n'
            + 'X-Mailer: Packrat Mailer 1.0\r\n'
            + 'X-Originating-IP: [10.3.0.1]\r\n'
            + 'MIME-Version: 1.0\r\n'
            + 'Content-Type: multipart/mixed; boundary="==b1=="\r\n'
            + '\r\n'
            + 'This is a multi-part message in MIME format.\r\n'
            + '--==b1==\r\n'
            + 'Content-Type: text/plain; charset=utf-8\r\n'
            + '\r\n'
            + 'Report attached.\r\n'
            + '--==b1==\r\n'
            + 'Content-Type: application/pdf; name="=?utf-8?B?UTQgcsOpcG9ydC5wZGY=?="\r\n'
            + 'Content-Disposition: attachment; filename="=?utf-8?B?UTQgcsOpcG9ydC5wZGY=?="\r\n'
            + 'Content-Transfer-Encoding: base64\r\n'
            + '\r\n'
            + `${ATTACHMENT_B64}\r\n`
            + '--==b1==--\r\n'
            + '.\r\n',
        },
        { from: 'server', data: '250 2.0.0 Ok: queued as 4F2A1\r\n' },
        { from: 'client', data: 'QUIT\r\n' },
        { from: 'server', data: '221 2.0.0 Bye\r\n' },
      ]),
      ...tcpDialog(endpoint('10.3.0.1', 41002), endpoint('10.3.0.2', 587, 'server'), at(101), [
        { from: 'server', data: '220 mx.corp.test ESMTP Postfix\r\n' },
        { from: 'client', data: 'EHLO ws01.corp.test\r\n' },
        { from: 'server', data: '250-mx.corp.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n' },
        { from: 'client', data: 'STARTTLS\r\n' },
        { from: 'server', data: '220 2.0.0 Ready to start TLS\r\n' },
        { from: 'client', data: tlsClientHello('mx.corp.test') },
      ]),
    ],
  },
  {
    name: 'imap',
    about: 'greeting, LOGIN, SELECT of a quoted folder, EXAMINE of a bare one, FETCH of message headers',
    frames: () => tcpDialog(endpoint('10.3.1.1', 41101), endpoint('10.3.1.2', 143, 'server'), at(110), [
      { from: 'server', data: '* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR] Dovecot ready.\r\n' },
      { from: 'client', data: 'a1 LOGIN alice s3cret\r\n' },
      { from: 'server', data: 'a1 OK Logged in\r\n' },
      { from: 'client', data: 'a2 SELECT "INBOX"\r\n' },
      { from: 'server', data: '* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n* 2 EXISTS\r\n* 0 RECENT\r\na2 OK [READ-WRITE] Select completed.\r\n' },
      { from: 'client', data: 'a3 FETCH 1 (BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT)])\r\n' },
      { from: 'server', data: `* 1 FETCH (BODY[HEADER.FIELDS (FROM TO CC SUBJECT)] {${IMAP_HEADERS.length}}\r\n${IMAP_HEADERS})\r\na3 OK Fetch completed.\r\n` },
      { from: 'client', data: 'a4 EXAMINE Archive\r\n' },
      { from: 'server', data: '* 0 EXISTS\r\na4 OK [READ-ONLY] Examine completed.\r\n' },
      { from: 'client', data: 'a5 LOGOUT\r\n' },
      { from: 'server', data: '* BYE Logging out\r\na5 OK Logout completed.\r\n' },
    ]),
  },
  {
    name: 'pop3',
    about: 'greeting, CAPA, USER/PASS, STAT, QUIT',
    frames: () => tcpDialog(endpoint('10.3.2.1', 41201), endpoint('10.3.2.2', 110, 'server'), at(120), [
      { from: 'server', data: '+OK Dovecot POP3 ready.\r\n' },
      { from: 'client', data: 'CAPA\r\n' },
      { from: 'server', data: '+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nUSER\r\n.\r\n' },
      { from: 'client', data: 'USER Alice\r\n' },
      { from: 'server', data: '+OK\r\n' },
      { from: 'client', data: 'PASS s3cret\r\n' },
      { from: 'server', data: '+OK Logged in.\r\n' },
      { from: 'client', data: 'STAT\r\n' },
      { from: 'server', data: '+OK 2 1024\r\n' },
      { from: 'client', data: 'QUIT\r\n' },
      { from: 'server', data: '+OK Logging out.\r\n' },
    ]),
  },
  {
    name: 'smb',
    about: 'SMB1 NTLMSSP session setup, tree connect and NT create; a Windows SMB1-to-SMB2 negotiate up to 3.1.1 with session setup, tree connects and creates; a browser announcement datagram',
    frames: () => {
      const c1 = endpoint('10.3.3.1', 41301), srv = endpoint('10.3.3.2', 445, 'server');
      const m = (from: 'client' | 'server', msg: Bytes): Message => ({ from, data: u8(nbss(msg)) });
      const smb1Session = tcpDialog(c1, srv, at(130), [
        m('client', smb1(SMB_COM_NEGOTIATE, false, FLAGS2, { mid: 1 }, [],
          smb1Dialects(['PC NETWORK PROGRAM 1.0', 'LANMAN1.0', 'Windows for Workgroups 3.1a', 'LM1.2X002', 'LANMAN2.1', 'NT LM 0.12']))),
        m('server', smb1NegotiateResponse(5)),
        m('client', smb1SessionSetup(2, 0, spnegoInit(ntlmNegotiate()), 'Unix\0Samba 4.15.13-Ubuntu\0CORP\0')),
        m('server', smb1SessionSetupResponse(2, 0x0801, spnegoResp(ntlmChallenge('CORP', 'FS01', 'corp.test'), 1, true), STATUS_MORE_PROCESSING_REQUIRED)),
        m('client', smb1SessionSetup(3, 0x0801, spnegoResp(ntlmAuthenticate('CORP', 'alice', 'WS02')), 'Unix\0Samba 4.15.13-Ubuntu\0CORP\0')),
        m('server', smb1SessionSetupResponse(3, 0x0801, spnegoResp(undefined, 0))),
        m('client', smb1TreeConnect(4, 0x0801, '\\\\FS01\\Finance')),
        m('server', smb1TreeConnectResponse(4, 0x0801, 0x0005)),
        m('client', smb1NtCreate(5, 0x0801, 0x0005, '\\Reports\\2024\\q4-summary.xlsx')),
        m('server', smb1NtCreateResponse(5, 0x0801, 0x0005, 0x4001)),
        m('client', smb1NtCreate(6, 0x0801, 0x0005, '\\Reports\\budget.docx')),
        m('server', smb1NtCreateResponse(6, 0x0801, 0x0005, 0x4002)),
      ]);
      const c2 = endpoint('10.3.3.3', 49712);
      const sid = 0x41;
      const smb2Session = tcpDialog(c2, srv, at(131), [
        m('client', smb1(SMB_COM_NEGOTIATE, false, 0xc853, { mid: 0 }, [], smb1Dialects(['NT LM 0.12', 'SMB 2.002', 'SMB 2.???']))),
        m('server', smb2NegotiateResponse(0, 0x02ff)),
        m('client', smb2NegotiateRequest(1)),
        m('server', smb2NegotiateResponse(1, 0x0311)),
        m('client', smb2SessionSetup(2, 0, spnegoInit(ntlmNegotiate()))),
        m('server', smb2SessionSetupResponse(2, sid, spnegoResp(ntlmChallenge('CORP', 'FS01', 'corp.test'), 1, true), STATUS_MORE_PROCESSING_REQUIRED)),
        m('client', smb2SessionSetup(3, sid, spnegoResp(ntlmAuthenticate('CORP', 'bob', 'WS03')))),
        m('server', smb2SessionSetupResponse(3, sid, spnegoResp(undefined, 0))),
        m('client', smb2TreeConnect(4, sid, '\\\\fs01.corp.test\\IPC$')),
        m('server', smb2TreeConnectResponse(4, sid, 1, true)),
        m('client', smb2Create(5, sid, 1, 'srvsvc')),
        m('server', smb2CreateResponse(5, sid, 1)),
        m('client', smb2TreeConnect(6, sid, '\\\\fs01.corp.test\\Projects')),
        m('server', smb2TreeConnectResponse(6, sid, 5, false)),
        m('client', smb2Create(7, sid, 5, 'plans\\roadmap-2025.pptx')),
        m('server', smb2CreateResponse(7, sid, 5)),
      ]);
      const browser = udpDialog(endpoint('10.3.3.3', 138), endpoint('10.3.3.255', 138, 'server'), at(132), [
        { from: 'client', data: u8(browserAnnouncement([10, 3, 3, 3], 'WS03', 'CORP')) },
      ]);
      return [...smb1Session, ...smb2Session, ...browser];
    },
  },
  {
    name: 'krb5',
    about: 'UDP AS-REQ, KRB-ERROR preauth required, AS-REQ with encrypted timestamp, AS-REP; TCP TGS-REQ/TGS-REP and a TGS-REQ answered by principal unknown',
    frames: () => {
      const cifs = principal(2, 'cifs', 'fs01.corp.test'), http = principal(2, 'HTTP', 'intranet.corp.test');
      const paEncTimestamp = seq(ctx(1, derInt(2)), ctx(2, octets(encData(18, 56, 31))));
      return [
        ...udpDialog(endpoint('10.3.4.1', 53012), endpoint('10.3.4.2', 88, 'server'), at(140), [
          { from: 'client', data: u8(asReq(0x5f3a2b1c, [paPacRequest])) },
          { from: 'server', data: u8(krbError(25, krbtgt, seq(etypeInfo2, seq(ctx(1, derInt(2)), ctx(2, octets([]))), seq(ctx(1, derInt(16)), ctx(2, octets([])))))) },
          { from: 'client', data: u8(asReq(0x6a1b2c3d, [paEncTimestamp, paPacRequest])) },
          { from: 'server', data: u8(kdcRep(11, 'alice', krbtgt, 560)) },
        ]),
        ...tcpDialog(endpoint('10.3.4.1', 53013), endpoint('10.3.4.2', 88, 'server'), at(141), [
          { from: 'client', data: krbTcp(tgsReq(0x1c2d3e4f, cifs)) },
          { from: 'server', data: krbTcp(kdcRep(13, 'alice', cifs, 600)) },
          { from: 'client', data: krbTcp(tgsReq(0x2d3e4f50, http)) },
          { from: 'server', data: krbTcp(krbError(7, http)) },
        ]),
      ];
    },
  },
  {
    name: 'ldap',
    about: 'simple bind, search and entry, unbind; Microsoft sicily NTLM bind; StartTLS extended operation into TLS',
    frames: () => {
      const srv = endpoint('10.3.5.2', 389, 'server');
      return [
        ...tcpDialog(endpoint('10.3.5.1', 41501), srv, at(150), [
          { from: 'client', data: ldapMsg(1, bindRequest('cn=svc-backup,ou=Service Accounts,dc=corp,dc=test', tlv(0x80, ascii('B4ckup!2025')))) },
          { from: 'server', data: ldapMsg(1, bindResponse(0)) },
          { from: 'client', data: ldapMsg(2, searchRequest('dc=corp,dc=test', 'sAMAccountName', 'alice', ['cn', 'mail', 'memberOf'])) },
          { from: 'server', data: u8([...ldapMsg(2, searchEntry('CN=Alice Adams,OU=Staff,DC=corp,DC=test', [['cn', 'Alice Adams'], ['mail', 'alice@corp.test'], ['memberOf', 'CN=Finance,OU=Groups,DC=corp,DC=test']])), ...ldapMsg(2, tlv(0x65, ldapResult(0)))]) },
          { from: 'client', data: ldapMsg(3, [0x42, 0x00]) },
        ]),
        ...tcpDialog(endpoint('10.3.5.3', 41502), srv, at(151), [
          { from: 'client', data: ldapMsg(1, bindRequest('', tlv(0x8a, ntlmNegotiate()))) },
          { from: 'server', data: ldapMsg(1, bindResponse(0, ntlmChallenge('CORP', 'DC01', 'corp.test'))) },
          { from: 'client', data: ldapMsg(2, bindRequest('', tlv(0x8b, ntlmAuthenticate('CORP', 'carol', 'WS05')))) },
          { from: 'server', data: ldapMsg(2, bindResponse(0)) },
          { from: 'client', data: ldapMsg(3, [0x42, 0x00]) },
        ]),
        ...tcpDialog(endpoint('10.3.5.1', 41503), srv, at(152), [
          { from: 'client', data: ldapMsg(1, tlv(0x77, tlv(0x80, ascii('1.3.6.1.4.1.1466.20037')))) },
          { from: 'server', data: ldapMsg(1, tlv(0x78, [...ldapResult(0), ...tlv(0x8a, ascii('1.3.6.1.4.1.1466.20037'))])) },
          { from: 'client', data: tlsClientHello('dc01.corp.test') },
        ]),
      ];
    },
  },
  {
    name: 'dcerpc',
    about: 'endpoint mapper bind and ept_map on 135; bind to samr (NDR and NDR64 offered), SamrConnect5 and a fault on a dynamic port',
    frames: () => [
      ...tcpDialog(endpoint('10.3.6.1', 49801), endpoint('10.3.6.2', 135, 'server'), at(160), [
        { from: 'client', data: rpcBind(1, [['e1af8308-5d1f-11c9-91a4-08002b14a0fa', 3, 0]]) },
        { from: 'server', data: rpcBindAck(1, '135', 1) },
        { from: 'client', data: rpcRequest(2, 0, 3, [...zeros(4), ...filler(72, 3), ...le32(4)]) },
        { from: 'server', data: rpcResponse(2, 0, [...filler(60, 4), ...le32(1), ...filler(75, 5), ...le32(0)]) },
      ]),
      ...tcpDialog(endpoint('10.3.6.1', 49802), endpoint('10.3.6.2', 49668, 'server'), at(161), [
        { from: 'client', data: rpcBind(1, [['12345778-1234-abcd-ef00-0123456789ac', 1, 0], ['12345778-1234-abcd-ef00-0123456789ac', 1, 0]]) },
        { from: 'server', data: rpcBindAck(1, '49668', 2) },
        { from: 'client', data: rpcRequest(2, 0, 64, [...le32(0x20000), ...le32(9), ...le32(0), ...le32(9), ...utf16('\\\\10.3.6.2').slice(0, 18), ...le32(0x30), ...le32(1), ...le32(1), ...le32(3), ...le32(0)]) },
        { from: 'server', data: rpcResponse(2, 0, [...le32(1), ...le32(1), ...le32(0), ...filler(20, 6), ...le32(0)]) },
        { from: 'client', data: rpcRequest(3, 0, 7, [...filler(20, 6), ...le32(0x00000200), ...zeros(8)]) },
        { from: 'server', data: rpcFault(3, 0x1c010003) },
      ]),
    ],
  },
  {
    name: 'rdp',
    about: 'X.224 connection request with mstshash cookie (standard RDP security), confirm, MCS Connect Initial with client core data; an NLA negotiation followed by TLS',
    frames: () => [
      ...tcpDialog(endpoint('10.3.7.1', 50101), endpoint('10.3.7.2', 3389, 'server'), at(170), [
        { from: 'client', data: x224ConnectionRequest('Alice', 0) },
        { from: 'server', data: x224ConnectionConfirm(0) },
        { from: 'client', data: mcsConnectInitial('WS02', 0x0407, 19041) },
      ]),
      ...tcpDialog(endpoint('10.3.7.3', 50102), endpoint('10.3.7.2', 3389, 'server'), at(171), [
        { from: 'client', data: x224ConnectionRequest('CORP\\bob', 0x0b) },
        { from: 'server', data: x224ConnectionConfirm(2) },
        { from: 'client', data: tlsClientHello('10.3.7.2') },
      ]),
    ],
  },
  {
    name: 'rdpudp',
    about: 'MS-RDPEUDP SYN and SYN+ACK on UDP 3389, padded to 1232 bytes',
    frames: () => udpDialog(endpoint('10.3.7.1', 50103), endpoint('10.3.7.2', 3389, 'server'), at(175), [
      { from: 'client', data: rdpUdpSyn(0xffffffff, 0x0001, 0x4a3b2c1d) },
      { from: 'server', data: rdpUdpSyn(0x4a3b2c1d, 0x0005, 0x7e6d5c4b) },
    ]),
  },
  {
    name: 'snmp',
    about: 'v2c get and response, v2c set refused with notWritable; v2c linkDown trap to 162; v3 authPriv request and report',
    frames: () => {
      const mgr = endpoint('10.3.8.1', 50161), agent = endpoint('10.3.8.2', 161, 'server');
      return [
        ...udpDialog(mgr, agent, at(180), [
          { from: 'client', data: snmpV2('public', pdu(0, 0x2a01, 0, 0, [varbind('1.3.6.1.2.1.1.1.0'), varbind('1.3.6.1.2.1.1.5.0')])) },
          { from: 'server', data: snmpV2('public', pdu(2, 0x2a01, 0, 0, [varbind('1.3.6.1.2.1.1.1.0', octetStr('Linux edge-sw1 5.15.0 x86_64')), varbind('1.3.6.1.2.1.1.5.0', octetStr('edge-sw1'))])) },
          { from: 'client', data: snmpV2('private', pdu(3, 0x2a02, 0, 0, [varbind('1.3.6.1.2.1.1.4.0', octetStr('noc@corp.test'))])) },
          { from: 'server', data: snmpV2('private', pdu(2, 0x2a02, 17, 1, [varbind('1.3.6.1.2.1.1.4.0', octetStr('noc@corp.test'))])) },
        ]),
        ...udpDialog(endpoint('10.3.8.2', 50162), endpoint('10.3.8.1', 162, 'server'), at(181), [
          { from: 'client', data: snmpV2('public', pdu(7, 0x3b01, 0, 0, [varbind('1.3.6.1.2.1.1.3.0', timeticks(8640000)), varbind('1.3.6.1.6.3.1.1.4.1.0', oid('1.3.6.1.6.3.1.1.5.3')),
            varbind('1.3.6.1.2.1.2.2.1.1.2', derInt(2)), varbind('1.3.6.1.2.1.2.2.1.7.2', derInt(1)), varbind('1.3.6.1.2.1.2.2.1.8.2', derInt(2))])) },
        ]),
        ...udpDialog(endpoint('10.3.8.1', 50163), agent, at(182), [
          { from: 'client', data: snmpV3(0x4c01, 0x07, '80001f888059dc486145a26322', 'monitor', octets(filler(48, 9))) },
          { from: 'server', data: snmpV3(0x4c01, 0x03, '80001f888059dc486145a26322', 'monitor', octets(filler(64, 10))) },
        ]),
      ];
    },
  },
  {
    name: 'dhcp',
    about: 'DISCOVER, OFFER, REQUEST, ACK of one client (one session keyed by its MAC): host name, FQDN, vendor class, requested IP, client id',
    config: `[default]\nouiFile=${OUI_FILE}\n`,
    frames: () => {
      const client = { ...endpoint('0.0.0.0', 68), mac: CLIENT_MAC };
      const bcast67 = { ...endpoint('255.255.255.255', 67, 'server'), mac: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff] };
      const bcast68 = { ...bcast67, port: 68 };
      const server = endpoint('10.3.9.1', 67, 'server');
      const xid = 0x3903f326, offered = [10, 3, 9, 57];
      const common = [...opt(61, [1, ...CLIENT_MAC]), ...opt(12, ascii('WS04')), ...opt(60, ascii('MSFT 5.0')), ...opt(55, [1, 3, 6, 15, 31, 33, 43, 44, 46, 47, 119, 121, 249, 252])];
      const serverOpts = (type: number) => [...opt(53, [type]), ...opt(54, [10, 3, 9, 1]), ...opt(51, be32(86400)), ...opt(1, [255, 255, 255, 0]),
        ...opt(3, [10, 3, 9, 1]), ...opt(6, [10, 3, 5, 2]), ...opt(15, ascii('corp.test'))];
      const frame = (t: number, from: typeof client, to: typeof client, data: Uint8Array, ttl: number) =>
        ({ tsUs: at(190) + t * 1000, data: ipv4Frame(from, to, 17, udpDatagram(from.port, to.port, data), ttl) });
      return [
        frame(0, client, bcast67, dhcp4(1, xid, zeros(4), [...opt(53, [1]), ...opt(50, offered), ...common]), 128),
        frame(2, server, bcast68, dhcp4(2, xid, offered, serverOpts(2)), 64),
        frame(4, client, bcast67, dhcp4(1, xid, zeros(4), [...opt(53, [3]), ...opt(50, offered), ...opt(54, [10, 3, 9, 1]),
          ...opt(81, [0, 0, 0, ...ascii('WS04.corp.test')]), ...common]), 128),
        frame(6, server, bcast68, dhcp4(2, xid, offered, serverOpts(5)), 64),
      ];
    },
  },
  {
    name: 'dhcpv6',
    about: 'SOLICIT, ADVERTISE, REQUEST, REPLY of one transaction from a link-local client to ff02::1:2',
    frames: () => {
      const client: Endpoint6 = { ip: ipv6('fe80::21b:21ff:fe01:203'), port: 546, mac: CLIENT_MAC };
      const server: Endpoint6 = { ip: ipv6('fe80::250:56ff:fe0a:b0c'), port: 547, mac: [0x00, 0x50, 0x56, 0x0a, 0x0b, 0x0c] };
      const allServers: Endpoint6 = { ip: ipv6('ff02::1:2'), port: 547, mac: [0x33, 0x33, 0x00, 0x01, 0x00, 0x02] };
      const duidC = dhcp6Opt(1, [0, 1, 0, 1, ...be32(0x2d1e4f10), ...CLIENT_MAC]);
      const duidS = dhcp6Opt(2, [0, 1, 0, 1, ...be32(0x2b0c1a00), ...server.mac]);
      const vendor = dhcp6Opt(16, [...be32(311), ...be16(8), ...ascii('MSFT 5.0')]);
      const iaNa = (withAddr: boolean) => dhcp6Opt(3, [...be32(0x0e001b21), ...be32(0), ...be32(0),
        ...(withAddr ? dhcp6Opt(5, [...ipv6('fd00:3:9::57'), ...be32(3600), ...be32(5400)]) : [])]);
      const fqdn = dhcp6Opt(39, [0x01, 4, ...ascii('ws04'), 4, ...ascii('corp'), 4, ...ascii('test'), 0]);
      const oro = dhcp6Opt(6, [...be16(23), ...be16(24), ...be16(39)]);
      const msg = (type: number, body: Bytes) => [type, 0x7a, 0x1c, 0x05, ...body];
      const t0 = at(195);
      return [
        { tsUs: t0, data: udp6Frame(client, allServers, msg(1, [...duidC, ...iaNa(false), ...dhcp6Opt(8, be16(0)), ...fqdn, ...vendor, ...oro]), 1) },
        { tsUs: t0 + 2000, data: udp6Frame(server, client, msg(2, [...duidC, ...duidS, ...iaNa(true), ...dhcp6Opt(23, ipv6('fd00:3:5::2'))]), 64) },
        { tsUs: t0 + 4000, data: udp6Frame(client, allServers, msg(3, [...duidC, ...duidS, ...iaNa(true), ...dhcp6Opt(8, be16(100)), ...fqdn, ...vendor, ...oro]), 1) },
        { tsUs: t0 + 6000, data: udp6Frame(server, client, msg(7, [...duidC, ...duidS, ...iaNa(true), ...dhcp6Opt(23, ipv6('fd00:3:5::2'))]), 64) },
      ];
    },
  },
  {
    name: 'isakmp',
    about: 'IKEv1 main mode SA proposal and vendor ids with the reply; IKEv2 IKE_SA_INIT on 500 and IKE_AUTH under NAT-T on 4500',
    frames: () => {
      const ispi1 = hexBytes('5f1c2d3e4a5b6c7d'), rspi1 = hexBytes('9a8b7c6d5e4f3a2b');
      const vid = (h: string): [number, Bytes] => [13, hexBytes(h)];
      const ispi2 = hexBytes('c1d2e3f405162738'), rspi2 = hexBytes('0a1b2c3d4e5f6071');
      const kex = (group: number, n: number): [number, Bytes] => [34, [...be16(group), 0, 0, ...filler(n, group)]];
      const nonce = (seed: number): [number, Bytes] => [40, filler(32, seed)];
      const initiator = endpoint('10.3.10.1', 500), responder = endpoint('10.3.10.2', 500, 'server');
      return [
        ...udpDialog(initiator, responder, at(200), [
          { from: 'client', data: ikeMessage(ispi1, zeros(8), 0x10, 2, 0, 0, [
            [1, saV1([[[1, 7], [14, 256], [2, 2], [3, 1], [4, 14]], [[1, 5], [2, 2], [3, 1], [4, 2]]])],
            vid('4a131c81070358455c5728f20e95452f'), vid('afcad71368a1f1c96b8696fc77570100'), vid('fb1de3cdf341b7ea16b7e5be0855f120'),
          ]) },
          { from: 'server', data: ikeMessage(ispi1, rspi1, 0x10, 2, 0, 0, [
            [1, saV1([[[1, 7], [14, 256], [2, 2], [3, 1], [4, 14]]])], vid('4a131c81070358455c5728f20e95452f'), vid('afcad71368a1f1c96b8696fc77570100'),
          ]) },
        ]),
        ...udpDialog(endpoint('10.3.10.3', 500), responder, at(201), [
          { from: 'client', data: ikeMessage(ispi2, zeros(8), 0x20, 34, 0x08, 0, [[33, saV2([[1, 20, 256], [2, 7], [4, 20]])], kex(20, 96), nonce(1), [41, [0, 0, ...be16(16388), ...filler(20, 2)]]]) },
          { from: 'server', data: ikeMessage(ispi2, rspi2, 0x20, 34, 0x20, 0, [[33, saV2([[1, 20, 256], [2, 7], [4, 20]])], kex(20, 96), nonce(3), [43, hexBytes('166f932d55eb64d8e4df4fd37e2313f0')]]) },
        ]),
        ...udpDialog(endpoint('10.3.10.3', 4500), endpoint('10.3.10.2', 4500, 'server'), at(202), [
          { from: 'client', data: u8([0, 0, 0, 0, ...ikeMessage(ispi2, rspi2, 0x20, 35, 0x08, 1, [[46, [...filler(16, 4), ...filler(240, 5)]]], 35)]) },
          { from: 'server', data: u8([0, 0, 0, 0, ...ikeMessage(ispi2, rspi2, 0x20, 35, 0x20, 1, [[46, [...filler(16, 6), ...filler(208, 7)]]], 36)]) },
        ]),
      ];
    },
  },
  {
    name: 'openvpn',
    about: 'UDP with tls-auth: hard resets, ClientHello and ServerHello in control records, ack, data; TCP without tls-auth: hard resets and ClientHello',
    frames: () => {
      const cs = hexBytes('1a2b3c4d5e6f7081'), ss = hexBytes('8172635445362718');
      const hello = [...tlsClientHello('vpn.corp.test')];
      const cs2 = hexBytes('2233445566778899'), ss2 = hexBytes('99887766554433aa');
      const rec = (b: Bytes) => u8([...be16(b.length), ...b]);
      return [
        ...udpDialog(endpoint('10.3.11.1', 50194), endpoint('10.3.11.2', 1194, 'server'), at(210), [
          { from: 'client', data: u8(ovpnControl(P_CONTROL_HARD_RESET_CLIENT_V2, cs, 20, 1, [], [], 0)) },
          { from: 'server', data: u8(ovpnControl(P_CONTROL_HARD_RESET_SERVER_V2, ss, 20, 1, [0], cs, 0)) },
          { from: 'client', data: u8(ovpnControl(P_CONTROL_V1, cs, 20, 2, [0], ss, 1, hello)) },
          { from: 'server', data: u8(ovpnControl(P_CONTROL_V1, ss, 20, 2, [1], cs, 1, tlsServerHello())) },
          { from: 'client', data: u8(ovpnControl(P_ACK_V1, cs, 20, 3, [1], ss, undefined)) },
          { from: 'client', data: u8([P_DATA_V2 << 3, 0, 0, 1, ...filler(88, 12)]) },
        ]),
        ...tcpDialog(endpoint('10.3.11.3', 50195), endpoint('10.3.11.2', 1194, 'server'), at(211), [
          { from: 'client', data: rec(ovpnControl(P_CONTROL_HARD_RESET_CLIENT_V2, cs2, 0, 0, [], [], 0)) },
          { from: 'server', data: rec(ovpnControl(P_CONTROL_HARD_RESET_SERVER_V2, ss2, 0, 0, [0], cs2, 0)) },
          { from: 'client', data: rec(ovpnControl(P_CONTROL_V1, cs2, 0, 0, [0], ss2, 1, hello)) },
        ]),
      ];
    },
  },
];
