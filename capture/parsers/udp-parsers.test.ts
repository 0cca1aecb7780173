// NBNS, NTP, RADIUS, STUN and TFTP over synthetic datagrams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { nbns } from './nbns.js';
import { ntp } from './ntp.js';
import { radius } from './radius.js';
import { stunTcp, stunUdp } from './stun.js';
import { tftp } from './tftp.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
/** First-level NetBIOS encoding of a 15-char name plus suffix byte. */
function nbName(n: string, suffix = 0): number[] {
  const bytes = [...Buffer.from(n.padEnd(15, ' '), 'latin1'), suffix];
  const out = [0x20];
  for (const b of bytes) out.push(0x41 + (b >> 4), 0x41 + (b & 15));
  out.push(0);
  return out;
}

test('nbns: query names, response host and NB address through a pointer', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 137, dstPort: 137 });
  const q = new Uint8Array([0x12, 0x34, 0x29, 0x10, 0, 1, 0, 0, 0, 0, 0, 1, ...nbName('MARTIN ROSENAU'), 0, 0x20, 0, 1,
    0xc0, 12, 0, 0x20, 0, 1, 0, 0, 0, 60, 0, 6, 0x60, 0, 192, 168, 1, 9]);
  const doc = s.run(nbns, [[0, q]]) as any;
  assert.deepEqual(doc.protocol, ['nbns']);
  assert.deepEqual(doc.nbns.queryHost, ['MARTIN ROSENAU']);
  assert.deepEqual(doc.nbns.host, ['MARTIN ROSENAU']);
  assert.deepEqual(doc.nbns.queryType, ['NB']);
  assert.deepEqual(doc.nbns.ip, ['192.168.1.9']);
  const bad = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 137, dstPort: 137 });
  assert.deepEqual(bad.run(nbns, [[0, new Uint8Array(60)]]), {});
});

test('ntp: version, mode, stratum and reference id', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 123, dstPort: 123 });
  const client = new Uint8Array(48); client[0] = 0x23;
  const server = new Uint8Array(48); server[0] = 0x24; server[1] = 1; server.set([0x47, 0x50, 0x53, 0], 12);
  const doc = s.run(ntp, [[0, client], [1, server]]) as any;
  assert.deepEqual(doc.ntp.mode, ['client', 'server']);
  assert.deepEqual(doc.ntp.version, [4]);
  assert.deepEqual(doc.ntp.stratum, ['unspecified', 'primary']);
  assert.deepEqual(doc.ntp.refId, ['GPS']);
  const short = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 123, dstPort: 123 });
  short.run(ntp, [[0, new Uint8Array(20)]]);
  assert.equal(short.protocols.size, 0);
});

test('radius: type, user, NAS ip/port, framed ip, mac; a bad attribute stops the walk', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 50000, dstPort: 1813 });
  const req = hex('04e30040' + '00'.repeat(16) + '010b787878787878787878' + '04060a000001' + '050600000000'
    + '1f0e393835414542383938303030' + '08060a000003' + '1200ffff');
  const doc = s.run(radius, [[0, req], [1, hex('05e30014' + '00'.repeat(16))]]) as any;
  assert.deepEqual(doc.radius.msgType, ['accounting-request', 'accounting-response']);
  assert.deepEqual(doc.radius.user, ['xxxxxxxxx']);
  assert.deepEqual(doc.radius.nasIp, ['10.0.0.1']);
  assert.deepEqual(doc.radius.nasPort, [0]);
  assert.deepEqual(doc.radius.mac, ['98:5a:eb:89:80:00']);
  assert.deepEqual(doc.radius.framedIp, ['10.0.0.3']);
  const other = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 5000, dstPort: 5001 });
  other.run(radius, [[0, req]]);
  assert.equal(other.protocols.size, 0);
});

test('stun: xor-mapped address, error, software and ICE attributes; RSP text form', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcIp: '10.20.8.100', dstIp: '10.20.8.1', srcPort: 49200, dstPort: 3478 });
  const req = hex('000100102112a442 0102030405060708090a0b0c 00250000 80290008 0000000000000000');
  const resp = hex('011100242112a442 0102030405060708090a0b0c 00200008 0001112be1baa526 000900100000040155 6e617574686f72697a6564');
  const doc = s.run(stunUdp, [[0, req], [1, resp]]) as any;
  assert.deepEqual(doc.stun.type, ['Binding Request', 'Binding Error']);
  assert.deepEqual(doc.stun.xorMappedIp, ['192.168.1.100']);
  assert.deepEqual(doc.stun.xorMappedPort, [12345]);
  assert.deepEqual(doc.stun.error, [401]);
  assert.deepEqual(doc.stun.attributes, ['use-candidate', 'ice-controlled']);
  assert.ok(s.tags.has('stun:nat-discovered'));
  const rsp = new TestSession('[default]\n', { ipProtocol: 6, dstPort: 3478 });
  rsp.run(stunTcp, [[0, 'RSP/1.0 CLI_STUN_FIREWALLCHECK\r\n\r\n']]);
  assert.deepEqual([...rsp.protocols], ['stun']);
});

test('tftp: opcodes and file name; requests need a mode', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 49152, dstPort: 69 });
  const doc = s.run(tftp, [[0, '\x00\x01firmware.bin\x00octet\x00'], [1, '\x00\x03\x00\x01AAAA']]) as any;
  assert.deepEqual(doc.tftp.opcode, ['rrq', 'data']);
  assert.deepEqual(doc.tftp.filename, ['firmware.bin']);
  const bad = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 49152, dstPort: 69 });
  bad.run(tftp, [[0, '\x00\x01firmware.bin\x00\x00']]);
  assert.equal(bad.protocols.size, 0);
});
