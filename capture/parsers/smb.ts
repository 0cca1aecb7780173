// SMB1 and SMB2/3 over TCP (Arkime's smb.c): NetBIOS-framed messages; dialects from the
// negotiate exchange, shares from tree connects, file names from create/open/delete, and
// OS / version / domain / user from SMB1 session setup (with NTLMSSP in its security blob).
// Each message is parsed inside its own bounds: a lying length inside one message ends that
// message, not the parser.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';
import { readTlv, Span, Tlv } from './tls-cert.js';
import { cstr, isNtlmssp, ntlmDecode, ucs2 } from './ntlm.js';

// read through functions: TypeScript would keep a narrowed `t.tag` across readTlv calls
const tagOf = (t: Tlv): number => t.tag;
const pcOf = (t: Tlv): number => t.pc;

const f = (exp: string, db: string, friendly: string, help: string, extra: object = {}) =>
  defineField({ exp, db, kind: 'termfield', group: 'smb', friendly, help, cnt: true, ...extra });

export const smbFields = {
  share: f('smb.share', 'smb.share', 'Share', 'SMB shares connected to'),
  filename: f('smb.fn', 'smb.filename', 'Filename', 'SMB files opened, created, deleted'),
  os: f('smb.os', 'smb.os', 'OS', 'SMB OS information'),
  domain: f('smb.domain', 'smb.domain', 'Domain', 'SMB domain'),
  version: f('smb.ver', 'smb.version', 'Version', 'SMB Version information'),
  dialect: defineField({ exp: 'smb.dialect', db: 'smb.dialect', kind: 'termfield', group: 'smb', friendly: 'Dialect', help: 'SMB Dialect information', store: 'single' }),
  user: f('smb.user', 'smb.user', 'User', 'SMB User', { category: 'user' }),
  host: f('host.smb', 'smb.host', 'SMB Host', 'SMB Host name', { category: 'host', aliases: ['smb.host'] }),
};

/** Largest message Arkime buffers to parse; larger ones (reads, writes) are skipped. */
const MAX_SMB_BUFFER = 8192;
const MAX_SMB1_DIALECTS = 10;
const SMB1_FLAGS_REPLY = 0x80;
const SMB1_FLAGS2_UNICODE = 0x8000;
const SMB2_FLAGS_SERVER_TO_REDIR = 0x1;

export interface SmbState {
  /** Bytes of an oversized message still to skip, per direction. */
  skip: [number, number];
  /** SMB1 flags2 of the last header seen per direction (selects UCS-2 strings). */
  flags2: [number, number];
  /** SMB1 dialects the client offered, in order. */
  dialects: string[];
}

const le16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const le32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function addString(s: SessionApi, field: typeof smbFields.share, b: Uint8Array, off: number, len: number, unicode: boolean): void {
  if (len <= 0) return;
  const v = unicode ? ucs2(b, off, len) : cstr(b, off, len);
  if (v) s.addString(field, v);
}

/** Strings that each end in NUL (a last one without its NUL is not counted), at most `max`. */
function nulSplit(b: Uint8Array, off: number, len: number, unicode: boolean, max: number): string[] | undefined {
  let text: string;
  if (unicode) {
    if (len & 1) return undefined;
    text = '';
    for (let i = off; i < off + len; i += 2) {
      const u = b[i] | (b[i + 1] << 8);
      if (u >= 0xd800 && u <= 0xdfff) return undefined;
      text += String.fromCharCode(u);
    }
  } else {
    text = Buffer.from(b.buffer, b.byteOffset + off, len).toString('latin1');
  }
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length && out.length < max; i++) {
    if (text.charCodeAt(i) === 0) { out.push(text.slice(start, i)); start = i + 1; }
  }
  return unicode ? out : out.map((x) => cstr(Buffer.from(x, 'latin1'), 0, x.length));
}

/**
 * SMB1 session setup security blob: SPNEGO negTokenResp [1] → SEQUENCE → responseToken [2] →
 * OCTET STRING holding NTLMSSP. An AUTHENTICATE message also names domain, user and host.
 */
