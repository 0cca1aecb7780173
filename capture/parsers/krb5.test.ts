import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { krb5Tcp, krb5Udp } from './krb5.js';

/** DER: tag, length (short or 0x81/0x82 long form), value. */
const tlv = (tag: number, v: number[]): number[] => {
  const n = v.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...len, ...v];
};
const int = (n: number) => tlv(0x02, n < 0x80 ? [n] : [0, n]);
const gstr = (s: string) => tlv(0x1b, [...Buffer.from(s)]);
const seq = (...items: number[][]) => tlv(0x30, items.flat());
const ctx = (n: number, v: number[]) => tlv(0xa0 + n, v);
const principal = (...names: string[]) => seq(ctx(0, int(1)), ctx(1, seq(...names.map(gstr))));

/** AS-REQ for user@REALM asking krbtgt/REALM with etypes 18, 23 and one unknown. */
function asReq(user: string, realm: string): number[] {
  const body = seq(ctx(0, tlv(0x03, [0, 0x40, 0x81, 0, 0x10])), ctx(1, principal(user)), ctx(2, gstr(realm)),
    ctx(3, principal('krbtgt', realm)), ctx(7, int(5)), ctx(8, seq(int(18), int(23), int(99))));
  return tlv(0x6a, seq(ctx(1, int(5)), ctx(2, int(10)), ctx(4, body)));
}

test('UDP AS-REQ and KRB-ERROR: realm, cname, sname, etypes, error', () => {
  const err = tlv(0x7e, seq(ctx(0, int(5)), ctx(1, int(30)), ctx(6, int(6)), ctx(9, gstr('EXAMPLE.COM')), ctx(10, principal('krbtgt', 'EXAMPLE.COM'))));
  const s = new TestSession('[default]\n', { ipProtocol: 17, dstPort: 88 });
  const doc = s.run(krb5Udp, [[0, Uint8Array.from(asReq('alice', 'EXAMPLE.COM'))], [1, Uint8Array.from(err)]]) as any;
  assert.deepEqual(doc.protocol, ['krb5']);
  assert.deepEqual(doc.krb5.realm, ['EXAMPLE.COM']);
  assert.deepEqual(doc.krb5.cname, ['alice']);
  assert.deepEqual(doc.krb5.sname, ['krbtgt/EXAMPLE.COM']);
  assert.deepEqual(doc.krb5.etype, ['aes256-cts-hmac-sha1-96', 'rc4-hmac']);
  assert.deepEqual(doc.krb5.error, ['KDC_ERR_C_PRINCIPAL_UNKNOWN']);
});

test('UDP classifier refuses what is not a request or error', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17 });
  const rep = Uint8Array.from(tlv(0x6b, seq(ctx(0, int(5)))));
  assert.equal(krb5Udp.classify(s, 1, rep, 0, rep.length), undefined);
});

test('TCP: length-prefixed records split across segments; an oversized record is tagged', () => {
  const m = asReq('host$', 'AD.EXAMPLE.NET');
  const rec = Uint8Array.from([0, 0, m.length >> 8, m.length & 0xff, ...m]);
  const s = new TestSession('[default]\n', { dstPort: 88 });
  const doc = s.run(krb5Tcp, [[0, rec.subarray(0, 20)], [0, rec.subarray(20)], [0, Uint8Array.from([0, 1, 1, 0, 0x6a, 0x82])]]) as any;
  assert.deepEqual(doc.krb5.cname, ['host$']);
  assert.deepEqual(doc.krb5.realm, ['AD.EXAMPLE.NET']);
  assert.deepEqual(doc.tags, ['krb5:record-too-long']);
});
