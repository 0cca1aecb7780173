import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { dcerpcParser } from './dcerpc.js';

const u16 = (v: number) => [v & 0xff, v >> 8];
const pdu = (type: number, callId: number, body: number[]) => {
  const len = 16 + body.length;
  return [5, 0, type, 3, 0x10, 0, 0, 0, ...u16(len), 0, 0, callId, 0, 0, 0, ...body];
};
// srvsvc 4b324fc8-1670-01d3-1278-5a47bf6ee188 v3, little-endian wire order
const srvsvc = [0xc8, 0x4f, 0x32, 0x4b, 0x70, 0x16, 0xd3, 0x01, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88];
const ndr = [0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11, 0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60, 2, 0, 0, 0];

test('bind names the interface; a request gives its opnum', () => {
  const bind = pdu(11, 1, [...u16(4280), ...u16(4280), 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, ...srvsvc, ...u16(3), 0, 0, ...ndr]);
  const req = pdu(0, 2, [16, 0, 0, 0, 0, 0, ...u16(15), 0, 0, 0, 0]);
  const both = Uint8Array.from([...bind, ...req]);
  const doc = new TestSession('[default]\n', { dstPort: 135 }).run(dcerpcParser, [[0, both.subarray(0, 50)], [0, both.subarray(50)]]) as any;
  assert.deepEqual(doc.protocol, ['dcerpc', 'srvsvc']);
  assert.deepEqual(doc.dcerpc.uuid, ['4b324fc8-1670-01d3-1278-5a47bf6ee188']);
  assert.deepEqual(doc.dcerpc.interface, ['srvsvc']);
  assert.deepEqual(doc.dcerpc.version, ['3']);
  assert.deepEqual(doc.dcerpc.msgType, ['bind', 'request']);
  assert.deepEqual(doc.dcerpc.opnum, [15]);
});

test('a fragment length out of range drops the buffered bytes', () => {
  const bad = Uint8Array.from([5, 0, 0, 3, 0x10, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  const doc = new TestSession().run(dcerpcParser, [[0, bad]]) as any;
  assert.deepEqual(doc.protocol, ['dcerpc']);
  assert.equal(doc.dcerpc, undefined);
});
