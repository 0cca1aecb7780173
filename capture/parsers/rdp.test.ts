import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { rdpParser } from './rdp.js';

const tpkt = (x224: number[]) => [3, 0, (x224.length + 4) >> 8, (x224.length + 4) & 0xff, ...x224];
const u16 = (v: number) => [v & 0xff, v >> 8];
const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];

test('cookie user, requested and selected protocols, client core data', () => {
  const cr = tpkt([0, 0xe0, 0, 0, 0, 0, 0, ...Buffer.from('Cookie: mstshash=RdpUser\r\n'), 1, 0, 8, 0, ...u32(3)]);
  cr[4] = cr.length - 5;
  const cc = tpkt([14, 0xd0, 0, 0, 0, 1, 0, 2, 0, 8, 0, ...u32(1)]);
  const name = [...Buffer.from('DESKTOP-1', 'utf16le')];
  const core = [...u32(0x80004), ...u16(1920), ...u16(1080), ...u16(0xca01), ...u16(0xaa03), ...u32(0x409), ...u32(19041),
    ...name, ...new Array(32 - name.length).fill(0), ...new Array(100).fill(0)];
  const mcs = tpkt([2, 0xf0, 0x80, 0x7f, 0x65, 0x82, 0x01, 0x00, ...new Array(24).fill(0), ...Buffer.from('Duca'),
    ...u16(0xc001), ...u16(core.length + 4), ...core]);
  const doc = new TestSession('[default]\n', { dstPort: 3389 }).run(rdpParser, [
    [0, Uint8Array.from(cr)], [1, Uint8Array.from(cc)], [0, Uint8Array.from(mcs)],
  ]) as any;
  assert.deepEqual(doc.protocol, ['rdp']);
  assert.deepEqual(doc.user, ['rdpuser']);
  assert.deepEqual(doc.rdp.requestedProtocols, ['ssl', 'nla']);
  assert.deepEqual(doc.rdp.selectedProtocol, ['ssl']);
  assert.deepEqual(doc.rdp.clientName, ['DESKTOP-1']);
  assert.deepEqual(doc.rdp.keyboardLayout, ['en-US']);
  assert.deepEqual(doc.rdp.clientBuild, [19041]);
});

test('a TPKT that is not an X.224 connection request is not RDP', () => {
  const other = Uint8Array.from(tpkt([2, 0xf0, 0x80, 0x32, 1, 0, 0, 0, 0]));
  assert.equal(rdpParser.classify(new TestSession(), 0, other, 0, other.length), undefined);
});
