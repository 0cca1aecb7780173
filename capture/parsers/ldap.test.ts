import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { ldapParser } from './ldap.js';

const tlv = (tag: number, v: number[]): number[] => (v.length < 0x80 ? [tag, v.length, ...v] : [tag, 0x81, v.length, ...v]);
const str = (tag: number, s: string) => tlv(tag, [...Buffer.from(s)]);
const msg = (id: number, op: number[]) => Uint8Array.from(tlv(0x30, [2, 1, id, ...op]));
const bind = (name: string, auth: number[]) => tlv(0x60, [2, 1, 3, ...str(4, name), ...auth]);

test('simple and anonymous binds: bind names and auth types', () => {
  const doc = new TestSession('[default]\n', { dstPort: 389 }).run(ldapParser, [
    [0, msg(1, bind('cn=admin,dc=example,dc=com', str(0x80, 'secret')))],
    [1, msg(1, tlv(0x61, [0x0a, 1, 0, 4, 0, 4, 0]))],
    [0, msg(2, bind('', [0x80, 0]))],
  ]) as any;
  assert.deepEqual(doc.protocol, ['ldap']);
  assert.deepEqual(doc.ldap.bindname, ['cn=admin,dc=example,dc=com', '<ROOT>']);
  assert.deepEqual(doc.ldap.authtype, ['simple', 'none']);
});

test('a message cut short by the capture is still read at save, as far as it goes', () => {
  const m = msg(1, bind('cn=admin,dc=example', str(0x80, 'pw')));
  const doc = new TestSession().run(ldapParser, [[0, m.subarray(0, 20)]]) as any;
  assert.deepEqual(doc.ldap.bindname, ['cn=admin']);
});

test('SASL bind with NTLMSSP, and StartTLS asks for the next bytes to be classified', () => {
  const ntlm = [...Buffer.from('NTLMSSP\0', 'latin1'), 1, 0, 0, 0, 0, 0, 0, 0];
  const s = new TestSession();
  const doc = s.run(ldapParser, [
    [0, msg(1, bind('', tlv(0xa3, [...str(4, 'NTLM'), ...tlv(4, ntlm)])))],
    [0, msg(2, tlv(0x77, str(0x80, '1.3.6.1.4.1.1466.20037')))],
    [0, Uint8Array.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0])],
  ]) as any;
  assert.deepEqual(doc.ldap.authtype, ['sasl']);
  assert.deepEqual(doc.ntlm.type, [1]);
  assert.deepEqual(s.reclassified, [0]);
});

test('SNMP is not LDAP', () => {
  const snmp = Uint8Array.from(tlv(0x30, [2, 1, 1, ...str(4, 'public'), ...tlv(0xa0, [])]));
  assert.equal(ldapParser.classify(new TestSession(), 0, snmp, 0, snmp.length), undefined);
});
