// LDAP (Arkime's ldap.c) over TCP and UDP: bind names and authentication types, NTLMSSP inside
// SASL / Microsoft's sicily binds, and StartTLS (the bytes after it are classified again).
// Like Arkime, a message cut short by the capture is still read as far as it goes at save time.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type Dir, type ProtocolParser, type SessionApi } from './api.js';
import { readTlv, Span, Tlv } from './tls-cert.js';
import { cstr, isNtlmssp, ntlmDecode } from './ntlm.js';

// read through functions: TypeScript would keep a narrowed `t.tag` across readTlv calls
const tagOf = (t: Tlv): number => t.tag;
const pcOf = (t: Tlv): number => t.pc;

export const ldapFields = {
  authtype: defineField({ exp: 'ldap.authtype', db: 'ldap.authtype', kind: 'termfield', group: 'ldap', friendly: 'Auth Type', help: 'The auth type of ldap bind', cnt: true }),
  bindname: defineField({ exp: 'ldap.bindname', db: 'ldap.bindname', kind: 'termfield', group: 'ldap', friendly: 'Bind Name', help: 'The bind name of ldap bind', cnt: true }),
};

/** Bytes held per direction, as Arkime's parser buffer. */
const MAX_LDAP_BUFFER = 8192;
const OP_BIND_REQUEST = 0;
const OP_BIND_RESPONSE = 1;
const OP_EXTENDED_REQUEST = 23;
const OP_EXTENDED_RESPONSE = 24;

export interface LdapState {
  /** Unparsed tail per direction (a message not yet complete). */
  buf: [Uint8Array | undefined, Uint8Array | undefined];
  len: [number, number];
  /** Direction finished: StartTLS seen, or bad data. */
  stopped: [boolean, boolean];
  /** Bytes still to skip of a message too large to hold (search results). */
  skip: [number, number];
}

/**
 * Read one LDAPMessage at `sp`: messageID then protocolOp. Returns false when the bytes are
 * not an LDAP message (Arkime stops reading the direction there).
 */
function message(st: LdapState, s: SessionApi, dir: Dir, b: Uint8Array, off: number, len: number): boolean {
  const t = new Tlv();
  const sp = new Span(b, off, off + len);
  if (!readTlv(sp, t) || pcOf(t) !== 0 || tagOf(t) !== 2) return false;       // messageID
  if (!readTlv(sp, t) || pcOf(t) !== 1 || tagOf(t) > 25) return false;        // protocolOp
  const op = tagOf(t);
  const ib = new Span(b, t.off, t.off + t.len);
  if (op === OP_BIND_REQUEST) {
    if (!readTlv(ib, t)) return true;                                     // version
    if (!readTlv(ib, t)) return true;                                     // name
    s.addString(ldapFields.bindname, t.len === 0 ? '<ROOT>' : cstr(b, t.off, t.len));
    if (!readTlv(ib, t)) return true;                                     // authentication
    switch (tagOf(t)) {
      case 0: s.addString(ldapFields.authtype, t.len === 0 ? 'none' : 'simple'); break;
      case 3: {
        s.addString(ldapFields.authtype, 'sasl');
        // SaslCredentials: mechanism, credentials (NTLMSSP when the mechanism is NTLM)
        const sc = new Span(b, t.off, t.off + t.len);
        if (readTlv(sc, t) && tagOf(t) === 4 && readTlv(sc, t) && tagOf(t) === 4 && isNtlmssp(b, t.off, t.len)) ntlmDecode(s, b, t.off, t.len);
        break;
      }
      case 10: s.addString(ldapFields.authtype, 'ntlmsspNegotiate'); ntlmDecode(s, b, t.off, t.len); break;
      case 11: s.addString(ldapFields.authtype, 'ntlmsspAuth'); ntlmDecode(s, b, t.off, t.len); break;
      default: s.addString(ldapFields.authtype, String(tagOf(t)));
    }
  } else if (op === OP_BIND_RESPONSE) {
    // resultCode, matchedDN (AD puts the NTLM challenge here), diagnosticMessage, then [7] serverSaslCreds
    readTlv(ib, t);
    if (readTlv(ib, t) && isNtlmssp(b, t.off, t.len)) ntlmDecode(s, b, t.off, t.len);
    readTlv(ib, t);
    while (ib.remaining > 2 && readTlv(ib, t)) {
      if (tagOf(t) === 7 && isNtlmssp(b, t.off, t.len)) { ntlmDecode(s, b, t.off, t.len); break; }
    }
  } else if (op === OP_EXTENDED_REQUEST || op === OP_EXTENDED_RESPONSE) {
    // StartTLS (or another extended operation): what follows is no longer LDAP
    st.stopped[dir] = true;
    s.reclassify(dir);
  }
  return true;
}