function securityBlob(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  const t = new Tlv();
  let sp = new Span(b, off, off + len);
  if (!readTlv(sp, t) || tagOf(t) !== 1) return;
  sp = new Span(b, t.off, t.off + t.len);
  if (!readTlv(sp, t) || tagOf(t) !== 16) return;
  sp = new Span(b, t.off, t.off + t.len);
  if (!readTlv(sp, t) || tagOf(t) !== 2) return;
  sp = new Span(b, t.off, t.off + t.len);
  if (!readTlv(sp, t) || tagOf(t) !== 4 || !isNtlmssp(b, t.off, t.len)) return;
  const v = t.off;
  const vlen = t.len;
  if (ntlmDecode(s, b, v, vlen) !== 3) return;
  const lens: number[] = [];
  const offs: number[] = [];
  for (let i = 0; i < 6; i++) {
    const at = 12 + i * 8;
    const l = at + 8 <= vlen ? le16(b, v + at) : -1;
    const o = at + 8 <= vlen ? le32(b, v + at + 4) : -1;
    if (l < 0 || o > vlen || l > vlen - o) { s.addTag('smb:bad-security-blob'); return; }
    lens.push(l); offs.push(o);
  }
  addString(s, smbFields.domain, b, v + offs[2], lens[2], true);
  addString(s, smbFields.user, b, v + offs[3], lens[3], true);
  addString(s, smbFields.host, b, v + offs[4], lens[4], true);
}

/** One SMB1 message, `m` at the 0xff 'SMB' header, `end` its bound. */
function smb1Message(st: SmbState, s: SessionApi, dir: Dir, b: Uint8Array, m: number, end: number): void {
  const cmd = b[m + 4];
  const flags = b[m + 9];
  st.flags2[dir] = le16(b, m + 10);
  const unicode = (st.flags2[dir] & SMB1_FLAGS2_UNICODE) !== 0;
  const start = m + 32;
  if (start >= end) return;
  const wc = b[start];

  if (flags & SMB1_FLAGS_REPLY) {
    if (cmd !== 0x72 || wc < 13 || start + 2 >= end) return;   // NEGOTIATE response
    const idx = le16(b, start + 1);
    if (idx < st.dialects.length) s.addString(smbFields.dialect, st.dialects[idx]);
    return;
  }

  switch (cmd) {
    case 0x06: // DELETE
    case 0x2d: // OPEN_ANDX
    case 0xa2: { // NT_CREATE_ANDX: words, byte count, then (pad +) name
      const p = start + 1 + wc * 2 + 3;
      if (p > end) return;
      addString(s, smbFields.filename, b, p, end - p, unicode);
      return;
    }
    case 0x72: { // NEGOTIATE request: byte count, then 0x02 "dialect" NUL ...
      let p = start + 1 + wc * 2;
      if (p + 2 > end) return;
      const bc = le16(b, p);
      p += 2;
      const e = Math.min(end, p + bc);
      while (p < e && st.dialects.length < MAX_SMB1_DIALECTS) {
        p++; // buffer format 0x02
        let z = p;
        while (z < e && b[z] !== 0) z++;
        if (z >= e) break;
        st.dialects.push(cstr(b, p, z - p));
        p = z + 1;
      }
      return;
    }
    case 0x75: { // TREE_CONNECT_ANDX: andx, flags, password length, byte count, password, path
      if (start + 11 > end) return;
      const passLen = le16(b, start + 7);
      // Arkime lands on the next even offset (from the words) whatever the string type
      let p = start + 11 + passLen;
      if ((p - start) & 1) p++;
      if (p > end) return;
      addString(s, smbFields.share, b, p, end - p, unicode);
      return;
    }
    case 0x73: { // SESSION_SETUP_ANDX
      let p = start + 1;
      if (wc === 12) {
        if (p + 26 > end) return;
        const secLen = le16(b, p + 14);
        p += 26;
        if (secLen > end - p) return;
        securityBlob(s, b, p, secLen);
        p += secLen;
        if ((p - start) & 1) p++;
        if (p > end) return;
        const o = nulSplit(b, p, end - p, unicode, 3);
        if (!o) return;
        if (o[0]) s.addString(smbFields.os, o[0]);
        if (o[1]) s.addString(smbFields.version, o[1]);
        if (o[2]) s.addString(smbFields.domain, o[2]);
      } else if (wc === 13) {
        if (p + 26 > end) return;
        const ansiPw = le16(b, p + 14);
        const uniPw = le16(b, p + 16);
        p += 28 + ansiPw + uniPw;
        if ((p - start) & 1) p++;
        if (p > end) return;
        const o = nulSplit(b, p, end - p, unicode, 4);
        if (!o) return;
        if (o[0]) s.addString(smbFields.user, o[0]);
        if (o[1]) s.addString(smbFields.domain, o[1]);
        if (o[2]) s.addString(smbFields.os, o[2]);
        if (o[3]) s.addString(smbFields.version, o[3]);
      }
      return;
    }
  }
}

