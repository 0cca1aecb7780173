// The compact per-session layouts: MACs as numbers, TTL/DSCP lists of both directions in one
// array, addresses after the flow key, flag counters only for TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ADDR_DST, ADDR_SRC, Session, ipTextAt, macNumText, macText } from './session.js';

test('a MAC kept as a 48-bit number reads back as the same text', () => {
  const mac = Uint8Array.of(0x00, 0x1b, 0x21, 0xff, 0x0a, 0xfe);
  const v = mac[0] * 2 ** 40 + mac[1] * 2 ** 32 + mac[2] * 2 ** 24 + (mac[3] << 16) + (mac[4] << 8) + mac[5];
  assert.equal(macNumText(v), macText(mac, 0));
  assert.equal(macNumText(0xffffffffffff), 'ff:ff:ff:ff:ff:ff');
  assert.equal(macNumText(0), '00:00:00:00:00:00');
});

test('TTLs of both directions share one list and split by side', () => {
  const s = new Session();
  s.ttls = [(0 << 8) | 64, (1 << 8) | 128, (0 << 8) | 63];
  assert.deepEqual(s.sideValues(s.ttls, 0), [64, 63]);
  assert.deepEqual(s.sideValues(s.ttls, 1), [128]);
  assert.deepEqual(s.sideValues(undefined, 1), []);
});

test('addresses sit after the flow key and read as text', () => {
  const s = new Session();
  s.ipVersion = 4;
  s.key.set([10, 0, 0, 1], ADDR_SRC);
  s.key.set([192, 168, 1, 2], ADDR_DST);
  assert.equal(s.srcIp, '10.0.0.1');
  assert.equal(s.dstIp, '192.168.1.2');
  assert.deepEqual([...s.addr[1].subarray(0, 4)], [192, 168, 1, 2]);
  const v6 = new Uint8Array(20);
  v6.set([0x20, 0x01, 0x0d, 0xb8], 4); v6[19] = 1;
  assert.equal(ipTextAt(v6, 4, 6), '2001:db8::1');
});

test('only TCP sessions get flag counters of their own; tags are made on the first one', () => {
  const a = new Session(), b = new Session();
  assert.equal(a.tcpFlagCnt, b.tcpFlagCnt); // one shared zero array
  b.initTcp();
  b.tcpFlagCnt[0]++;
  assert.equal(a.tcpFlagCnt[0], 0);
  assert.equal(a.tags, undefined);
  a.addTag('x');
  assert.deepEqual([...a.tags!], ['x']);
});
