// SIP requests and responses over UDP and TCP.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sipTcp, sipUdp } from './sip.js';
import { TestSession } from './testing.js';

const invite = 'INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1\r\nFrom: "Al" <sip:alice@example.com>;tag=1\r\n' +
  'To: <sip:bob@example.com>\r\nCall-ID: 42@host\r\nUser-Agent: phone/1\r\nContent-Length: 4\r\n\r\nv=0\n';

test('SIP over UDP: method, headers, users; response status', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 5060, dstPort: 5060 });
  const doc = s.run(sipUdp, [[0, invite], [1, 'SIP/2.0 180 Ringing\r\nCall-ID: 42@host\r\n\r\n']]) as any;
  assert.deepEqual(doc.protocol, ['sip']);
  assert.deepEqual(doc.sip.method, ['INVITE']);
  assert.deepEqual(doc.sip.statuscode, [180]);
  assert.deepEqual(doc.sip.callid, ['42@host']);
  assert.deepEqual(doc.sip.from, ['"Al" <sip:alice@example.com>;tag=1']);
  assert.deepEqual(doc.sip.user, ['alice', 'bob']);
  assert.deepEqual(doc.sip.via, ['SIP/2.0/UDP 10.0.0.1']);
  assert.deepEqual(doc.sip.useragent, ['phone/1']);
});

test('SIP over TCP: two messages in one stream, body skipped by Content-Length', () => {
  const s = new TestSession('[default]\n', { srcPort: 5060, dstPort: 5060 });
  const bye = 'BYE sip:bob@example.com SIP/2.0\r\nCall-ID: 43@host\r\nl: 0\r\n\r\n';
  const doc = s.run(sipTcp, [[0, invite + bye.slice(0, 10)], [0, bye.slice(10)]]) as any;
  assert.deepEqual(doc.sip.method, ['INVITE', 'BYE']);
  assert.deepEqual(doc.sip.callid, ['42@host', '43@host']);
});