/** One SMB2/3 message, `m` at the 0xfe 'SMB' header, `end` its bound. Strings are UTF-16LE. */
function smb2Message(s: SessionApi, b: Uint8Array, m: number, end: number): void {
  if (end - m < 64) return;
  const cmd = le16(b, m + 12);
  const flags = le32(b, m + 16);
  const body = m + 64;
  if (flags & SMB2_FLAGS_SERVER_TO_REDIR) {
    if (cmd !== 0x00 || body + 6 > end) return;           // NEGOTIATE response
    const d = le16(b, body + 4);
    if (d !== 0 && d !== 0x02ff) s.addString(smbFields.dialect, `SMB ${(d >> 8) & 0xf}.${(d >> 4) & 0xf}.${d & 0xf}`);
    return;
  }
  if (cmd === 0x03) { // TREE_CONNECT: path offset (from the header) and length
    if (body + 8 > end) return;
    const po = le16(b, body + 4);
    const pl = le16(b, body + 6);
    if (po < 64 + 8 || m + po + pl > end) return;
    addString(s, smbFields.share, b, m + po, pl, true);
  } else if (cmd === 0x05) { // CREATE: name offset (from the header) and length
    if (body + 48 > end) return;
    const no = le16(b, body + 44);
    const nl = le16(b, body + 46);
    if (no < 64 + 48 || m + no + nl > end) return;
    addString(s, smbFields.filename, b, m + no, nl, true);
  }
}

export const smbParser: ProtocolParser<SmbState> = {
  name: 'smb',
  tcpPrefixes: [{ offset: 5, bytes: 'SMB' }],

  classify(s, _dir, b, off, len) {
    if (len < 5 || (b[off + 4] !== 0xff && b[off + 4] !== 0xfe)) return undefined;
    if (s.hasProtocol('smb')) return undefined;
    s.addProtocol('smb');
    return { skip: [0, 0], flags2: [0, 0], dialects: [] };
  },

  parse(st, s, dir, b, off, len) {
    let p = off;
    const end = off + len;
    if (st.skip[dir] > 0) {
      const k = Math.min(st.skip[dir], len);
      st.skip[dir] -= k;
      p += k;
    }
    while (end - p >= 5) {
      const remlen = (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3];
      const total = 4 + remlen;
      if (remlen < 32 || remlen > MAX_SMB_BUFFER) {
        // too short for a header, or too large to hold: skip it whole
        const k = Math.min(total, end - p);
        st.skip[dir] = total - k;
        p += k;
        continue;
      }
      if (end - p < total) break;            // wait for the whole message
      const m = p + 4;
      if (b[m] === 0xff) smb1Message(st, s, dir, b, m, m + remlen);
      else smb2Message(s, b, m, m + remlen);
      p += total;
    }
    return p - off;
  },
};

/** SMB inside a NetBIOS datagram (UDP 138: browser announcements, mailslots): named only. */
export const smbDatagramLabel: ProtocolParser<true> = {
  name: 'smb',
  udpPorts: [138],
  classify(s, _dir, b, off, len) {
    const type = b[off];
    if (len < 14 || type < 0x10 || type > 0x12 || s.hasProtocol('smb')) return undefined;
    // header (14 bytes), then the source and destination names as DNS-style labels
    let p = off + 14;
    const end = off + len;
    for (let name = 0; name < 2; name++) {
      while (p < end && b[p] !== 0) {
        if (b[p] >= 0xc0) { p++; break; }
        p += b[p] + 1;
      }
      p++;
    }
    if (p + 4 > end || b[p] !== 0xff || b[p + 1] !== 0x53 || b[p + 2] !== 0x4d || b[p + 3] !== 0x42) return undefined;
    s.addProtocol('smb');
    return true;
  },
};
