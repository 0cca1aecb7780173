// OSPF packets, built here: type, router and area ids and the v2 authentication tag, from the
// first 11 packets of a session only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { parseOspfPacket } from './ospf.js';
import { ipProtoParser } from '../session/ip-proto-sessions.js';

/** Common OSPF header: version, type, length, router id, area id, checksum, AuType, auth. */
function ospf(version: number, type: number, router: number[], area: number[], auType = 0): Uint8Array {
  const b = new Uint8Array(24);
  b[0] = version; b[1] = type; b[3] = 24;
  b.set(router, 4); b.set(area, 8); b[15] = auType;
  return b;
}

test('an OSPFv2 Hello: type, ids, and a null-authentication tag', () => {
  const s = new TestSession();
  const p = ospf(2, 1, [10, 0, 21, 100], [0, 0, 0, 0]);
  parseOspfPacket(s, p, 0, p.length, 1);
  assert.deepEqual(s.doc(), {
    ospf: { msgType: ['Hello'], routerId: ['10.0.21.100'], areaId: ['0.0.0.0'] },
    tags: ['ospf:auth-null'], tagsCnt: 1,
  });
});

test('every type name, simple auth tagged, v3 untagged, other versions and late packets ignored', () => {
  const s = new TestSession();
  const add = (p: Uint8Array, n: number) => parseOspfPacket(s, p, 0, p.length, n);
  for (let t = 2; t <= 6; t++) add(ospf(2, t, [1, 1, 1, 1], [0, 0, 0, 1], 1), t);
  add(ospf(3, 1, [2, 2, 2, 2], [0, 0, 0, 2], 2), 7);
  add(ospf(4, 1, [3, 3, 3, 3], [0, 0, 0, 3]), 8);
  add(ospf(2, 1, [4, 4, 4, 4], [0, 0, 0, 4]), 12);
  add(ospf(2, 1, [5, 5, 5, 5], [0, 0, 0, 5]).subarray(0, 11), 9);
  assert.deepEqual(s.doc(), {
    ospf: {
      msgType: ['DBDesc', 'LSReq', 'LSUpdate', 'LSAck', 'unk-6', 'Hello'],
      routerId: ['1.1.1.1', '2.2.2.2'], areaId: ['0.0.0.1', '0.0.0.2'],
    },
    tags: ['ospf:auth-simple'], tagsCnt: 1,
  });
});

test('packet 11 is still read, and the parser is registered for IP protocol 89', () => {
  const s = new TestSession();
  const p = ospf(2, 5, [9, 9, 9, 9], [0, 0, 0, 9], 2);
  parseOspfPacket(s, p, 0, p.length, 11);
  assert.deepEqual((s.doc() as any).ospf.msgType, ['LSAck']);
  assert.equal((s.doc() as any).tags, undefined);
  assert.equal(ipProtoParser(89), parseOspfPacket);
});
