// EtherNet/IP, S7comm, Modbus and Diameter on hand-built packets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { diameterParser } from './diameter.js';
import { enipTcp, enipUdp } from './enip.js';
import { modbusParser } from './modbus.js';
import { s7commParser } from './s7comm.js';
import { TestSession } from './testing.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function enip(cmd: number, body: string, status = 0): Uint8Array {
  const b = hex(body);
  const h = Buffer.alloc(24);
  h.writeUInt16LE(cmd, 0); h.writeUInt16LE(b.length, 2); h.writeUInt32LE(status, 8);
  return new Uint8Array([...h, ...b]);
}

test('ENIP: SendRRData with a CIP request (class from path) and ListIdentity reply', () => {
  const s = new TestSession('[default]\n', { dstPort: 44818 });
  // handle, timeout, 2 items: null address, unconnected data { Get_Attribute_Single, path 20 01 24 01 30 01 }
  const rr = enip(0x6f, '00000000 0000 0200 0000 0000 b200 0800 0e 03 2001 2401 3001');
  const name = Buffer.from('PLC-1').toString('hex');
  const ident = ('0100' + '00'.repeat(16) + '0100 0e00 0000 0000 0000 00000000' + '05' + name + '03').replace(/ /g, '');
  const li = enip(0x63, `0100 0c00 ${(ident.length / 2).toString(16).padStart(2, '0')}00 ${ident}`);
  const doc = s.run(enipTcp, [[0, rr], [1, li]]) as any;
  assert.deepEqual(doc.protocol, ['enip', 'cip']);
  assert.deepEqual(doc.enip.command, ['SendRRData', 'ListIdentity']);
  assert.deepEqual(doc.enip.status, [0]);
  assert.deepEqual(doc.enip.service, ['Get_Attribute_Single']);
  assert.deepEqual(doc.enip.class, ['Identity']);
  assert.deepEqual(doc.enip.vendor, ['Rockwell Automation/Allen-Bradley']);
  assert.deepEqual(doc.enip.deviceType, ['DeviceType-0x000e']);
  assert.deepEqual(doc.enip.product, ['PLC-1']);
});

test('ENIP over UDP needs the encapsulation length to match the datagram', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, dstPort: 44818 });
  const b = enip(0x63, '');
  assert.ok(enipUdp.classify(s, 0, b, 0, b.length));
  const bad = new Uint8Array([...b, 0]);
  assert.equal(enipUdp.classify(new TestSession('[default]\n', { ipProtocol: 17 }), 0, bad, 0, bad.length), undefined);
});

test('S7comm: setup communication job and ack with error', () => {
  const s = new TestSession('[default]\n', { dstPort: 102 });
  const job = hex('0300 0019 02f080 32 01 0000 0100 0008 0000 f0 00 0001 0001 01e0');
  const ack = hex('0300 001b 02f080 32 03 0000 0100 0008 0000 8104 f0 00 0001 0001 00f0');
  const doc = s.run(s7commParser, [[0, job], [1, ack]]) as any;
  assert.deepEqual(doc.protocol, ['s7comm']);
  assert.deepEqual(doc.s7comm.rosctr, [1, 3]);
  assert.deepEqual(doc.s7comm.pduref, [256]);
  assert.deepEqual(doc.s7comm.func, [240]);
  assert.deepEqual(doc.s7comm.funcName, ['Setup communication']);
  assert.deepEqual(doc.s7comm.errorClass, [0x81]);
  assert.deepEqual(doc.s7comm.errorCode, [4]);
});

test('S7comm: an RDP connection request (no TSAP) is declined', () => {
  const s = new TestSession();
  const rdp = hex('0300 0013 0e e0 0000 0000 00 0100 0800 03000000');
  assert.equal(s7commParser.classify(s, 0, rdp, 0, rdp.length), undefined);
});

test('Modbus: request ids and codes, exception reply', () => {
  const s = new TestSession('[default]\n', { dstPort: 502 });
  const doc = s.run(modbusParser, [[0, hex('0007 0000 0006 11 03 0000 000a')], [1, hex('0007 0000 0003 11 83 02')]]) as any;
  assert.deepEqual(doc.protocol, ['modbus']);
  assert.deepEqual(doc.modbus.transactionid, [7]);
  assert.deepEqual(doc.modbus.funccode, [3]);
  assert.deepEqual(doc.modbus.exccode, [2]);
  assert.equal(doc.modbus.unitid, 17);
  assert.equal(doc.modbus.protocolid, 0);
  // An exception reply cut before its code (length 2: unit and function only) records no code.
  const short = new TestSession('[default]\n', { dstPort: 502 })
    .run(modbusParser, [[0, hex('0101 0000 0006 01 03 0000 0001')], [1, hex('0101 0000 0002 01 81')]]) as any;
  assert.equal(short.modbus.exccode, undefined);
});

function avp(code: number, v: string): string {
  const data = Buffer.from(v);
  const len = 8 + data.length;
  const b = Buffer.alloc((len + 3) & ~3);
  b.writeUInt32BE(code, 0); b.writeUInt32BE(0x40000000 | len, 4); data.copy(b, 8);
  return b.toString('hex');
}

test('Diameter: CER with AVPs', () => {
  const s = new TestSession('[default]\n', { dstPort: 3868 });
  const avps = avp(264, 'client.example.com') + avp(296, 'example.com') + avp(1, 'bob');
  const len = 20 + avps.length / 2;
  const msg = hex(`01 ${len.toString(16).padStart(6, '0')} 80 000101 00000000 00000001 00000002 ${avps}`);
  const doc = s.run(diameterParser, [[0, msg]]) as any;
  assert.deepEqual(doc.protocol, ['diameter']);
  assert.deepEqual(doc.diameter.cmd, ['Capabilities-Exchange-Request (257)']);
  assert.deepEqual(doc.diameter.app, ['Common (0)']);
  assert.deepEqual(doc.diameter.originHost, ['client.example.com']);
  assert.deepEqual(doc.diameter.originRealm, ['example.com']);
  assert.deepEqual(doc.diameter.user, ['bob']);
});