/** Parse every complete message in `[off, off+len)`; with `flush`, also a cut-short last one. Returns bytes used. */
function messages(st: LdapState, s: SessionApi, dir: Dir, b: Uint8Array, off: number, len: number, flush: boolean): number {
  let p = off;
  const end = off + len;
  const t = new Tlv();
  while (!st.stopped[dir] && end - p > 5) {
    const sp = new Span(b, p, end);
    // the outer SEQUENCE: is the whole message here?
    if (b[p] !== 0x30) { st.stopped[dir] = true; break; }
    const lenByte = b[p + 1];
    let hdr = 2, full = lenByte;
    if (lenByte & 0x80) {
      const n = lenByte & 0x7f;
      if (n === 0 || n > 4) { st.stopped[dir] = true; break; }
      if (end - p < 2 + n) break;
      full = 0;
      for (let i = 0; i < n; i++) full = full * 256 + b[p + 2 + i];
      hdr = 2 + n;
    }
    if (end - p < hdr + full && !flush) {
      if (hdr + full > MAX_LDAP_BUFFER) { st.skip[dir] = hdr + full - (end - p); p = end; }
      break;
    }
    if (!readTlv(sp, t)) { st.stopped[dir] = true; break; }
    if (!message(st, s, dir, b, t.off, t.len)) { st.stopped[dir] = true; break; }
    p = sp.pos;
  }
  return p - off;
}

function newState(): LdapState {
  return { buf: [undefined, undefined], len: [0, 0], stopped: [false, false], skip: [0, 0] };
}

export const ldapParser: ProtocolParser<LdapState> = {
  name: 'ldap',
  tcpPrefixes: [{ bytes: [0x30] }],
  udpPrefixes: [{ bytes: [0x30] }],

  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('ldap')) return undefined;
    const t = new Tlv();
    const sp = new Span(b, off, off + len);
    if (!readTlv(sp, t) || !pcOf(t) || tagOf(t) !== 16) return undefined;
    const ib = new Span(b, t.off, t.off + t.len);
    if (!readTlv(ib, t) || pcOf(t) !== 0 || tagOf(t) !== 2) return undefined;   // messageID
    // protocolOp must be an APPLICATION-class constructed element (not SNMP's SEQUENCE)
    if (ib.remaining < 2 || (b[ib.pos] & 0xc0) !== 0x40) return undefined;
    if (!readTlv(ib, t) || pcOf(t) !== 1 || tagOf(t) > 25) return undefined;
    s.addProtocol('ldap');
    return newState();
  },

  parse(st, s, dir, b, off, len) {
    const total = len;                       // everything is always taken: we hold our own copy
    if (st.stopped[dir]) return st.stopped[dir ^ 1] ? PARSE_DONE : total;
    if (s.ipProtocol !== 6) {               // a datagram is whole or nothing
      messages(st, s, dir, b, off, len, true);
      return total;
    }
    if (st.skip[dir] > 0) {
      const k = Math.min(st.skip[dir], len);
      st.skip[dir] -= k;
      off += k; len -= k;
      if (len === 0) return total;
    }
    // keep a copy of what is not yet parsed so that save() can read a cut-short message
    let data = b, p = off, n = len;
    const held = st.len[dir];
    if (held > 0) {
      data = new Uint8Array(held + len);
      data.set(st.buf[dir]!.subarray(0, held));
      data.set(b.subarray(off, off + len), held);
      p = 0; n = data.length;
    }
    const used = messages(st, s, dir, data, p, n, false);
    const rest = Math.min(n - used, MAX_LDAP_BUFFER);
    st.len[dir] = st.stopped[dir] ? 0 : rest;
    if (st.len[dir] > 0) (st.buf[dir] ??= new Uint8Array(MAX_LDAP_BUFFER)).set(data.subarray(p + used, p + used + rest));
    return total;
  },

  save(st, s, _final) {
    for (const dir of [0, 1] as Dir[]) {
      if (st.len[dir] > 5 && !st.stopped[dir]) messages(st, s, dir, st.buf[dir]!, 0, st.len[dir], true);
      st.len[dir] = 0;
    }
  },
};
