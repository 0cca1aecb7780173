// QUIC (Arkime's quic.c). IETF QUIC: the client Initial is decrypted with the keys every
// observer can derive from the destination connection id (RFC 9001 §5.2, v1 salt) and the
// ClientHello in its CRYPTO frames goes to the TLS fingerprinting (JA3/JA4 'q', SNI).
// Google QUIC (Q024..Q043 and Q046..Q048): host, user agent and version from the CHLO tags.
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto';
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { processClientHello } from './tls-fingerprint.js';
import { latin1 } from './text.js';

export const quicFields = {
  host: defineField({ exp: 'host.quic', db: 'quic.host', kind: 'lotermfield', group: 'quic', friendly: 'Hostname', help: 'QUIC host header field', cnt: true, category: 'host', aliases: ['quic.host'] }),
  hostTokens: defineField({ exp: 'host.quic.tokens', db: 'quic.hostTokens', kind: 'lotextfield', group: 'quic', friendly: 'Hostname Tokens', help: 'QUIC host tokens header field', aliases: ['quic.host.tokens'], viewerOnly: true }),
  userAgent: defineField({ exp: 'quic.user-agent', db: 'quic.useragent', kind: 'termfield', group: 'quic', friendly: 'User-Agent', help: 'User-Agent', cnt: true }),
  version: defineField({ exp: 'quic.version', db: 'quic.version', kind: 'termfield', group: 'quic', friendly: 'Version', help: 'QUIC Version', cnt: true }),
};

const eq = (b: Uint8Array, off: number, s: string) => {
  for (let i = 0; i < s.length; i++) if (b[off + i] !== s.charCodeAt(i)) return false;
  return true;
};

/** A gQUIC handshake message; adds "quic" once the header is readable, then the CHLO tags. */
function parseChlo(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  if (len < 8) return false;
  s.addProtocol('quic');
  const tagCount = b[off + 4] | (b[off + 5] << 8);
  if (!eq(b, off, 'CHLO') || len - 8 < tagCount * 8 + 8) return false;
  const dataStart = off + 8 + tagCount * 8;
  const dlen = len - tagCount * 8 - 8;
  let start = 0;
  for (let i = 0, p = off + 8; i < tagCount && p + 8 <= off + len; i++, p += 8) {
    const endOffset = (b[p + 4] | (b[p + 5] << 8) | (b[p + 6] << 16) | (b[p + 7] << 24)) >>> 0;
    if (endOffset > dlen || start > endOffset) return true;
    const v = () => latin1(b, dataStart + start, endOffset - start);
    if (start === endOffset) { /* empty value */ } else if (eq(b, p, 'SNI\0')) s.addString(quicFields.host, v());
    else if (eq(b, p, 'UAID')) s.addString(quicFields.userAgent, v());
    else if (eq(b, p, 'VER\0')) s.addString(quicFields.version, v());
    start = endOffset;
  }
  return true;
}

/** gQUIC Q024..Q045 public header then the first stream frame. */
function parseGquic2445(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  if (len < 9) return false;
  const flags = b[off];
  if (flags & 0x02) return false;                        // public reset
  let p = 1;
  if (flags & 0x08) p += 8;                              // connection id
  if (len < p + 5) return false;
  let version = -1;
  if ((flags & 0x01) && b[off + p] === 0x51) {
    version = (b[off + p + 1] - 48) * 100 + (b[off + p + 2] - 48) * 10 + (b[off + p + 3] - 48);
    p += 4;
  }
  if (version < 24) return true;
  p += (flags & 0x30) === 0 ? 1 : ((flags & 0x30) >> 4) * 2; // packet number
  p += 12;                                               // message authentication hash
  if (version < 34) p++;                                 // private flags
  if (p > len) return false;
  if (p >= len) return false;
  const type = b[off + p++];
  if ((type & 0x80) === 0) return false;                 // not a stream frame
  const offsetLen = type & 0x1c ? ((type & 0x1c) >> 2) + 1 : 0;
  p += (type & 0x03) + 1 + offsetLen;
  if (p > len) return false;
  let dataLen = len - p;
  if (type & 0x20) {
    if (p + 2 > len) return false;
    dataLen = b[off + p] | (b[off + p + 1] << 8);
    p += 2;
    if (dataLen === 4) dataLen = 1024;
  }
  parseChlo(s, b, off + p, Math.min(dataLen, len - p));
  return true;
}

