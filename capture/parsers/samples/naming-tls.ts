// Byte builders for the TLS, DTLS and QUIC samples: handshake messages as real stacks lay them
// out, and a fixed certificate chain (made once with `openssl ca`, so the pcaps stay identical).
import { createCipheriv, createHmac } from 'node:crypto';
import { hkdfExpandLabel, V1_SALT } from '../quic.js';

export const u16 = (v: number) => [(v >> 8) & 0xff, v & 0xff];
export const u24 = (v: number) => [(v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff];
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const vec8 = (b: number[]) => [b.length, ...b];
const vec16 = (b: number[]) => [...u16(b.length), ...b];
const ext = (type: number, body: number[]) => [...u16(type), ...vec16(body)];
/** Deterministic filler standing in for random values, keys and ciphertext. */
export const filler = (n: number, seed: number) => Array.from({ length: n }, (_, i) => (seed * 31 + i * 17 + (i >> 3)) & 0xff);
const hex = (s: string) => [...Buffer.from(s.replace(/\s+/g, ''), 'hex')];

/**
 * Leaf certificate: CN=www.example.test, O=Example Test Org, OU=Web, C=US, EC P-256, serial
 * 5e6f7a02, valid 2024-06-01..2025-06-01, SAN www.example.test, example.test, *.cdn.example.test;
 * issued by the root below (SHA-1 e86cae123f61a8dccdbac54e723dd0d3d4dd1a37).
 */
export const LEAF_CERT = hex(`
3082024d308201f3a00302010202045e6f7a02300a06082a8648ce3d0403023057311c301a06035504030c135061636b7261742053616d706c6520526f6f7431
183016060355040a0c0f5061636b72617420546573742043413110300e060355040b0c0753616d706c6573310b3009060355040613025553301e170d32343036
30313030303030305a170d3235303630313030303030305a30513119301706035504030c107777772e6578616d706c652e7465737431193017060355040a0c10
4578616d706c652054657374204f7267310c300a060355040b0c03576562310b30090603550406130255533059301306072a8648ce3d020106082a8648ce3d03
010703420004bf2fc004a6f5b253028ed66b0f9bb0a9490e91f9d9bdc1a6368836b7d231960510a24c8260a9ff93244ac741916f5ef10caa18b46ec396cd957f
24f280bb272ba381b23081af30090603551d1304023000300e0603551d0f0101ff04040302078030130603551d25040c300a06082b06010505070301303d0603
551d110436303482107777772e6578616d706c652e74657374820c6578616d706c652e7465737482122a2e63646e2e6578616d706c652e74657374301d060355
1d0e04160414d59427cc241f9a5d878415a98b202061855f9f88301f0603551d23041830168014a786c26e8a896bd488a5ee560443a0fc4af01e88300a06082a
8648ce3d04030203480030450220760dd14bbad8bf9189af9ee77d3e049520c59b1a9b516821a289fe8d8ccd1d70022100f36f86a2f2825222f1634352ef1544
7356eb22279769152579b5be37d15754f9`);

/** Self-signed root: CN=Packrat Sample Root, O=Packrat Test CA, OU=Samples, C=US, EC P-256, serial 1a2b3c01, 2024..2034. */
export const ROOT_CERT = hex(`
308201e130820188a00302010202041a2b3c01300a06082a8648ce3d0403023057311c301a06035504030c135061636b7261742053616d706c6520526f6f7431
183016060355040a0c0f5061636b72617420546573742043413110300e060355040b0c0753616d706c6573310b3009060355040613025553301e170d32343031
30313030303030305a170d3334303130313030303030305a3057311c301a06035504030c135061636b7261742053616d706c6520526f6f743118301606035504
0a0c0f5061636b72617420546573742043413110300e060355040b0c0753616d706c6573310b30090603550406130255533059301306072a8648ce3d02010608
2a8648ce3d03010703420004ab0b0cd6cbf6fde7d40a518900617677e9da68eeb6305a7a7d6edac23ea98e3f18db116afe593fef1a52061e752a2fcf02152b23
0efbe73fdbe41c57e7cd873ca3423040300f0603551d130101ff040530030101ff300e0603551d0f0101ff040403020106301d0603551d0e04160414a786c26e
8a896bd488a5ee560443a0fc4af01e88300a06082a8648ce3d04030203470030440220694a2b85b7a12c231460b15c84adbd1650ea2ad2625262d5dc573a3b01
5c8755022000f5160a78a27d9b56f1e3393aea24c2b36c939e5bdc188501bc0d2cf92e79f0`);

/** A handshake message: type, 24-bit length, body. */
export const handshake = (type: number, body: number[]) => [type, ...u24(body.length), ...body];

/** A TLS record of `type` (22 handshake, 20 change cipher spec, 23 application data). */
export const tlsRecord = (type: number, version: number, body: number[]) => [type, ...u16(version), ...vec16(body)];

export interface HelloOptions {
  sni?: string;
  alpn: string[];
  ciphers: number[];
  sessionId?: number[];
  /** TLS 1.3 supported_versions / key_share / psk modes. */
  tls13?: boolean;
  /** DTLS: cookie field after the session id, DTLS version numbers. */
  dtlsCookie?: number[];
  version?: number;
  seed: number;
}

/** ClientHello body as a modern browser or curl sends it (GREASE first, as Chrome does). */
export function clientHello(o: HelloOptions): number[] {
  const exts = [
    ...ext(0x3a3a, []),
    ...(o.sni ? ext(0x0000, vec16([0, ...vec16(ascii(o.sni))])) : []),
    ...ext(0x0017, []),                                     // extended master secret
    ...ext(0xff01, [0]),                                    // renegotiation info
    ...ext(0x000a, vec16([...u16(0x4a4a), ...u16(29), ...u16(23), ...u16(24)])),
    ...ext(0x000b, vec8([0])),
    ...(o.dtlsCookie ? [] : ext(0x0023, [])),               // session ticket
    ...ext(0x0010, vec16(o.alpn.flatMap((a) => vec8(ascii(a))))),
    ...(o.dtlsCookie ? [] : ext(0x0005, [1, 0, 0, 0, 0])),  // status request
    ...ext(0x000d, vec16([0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601].flatMap(u16))),
    ...(o.tls13 ? [
      ...ext(0x0033, vec16([...u16(0x4a4a), ...vec16([0]), ...u16(29), ...vec16(filler(32, o.seed + 1))])),
      ...ext(0x002d, vec8([1])),
      ...ext(0x002b, vec8([...u16(0x7a7a), ...u16(0x0304), ...u16(0x0303)])),
    ] : []),
    ...ext(0x001b, vec8([...u16(2)])),                      // compress certificate: brotli
    ...ext(0x1a1a, [0]),
  ];
  return [
    ...u16(o.version ?? 0x0303), ...filler(32, o.seed),
    ...vec8(o.sessionId ?? []),
    ...(o.dtlsCookie ? vec8(o.dtlsCookie) : []),
    ...vec16([0x2a2a, ...o.ciphers].flatMap(u16)),
    ...vec8([0]),
    ...vec16(exts),
  ];
}

/** ServerHello body: TLS 1.2 style unless `tls13` (then supported_versions and key_share). */
export function serverHello(o: { version?: number; sessionId: number[]; cipher: number; alpn?: string; tls13?: boolean; seed: number }): number[] {
  const exts = o.tls13 ? [
    ...ext(0x0033, [...u16(29), ...vec16(filler(32, o.seed + 1))]),
    ...ext(0x002b, u16(0x0304)),
  ] : [
    ...ext(0xff01, [0]),
    ...ext(0x000b, vec8([0])),
    ...ext(0x0017, []),
    ...(o.alpn ? ext(0x0010, vec16(vec8(ascii(o.alpn)))) : []),
  ];
  return [...u16(o.version ?? 0x0303), ...filler(32, o.seed), ...vec8(o.sessionId), ...u16(o.cipher), 0, ...vec16(exts)];
}

/** Certificate message body (TLS 1.2 / DTLS): a 24-bit list of 24-bit length DER certs. */
export function certificateList(certs: number[][]): number[] {
  const list = certs.flatMap((c) => [...u24(c.length), ...c]);
  return [...u24(list.length), ...list];
}

/** ECDHE ServerKeyExchange body: named curve x25519, public key, ecdsa_secp256r1_sha256 signature. */
export function serverKeyExchange(seed: number): number[] {
  return [3, ...u16(29), ...vec8(filler(32, seed)), ...u16(0x0403), ...vec16([0x30, 0x45, ...filler(69, seed + 2)])];
}

/** DTLS record: type, version, epoch, 48-bit sequence, length. */
export function dtlsRecord(type: number, version: number, seq: number, body: number[]): number[] {
  return [type, ...u16(version), 0, 0, 0, 0, ...u16(0), ...u16(seq), ...vec16(body)];
}

/** DTLS handshake message, unfragmented: type, length, message_seq, fragment offset 0, fragment length. */
export function dtlsHandshake(type: number, msgSeq: number, body: number[]): number[] {
  return [type, ...u24(body.length), ...u16(msgSeq), ...u24(0), ...u24(body.length), ...body];
}

/**
 * A QUIC v1 client Initial (RFC 9001 §5) with one CRYPTO frame, padded to 1200 bytes,
 * protected with the keys derived from `dcid` as a real client does (no source connection id,
 * as Chrome sends).
 */
export function quicClientInitial(dcid: ArrayLike<number>, crypto: ArrayLike<number>, pn: number, offset = 0): Uint8Array {
  const off = offset < 64 ? [offset] : [0x40 | (offset >> 8), offset & 0xff];
  const frame = Buffer.from([0x06, ...off, 0x40 | (crypto.length >> 8), crypto.length & 0xff, ...Array.from(crypto)]);
  const headerLen = 1 + 4 + 1 + dcid.length + 1 + 1 + 2 + 1; // flags, version, dcid, scid, token, length, pn
  const plain = Buffer.concat([frame, Buffer.alloc(1200 - headerLen - 16 - frame.length)]);
  const prk = createHmac('sha256', V1_SALT).update(Buffer.from(dcid)).digest();
  const secret = hkdfExpandLabel(prk, 'tls13 client in', 32);
  const key = hkdfExpandLabel(secret, 'tls13 quic key', 16);
  const iv = hkdfExpandLabel(secret, 'tls13 quic iv', 12);
  const hp = hkdfExpandLabel(secret, 'tls13 quic hp', 16);
  const length = 1 + plain.length + 16;
  const header = Buffer.from([0xc0, 0, 0, 0, 1, dcid.length, ...Array.from(dcid), 0, 0, 0x40 | (length >> 8), length & 0xff, pn]);
  const nonce = Buffer.from(iv);
  nonce[11] ^= pn;
  const c = createCipheriv('aes-128-gcm', key, nonce);
  c.setAAD(header);
  const sealed = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  const mask = createCipheriv('aes-128-ecb', hp, null).update(sealed.subarray(3, 19));
  header[0] ^= mask[0] & 0x0f;
  header[header.length - 1] ^= mask[1];
  return new Uint8Array(Buffer.concat([header, sealed]));
}

/** A server long-header packet (Initial or Handshake) whose payload is opaque ciphertext. */
export function quicServerLong(type: 0 | 2, scid: number[], payloadLen: number, seed: number): number[] {
  const length = payloadLen + 1;
  return [0xc0 | (type << 4), 0, 0, 0, 1, 0, ...vec8(scid), ...(type === 0 ? [0] : []), 0x40 | (length >> 8), length & 0xff, ...filler(length, seed)];
}
