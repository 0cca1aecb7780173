import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { ntlmDecode, ntlmDecodeToken, ucs2 } from './ntlm.js';
import { httpParser } from './http.js';

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];
const SIG = [...Buffer.from('NTLMSSP\0', 'latin1')];

/** An AUTHENTICATE message with UTF-16 domain, user and workstation (and version 10.0.19041). */
export function ntlmAuthenticate(domain: string, user: string, host: string): number[] {
  const fields = [Buffer.alloc(0), Buffer.alloc(0), Buffer.from(domain, 'utf16le'), Buffer.from(user, 'utf16le'), Buffer.from(host, 'utf16le'), Buffer.alloc(0)];
  let off = 72;
  const hdr: number[] = [];
  for (const f of fields) { hdr.push(...u16(f.length), ...u16(f.length), ...u32(off)); off += f.length; }
  return [...SIG, ...u32(3), ...hdr, ...u32(0x02000001), 10, 0, ...u16(19041), 0, 0, 0, 15, ...fields.flatMap((f) => [...f])];
}

test('AUTHENTICATE: type, domain, host, user and version', () => {
  const s = new TestSession();
  const m = Uint8Array.from(ntlmAuthenticate('CORP', 'bob', 'WS01'));
  assert.equal(ntlmDecode(s, m, 0, m.length), 3);
  const doc = s.doc() as any;
  assert.deepEqual(doc.protocol, ['ntlm']);
  assert.deepEqual(doc.ntlm, { type: [3], typeCnt: 1, domain: ['CORP'], domainCnt: 1, host: ['WS01'], hostCnt: 1, version: ['10.0.19041'], versionCnt: 1 });
  assert.deepEqual(doc.user, ['bob']);
});

test('NEGOTIATE (OEM names) and CHALLENGE (target name) ', () => {
  const neg = Uint8Array.from([...SIG, ...u32(1), ...u32(0x3000), ...u16(4), ...u16(4), ...u32(32), ...u16(2), ...u16(2), ...u32(36), ...Buffer.from('CORPWS')]);
  const tn = Buffer.from('SRV', 'utf16le');
  const chal = Uint8Array.from([...SIG, ...u32(2), ...u16(tn.length), ...u16(tn.length), ...u32(48), ...u32(1), ...new Array(24).fill(0), ...tn]);
  const s = new TestSession();
  assert.equal(ntlmDecode(s, neg, 0, neg.length), 1);
  assert.equal(ntlmDecode(s, chal, 0, chal.length), 2);
  const doc = s.doc() as any;
  assert.deepEqual(doc.ntlm.type, [1, 2]);
  assert.deepEqual(doc.ntlm.domain, ['CORP']);
  assert.deepEqual(doc.ntlm.host, ['WS']);
  assert.deepEqual(doc.ntlm.targetName, ['SRV']);
});

test('a security buffer pointing outside the message is skipped, the others kept', () => {
  const m = ntlmAuthenticate('D', 'u', 'H');
  m.splice(28, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff);   // domain
  const s = new TestSession();
  ntlmDecode(s, Uint8Array.from(m), 0, m.length);
  const doc = s.doc() as any;
  assert.equal(doc.ntlm.domain, undefined);
  assert.deepEqual(doc.ntlm.host, ['H']);
});

test('not NTLMSSP: nothing added', () => {
  const s = new TestSession();
  assert.equal(ntlmDecode(s, Uint8Array.from(Buffer.from('NTLMSSX\0\x03\0\0\0')), 0, 12), 0);
  assert.equal(ntlmDecodeToken(s, Uint8Array.from([1, 2, 3]), 0, 3), 0);
  assert.deepEqual(s.doc(), {});
});

test('UCS-2 strings: cut at NUL, refused when odd-sized or holding a surrogate (as g_convert)', () => {
  const b = Uint8Array.from([...Buffer.from('ab\0c', 'utf16le'), 0x00, 0xd8]);
  assert.equal(ucs2(b, 0, 8), 'ab');
  assert.equal(ucs2(b, 0, 7), undefined);
  assert.equal(ucs2(b, 0, 10), undefined);
});

test('HTTP Authorization: NTLM is decoded', () => {
  const token = Buffer.from(ntlmAuthenticate('CORP', 'carol', 'LAPTOP')).toString('base64');
  const doc = new TestSession().run(httpParser, [[0, `GET / HTTP/1.1\r\nHost: h\r\nAuthorization: NTLM ${token}\r\n\r\n`]]) as any;
  assert.ok(doc.protocol.includes('ntlm'));
  assert.deepEqual(doc.ntlm.host, ['LAPTOP']);
  assert.deepEqual(doc.user, ['carol']);
});