/** gQUIC Q046..Q048: find the CHLO by brute force. */
function parseGquic4648(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  if (len < 20 || b[off + 1] !== 0x51 || (b[off] & 0xc0) !== 0xc0) return true;
  const version = (b[off + 2] - 48) * 100 + (b[off + 3] - 48) * 10 + (b[off + 4] - 48);
  if (version < 46 || version > 48) return true;
  for (let p = 5; p < len - 20; p++) {
    if (eq(b, off + p, 'CHLO')) { parseChlo(s, b, off + p, len - p); return true; }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// IETF QUIC Initial

export const V1_SALT = Buffer.from('38762cf7f55934b34d179ae6a4c80cadccbb7f0a', 'hex');

export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Buffer {
  const info = Buffer.alloc(4 + label.length);
  info.writeUInt16BE(length, 0);
  info[2] = label.length;
  info.write(label, 3, 'latin1');
  info[3 + label.length] = 0;
  return createHmac('sha256', secret).update(info).update(Buffer.of(1)).digest().subarray(0, length);
}

class VarReader {
  constructor(readonly b: Uint8Array, public pos: number, readonly end: number) {}
  error = false;
  u8(): number { if (this.pos >= this.end) { this.error = true; return 0; } return this.b[this.pos++]; }
  varint(): number {
    if (this.pos >= this.end) { this.error = true; return 0; }
    const first = this.b[this.pos];
    const n = 1 << (first >> 6);
    if (this.pos + n > this.end) { this.error = true; this.pos = this.end; return 0; }
    let v = first & 0x3f;
    for (let i = 1; i < n; i++) v = v * 256 + this.b[this.pos + i];
    this.pos += n;
    return v;
  }
  skip(n: number): void { if (this.pos + n > this.end) { this.error = true; this.pos = this.end; } else this.pos += n; }
}

/** CRYPTO stream bytes gathered from client Initials; a ClientHello may span several packets. */
export class CryptoStream {
  readonly data = new Uint8Array(8000);
  private readonly ranges: [number, number][] = [];

  add(src: Uint8Array, off: number, offset: number, length: number): void {
    if (offset + length >= this.data.length) return;
    this.data.set(src.subarray(off, off + length), offset);
    this.ranges.push([offset, offset + length]);
  }

  /** Bytes available from offset 0 without a hole. */
  contiguous(): number {
    this.ranges.sort((x, y) => x[0] - y[0]);
    let end = 0;
    for (const [a, z] of this.ranges) { if (a > end) break; if (z > end) end = z; }
    return end;
  }

  /** Length of the complete first handshake message, or 0 while it is still partial. */
  completeMessage(): number {
    const n = this.contiguous();
    if (n < 4) return 0;
    const need = 4 + ((this.data[1] << 16) | (this.data[2] << 8) | this.data[3]);
    return n >= need ? need : 0;
  }
}

/**
 * Decrypt a client Initial (RFC 9001 §5: keys from the destination connection id) and add its
 * CRYPTO frames to `cs`. Returns false when the datagram is not a client Initial Arkime reads.
 */
export function decryptInitial(s: SessionApi, b: Uint8Array, off: number, len: number, cs: CryptoStream): boolean {
  if (len < 1200 || len > 3000 || (b[off] & 0xf0) !== 0xc0) return false;
  const r = new VarReader(b, off, off + len);
  const flags = r.u8();
  r.skip(4);                                             // version
  const dcidLen = r.u8();
  const dcid = b.subarray(r.pos, r.pos + dcidLen);
  r.skip(dcidLen);
  if (r.u8() !== 0) return false;                        // Arkime only reads Initials without a source id
  r.skip(r.varint());                                    // token
  const packetLen = r.varint();
  if (r.error || packetLen !== r.end - r.pos) return false;

  const prk = createHmac('sha256', V1_SALT).update(dcid).digest();
  const client = hkdfExpandLabel(prk, 'tls13 client in', 32);
  const hp = hkdfExpandLabel(client, 'tls13 quic hp', 16);
  const key = hkdfExpandLabel(client, 'tls13 quic key', 16);
  const iv = hkdfExpandLabel(client, 'tls13 quic iv', 12);

  if (r.pos + 20 > r.end) return false;
  const sample = b.subarray(r.pos + 4, r.pos + 20);
  const mask = createCipheriv('aes-128-ecb', hp, null).update(sample);
  const first = flags ^ (mask[0] & 0x0f);
  const pnLen = (first & 0x03) + 1;
  if (pnLen > 2) return false;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) pn = (pn << 8) | (b[r.pos + i] ^ mask[i + 1]);
  r.pos += pnLen;
  const nonce = Buffer.from(iv);
  nonce[11] ^= pn & 0xff;                                // Arkime folds only the low byte in
  const payloadLen = r.end - r.pos - 16;
  if (payloadLen <= 0) return false;
  const out = createDecipheriv('aes-128-gcm', key, nonce).update(b.subarray(r.pos, r.pos + payloadLen));

  const fr = new VarReader(out, 0, out.length);
  while (!fr.error && fr.end - fr.pos > 1) {
    const type = fr.u8();
    if (type === 0 || type === 1) continue;              // PADDING, PING
    if (type !== 6) break;                               // only CRYPTO frames before anything else
    s.addProtocol('quic');
    const offset = fr.varint();
    const length = fr.varint();
    if (fr.end - fr.pos >= length) cs.add(out, fr.pos, offset, length);
    fr.skip(length);
  }
  return true;
}

/** Fingerprint the ClientHello once complete; true when done. */
function finishHello(s: SessionApi, cs: CryptoStream): boolean {
  const n = cs.completeMessage();
  if (n === 0) return false;
  processClientHello(s, cs.data, 0, n);
  return true;
}

// ---------------------------------------------------------------------------------------------

export interface QuicState {
  kind: 'g2445' | 'g4648' | 'q5x' | 'ietf';
  which: number;
  packets: number;
  crypto?: CryptoStream;
}

/** Client Initials looked at for the rest of a split ClientHello. */
const MAX_INITIALS = 8;

export const quicParser: ProtocolParser<QuicState> = {
  name: 'quic',
  udpPrefixes: [
    { offset: 1, bytes: 'Q05' }, { offset: 1, bytes: 'Q04' },
    { offset: 9, bytes: 'Q04' }, { offset: 9, bytes: 'Q03' }, { offset: 9, bytes: 'Q02' },
    { offset: 9, bytes: 'PRST' }, { offset: 1, bytes: [0x00] },
  ],

  classify(s, dir, b, off, len) {
    let st: QuicState | undefined;
    if (len > 100 && (b[off] & 0xc0) === 0xc0 && eq(b, off + 1, 'Q05')) st = { kind: 'q5x', which: 1 << dir, packets: 0 };
    else if (len > 100 && (b[off] & 0xc0) === 0xc0 && eq(b, off + 1, 'Q04')) st = { kind: 'g4648', which: 0, packets: 0 };
    else if (len > 100 && (b[off] & 0x83) === 0x01 && len > 12 && (eq(b, off + 9, 'Q04') || eq(b, off + 9, 'Q03') || eq(b, off + 9, 'Q02'))) {
      st = { kind: 'g2445', which: 0, packets: 0 };
    }
    if (len > 12 && eq(b, off + 9, 'PRST')) s.addProtocol('quic');
    if (!st && len > 1 && b[off + 1] === 0) {
      const cs = new CryptoStream();
      if (decryptInitial(s, b, off, len, cs) && !finishHello(s, cs)) {
        // parse sees this datagram again first; `packets` starts at -1 to skip it
        st = { kind: 'ietf', which: dir, packets: -1, crypto: cs };
      }
    }
    return st;
  },

  parse(st, s, dir: Dir, b, off, len) {
    switch (st.kind) {
      case 'g2445': return parseGquic2445(s, b, off, len) ? PARSE_DONE : len;
      case 'g4648': return parseGquic4648(s, b, off, len) ? PARSE_DONE : len;
      case 'ietf':
        if (dir !== st.which || st.packets++ < 0) return len;
        if (decryptInitial(s, b, off, len, st.crypto!) && finishHello(s, st.crypto!)) return PARSE_DONE;
        return st.packets >= MAX_INITIALS ? PARSE_DONE : len;
      case 'q5x':
        if (len < 20 || !eq(b, off + 1, 'Q05')) return PARSE_DONE;
        st.which |= 1 << dir;
        if (st.which === 3) { s.addProtocol('quic'); return PARSE_DONE; }
        return ++st.packets > 20 ? PARSE_DONE : len;
    }
  },
};
