// NTLMSSP messages (MS-NLMP) as Arkime records them wherever they are carried: SMB session
// setup, LDAP SASL binds, HTTP `Authorization: NTLM|Negotiate`. Not a classifier of its own:
// carriers call `ntlmDecode`. Also home of the small string readers the Windows parsers share.
import { core } from '../../db/fields/core.js';
import { defineField } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';
import { bytesToText } from './text.js';

export const ntlmFields = {
  type: defineField({ exp: 'ntlm.type', db: 'ntlm.type', kind: 'integer', group: 'ntlm', friendly: 'Message Type', help: 'NTLMSSP message types seen (1 negotiate, 2 challenge, 3 authenticate)', cnt: true }),
  domain: defineField({ exp: 'ntlm.domain', db: 'ntlm.domain', kind: 'termfield', group: 'ntlm', friendly: 'Domain', help: 'NTLM domain', cnt: true }),
  host: defineField({ exp: 'ntlm.host', db: 'ntlm.host', kind: 'lotermfield', group: 'ntlm', friendly: 'Host', help: 'NTLM workstation name', cnt: true, category: 'host' }),
  targetName: defineField({ exp: 'ntlm.targetName', db: 'ntlm.targetName', kind: 'termfield', group: 'ntlm', friendly: 'Target Name', help: 'NTLM challenge target name', cnt: true }),
  version: defineField({ exp: 'ntlm.version', db: 'ntlm.version', kind: 'termfield', group: 'ntlm', friendly: 'Version', help: 'Windows version in the NTLM VERSION structure', cnt: true }),
};

/** "NTLMSSP\0" */
const SIGNATURE = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00];
const NEGOTIATE_UNICODE = 0x00000001;
const NEGOTIATE_VERSION = 0x02000000;

const le16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const le32 = (b: Uint8Array, i: number) => (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

/** True when `len` bytes at `off` start with the NTLMSSP signature. */
export function isNtlmssp(b: Uint8Array, off: number, len: number): boolean {
  if (len < 12) return false;
  for (let i = 0; i < 8; i++) if (b[off + i] !== SIGNATURE[i]) return false;
  return true;
}

/**
 * UCS-2LE bytes → text up to the first NUL, or undefined where GLib's g_convert fails
 * (an odd byte count, a surrogate unit): Arkime drops such a value whole.
 */
export function ucs2(b: Uint8Array, off: number, len: number): string | undefined {
  if (len & 1) return undefined;
  let out = '';
  let cut = -1;
  for (let i = off; i < off + len; i += 2) {
    const u = b[i] | (b[i + 1] << 8);
    if (u >= 0xd800 && u <= 0xdfff) return undefined;
    if (u === 0 && cut < 0) cut = out.length;
    if (cut < 0) out += String.fromCharCode(u);
  }
  return out;
}

/** 8-bit bytes → text up to the first NUL (Arkime copies with a length, C strings end at NUL). */
export function cstr(b: Uint8Array, off: number, len: number): string {
  let e = off;
  const end = off + len;
  while (e < end && b[e] !== 0) e++;
  return bytesToText(b, off, e - off);
}

/** A security buffer (len u16, maxlen u16, offset u32) at `at`; undefined when it lies outside the message. */
function secBuf(b: Uint8Array, off: number, len: number, at: number): [number, number] | undefined {
  if (at + 8 > len) return undefined;
  const l = le16(b, off + at);
  const o = le32(b, off + at + 4);
  if (o > len || l > len - o) return undefined;
  return [off + o, l];
}

function addText(s: SessionApi, f: typeof ntlmFields.host, b: Uint8Array, sb: [number, number] | undefined, unicode: boolean): void {
  if (!sb || sb[1] === 0) return;
  const v = unicode ? ucs2(b, sb[0], sb[1]) : cstr(b, sb[0], sb[1]);
  if (v) s.addString(f, v);
}

function addVersion(s: SessionApi, b: Uint8Array, off: number, len: number, at: number, flags: number): void {
  if (!(flags & NEGOTIATE_VERSION) || at + 8 > len) return;
  s.addString(ntlmFields.version, `${b[off + at]}.${b[off + at + 1]}.${le16(b, off + at + 2)}`);
}

/**
 * Decode one NTLMSSP message: adds protocol `ntlm`, the message type and the names it carries.
 * Returns the message type, or 0 when the bytes are not NTLMSSP.
 */
export function ntlmDecode(s: SessionApi, b: Uint8Array, off: number, len: number): number {
  if (!isNtlmssp(b, off, len)) return 0;
  const type = le32(b, off + 8);
  if (type < 1 || type > 3) return 0;
  s.addProtocol('ntlm');
  s.addInt(ntlmFields.type, type);
  if (type === 1) {
    // NEGOTIATE: flags, domain, workstation (OEM strings), version
    if (len < 16) return type;
    const flags = le32(b, off + 12);
    addText(s, ntlmFields.domain, b, secBuf(b, off, len, 16), false);
    addText(s, ntlmFields.host, b, secBuf(b, off, len, 24), false);
    addVersion(s, b, off, len, 32, flags);
  } else if (type === 2) {
    // CHALLENGE: target name, flags, challenge, reserved, target info, version
    if (len < 24) return type;
    const flags = le32(b, off + 20);
    addText(s, ntlmFields.targetName, b, secBuf(b, off, len, 12), (flags & NEGOTIATE_UNICODE) !== 0);
    addVersion(s, b, off, len, 48, flags);
  } else {
    // AUTHENTICATE: LM, NT, domain, user, workstation, session key, flags, version
    if (len < 64) return type;
    const flags = le32(b, off + 60);
    const unicode = (flags & NEGOTIATE_UNICODE) !== 0;
    addText(s, ntlmFields.domain, b, secBuf(b, off, len, 28), unicode);
    addText(s, core.user, b, secBuf(b, off, len, 36), unicode);
    addText(s, ntlmFields.host, b, secBuf(b, off, len, 44), unicode);
    addVersion(s, b, off, len, 64, flags);
  }
  return type;
}

/** Find an NTLMSSP message inside a token (raw, or wrapped in SPNEGO/GSS-API) and decode it. */
export function ntlmDecodeToken(s: SessionApi, b: Uint8Array, off: number, len: number): number {
  const end = off + len;
  for (let i = off; i + 12 <= end; i++) {
    if (b[i] === 0x4e && isNtlmssp(b, i, end - i)) return ntlmDecode(s, b, i, end - i);
  }
  return 0;
}
