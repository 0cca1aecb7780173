// ANSI C12.22 (IEEE 1703) smart-meter messages over TCP (Arkime's c1222.c): the ACSE
// AP titles and invocation ids and, from the user-information element, the EPSEM security
// mode and response control. Classified on an APPLICATION[0] (0x60) wrapper whose first
// element is an AP title or invocation id.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';
import { decodeOid, readTlv, Span, Tlv } from './tls-cert.js';

const f = (name: string, kind: 'termfield' | 'integer', friendly: string, help: string) =>
  defineField({ linked: false, group: 'c1222', kind, cnt: true, exp: `c1222.${name}`, db: `c1222.${name}`, friendly, help });

export const c1222Fields = {
  calledApTitle: f('calledApTitle', 'termfield', 'Called AP Title', 'C12.22 called AP title OID'),
  callingApTitle: f('callingApTitle', 'termfield', 'Calling AP Title', 'C12.22 calling AP title OID'),
  calledApInvocationId: f('calledApInvocationId', 'integer', 'Called AP Invocation ID', 'C12.22 called AP invocation identifier'),
  callingApInvocationId: f('callingApInvocationId', 'integer', 'Calling AP Invocation ID', 'C12.22 calling AP invocation identifier'),
  securityMode: f('securityMode', 'termfield', 'Security Mode', 'C12.22 EPSEM security mode'),
  responseControl: f('responseControl', 'termfield', 'Response Control', 'C12.22 EPSEM response control'),
};

const SECURITY_MODES = ['cleartext', 'cleartext-with-auth', 'ciphertext-with-auth', 'unknown'];
const RESPONSE_CONTROLS = ['always', 'on-exception', 'never', 'unknown'];

/** Scratch TLVs: the parser runs on one thread and never re-enters. */
const outer = new Tlv(), el = new Tlv(), inner = new Tlv();

/** A context element wrapping one value: the value's TLV in `inner`. */
function unwrap(b: Uint8Array, t: Tlv): boolean {
  return readTlv(new Span(b, t.off, t.off + t.len), inner);
}

function intValue(b: Uint8Array, t: Tlv): number {
  let v = 0;
  for (let i = 0; i < t.len && i < 6; i++) v = v * 256 + b[t.off + i];
  return v;
}

function userInformation(s: SessionApi, b: Uint8Array, t: Tlv): void {
  // EXTERNAL (0x28) { [1] octet string whose first byte is the EPSEM flags }
  const sp = new Span(b, t.off, t.off + t.len);
  const ext = new Tlv();
  if (!readTlv(sp, ext) || !readTlv(new Span(b, ext.off, ext.off + ext.len), inner) || inner.len < 1) return;
  const flags = b[inner.off];
  s.addString(c1222Fields.securityMode, SECURITY_MODES[(flags >> 2) & 0x03]);
  s.addString(c1222Fields.responseControl, RESPONSE_CONTROLS[flags & 0x03]);
}

/** One complete message (the 0x60 TLV) at `off`. */
export function parseC1222Message(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  if (!readTlv(new Span(b, off, off + len), outer) || outer.pc !== 1 || outer.tag !== 0) return;
  const sp = new Span(b, outer.off, outer.off + outer.len);
  for (let i = 0; i < 10 && readTlv(sp, el); i++) {
    switch (el.tag) {
      case 2: case 6:
        if (unwrap(b, el) && inner.tag === 6) {
          s.addString(el.tag === 2 ? c1222Fields.calledApTitle : c1222Fields.callingApTitle, decodeOid(b, inner.off, inner.len));
        }
        break;
      case 4: case 8: {
        const v = el.pc ? (unwrap(b, el) ? intValue(b, inner) : -1) : intValue(b, el);
        if (v >= 0) s.addInt(el.tag === 4 ? c1222Fields.calledApInvocationId : c1222Fields.callingApInvocationId, v);
        break;
      }
      case 30:
        userInformation(s, b, el);
        break;
    }
  }
}

/** Total bytes of the TLV starting at `p`, or -1 when its header is not complete yet. */
function tlvSize(b: Uint8Array, p: number, end: number): number {
  if (end - p < 2) return -1;
  const l = b[p + 1];
  if (l < 0x80) return 2 + l;
  const n = l & 0x7f;
  if (n === 0 || n > 4) return -2;
  if (end - p < 2 + n) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) v = v * 256 + b[p + 2 + i];
  return 2 + n + v;
}

export const c1222Parser: ProtocolParser<object> = {
  name: 'c1222',
  tcpPrefixes: [{ bytes: [0x60] }],
  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('c1222') || len < 6) return undefined;
    if (!readTlv(new Span(b, off, off + len), outer) || outer.pc !== 1 || outer.tag !== 0) return undefined;
    if (!readTlv(new Span(b, outer.off, outer.off + outer.len), el)) return undefined;
    if (el.tag !== 2 && el.tag !== 4 && el.tag !== 6) return undefined;
    s.addProtocol('c1222');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= 2) {
      const n = tlvSize(b, p, end);
      if (n === -2) return -2; // not ASN.1 any more: stop quietly
      if (n < 0 || n > end - p) break;
      parseC1222Message(s, b, p, n);
      p += n;
    }
    return p - off;
  },
};
