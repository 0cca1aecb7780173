// C12.22, OPC UA, synchrophasor, PTP, DNP3, BACnet, PANA, BGP, TDS, the label-only classifiers
// and the HTTP URI labels, on hand-built payloads (hex from the corpus' synthetic captures).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bacnetParser } from './bacnet.js';
import { bgpParser } from './bgp.js';
import { c1222Parser } from './c1222.js';
import { dnp3Udp } from './dnp3.js';
import { addHttpUriLabels, requestPath } from './http-uri-labels.js';
import { aerospikeLabel, cassandraLabel, ipfixLabel, kafkaLabel, netflowLabel, sflowLabel, thriftLabel } from './labels.js';
import { modbusParser } from './modbus.js';
import { opcuaParser } from './opcua.js';
import { panaParser } from './pana.js';
import { ptpParser } from './ptp.js';
import { synchrophasorUdp } from './synchrophasor.js';
import { tdsParser } from './tds.js';
import { TestSession } from './testing.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const udp = (dstPort: number, srcPort = 40000) => new TestSession('[default]\n', { ipProtocol: 17, srcPort, dstPort });

test('C12.22: AP titles, invocation ids and EPSEM flags from a request and its reply', () => {
  const req = hex('6047a211060f2b060104018285638e7f85f1c24e00a60a06082b06010401828563a806020413e81421ac0fa20da00ba10980010081044c97f489be0d280b81098865f1e271a71f7f27');
  const rsp = hex('606da20a06082b06010401828563a406020413e81421a611060f2b060104018285638e7f85f1c24e00a80302012cac0fa20da00ba10980010081044c97f489be2e282c812a88e6976be9206159ccea0cd39941f3f24409e294a1f98463865e8b96c5e576039a90e4e70fa138a2d998');
  const doc = new TestSession('[default]\n', { dstPort: 1153 }).run(c1222Parser, [[0, req.subarray(0, 30)], [0, req.subarray(30)], [1, rsp]]) as any;
  assert.deepEqual(doc.protocol, ['c1222']);
  assert.deepEqual(doc.c1222.calledApTitle.sort(), ['1.3.6.1.4.1.33507', '1.3.6.1.4.1.33507.1919.12345678.0']);
  assert.deepEqual(doc.c1222.callingApTitle.sort(), ['1.3.6.1.4.1.33507', '1.3.6.1.4.1.33507.1919.12345678.0']);
  assert.deepEqual(doc.c1222.callingApInvocationId, [333976609, 44]);
  assert.deepEqual(doc.c1222.calledApInvocationId, [333976609]);
  assert.deepEqual(doc.c1222.securityMode, ['ciphertext-with-auth']);
  assert.deepEqual(doc.c1222.responseControl, ['always']);
});

test('C12.22: a 0x60 payload that is not ACSE is declined', () => {
  const s = new TestSession();
  const b = hex('6005300302010100');
  assert.equal(c1222Parser.classify(s, 0, b, 0, b.length), undefined);
});

function opcua(type: string, body: Uint8Array): Uint8Array {
  const m = Buffer.alloc(8 + body.length);
  m.write(type, 0, 'latin1'); m.writeUInt32LE(m.length, 4); m.set(body, 8);
  return new Uint8Array(m);
}
function lstr(v: string): Buffer { const b = Buffer.alloc(4 + v.length); b.writeInt32LE(v.length, 0); b.write(v, 4); return b; }

test('OPC UA: endpoint URL from Hello, policy URI from OpenSecureChannel', () => {
  const hel = opcua('HELF', Buffer.concat([Buffer.alloc(20), lstr('opc.tcp://plc:4840/')]));
  const opn = opcua('OPNF', Buffer.concat([Buffer.alloc(4), lstr('http://opcfoundation.org/UA/SecurityPolicy#None'), Buffer.from('ffffffff', 'hex')]));
  const doc = new TestSession('[default]\n', { dstPort: 4840 }).run(opcuaParser, [[0, hel.subarray(0, 10)], [0, hel.subarray(10)], [0, opn]]) as any;
  assert.deepEqual(doc.protocol, ['opcua']);
  assert.deepEqual(doc.opcua.endpointUrl, ['opc.tcp://plc:4840/']);
  assert.deepEqual(doc.opcua.securityPolicyUri, ['http://opcfoundation.org/UA/SecurityPolicy#None']);
});

test('synchrophasor: command frame and CFG-2 with station and data rate', () => {
  const s = udp(4712, 49500);
  const cmd = hex('aa410012002a67940130000000000001ec72');
  const cfg = hex('aa32004a002b6794013000000000000f4240000154455354504d55202020202020202020002b000f000100000000564120202020202020202020202020200000000000000001001eb11c');
  const doc = s.run(synchrophasorUdp, [[0, cmd], [1, cfg]]) as any;
  assert.deepEqual(doc.protocol, ['synchrophasor']);
  assert.deepEqual(doc.synchrophasor.frameType, ['command', 'cfg2']);
  assert.deepEqual(doc.synchrophasor.idcode, [42, 43]);
  assert.deepEqual(doc.synchrophasor.cmd, [1]);
  assert.deepEqual(doc.synchrophasor.numPMU, [1]);
  assert.deepEqual(doc.synchrophasor.station, ['TESTPMU']);
  assert.deepEqual(doc.synchrophasor.dataRate, [30]);
});

test('PTP: message type and clock identity; version 1 is declined', () => {
  const sync = hex('0002002c00000200000000000000000000000000001b19fffe01020300010000000000000000000000000000');
  const doc = udp(319, 319).run(ptpParser, [[0, sync]]) as any;
  assert.deepEqual(doc.protocol, ['ptp']);
  assert.deepEqual(doc.ptp.msgType, ['sync']);
  assert.deepEqual(doc.ptp.clockId, ['00:1b:19:ff:fe:01:02:03']);
  const v1 = new Uint8Array(sync); v1[1] = 1;
  assert.equal(ptpParser.classify(udp(319), 0, v1, 0, v1.length), undefined);
});

test('DNP3 over UDP: addresses and function names of a read and its response', () => {
  const doc = udp(20000, 49300).run(dnp3Udp, [[0, hex('056408c001000a0071afc0c001cfba')], [1, hex('05640a440a000100fb44c0c0810000213a')]]) as any;
  assert.deepEqual(doc.protocol, ['dnp3']);
  assert.deepEqual(doc.dnp3.src.sort((a: number, b: number) => a - b), [1, 10]);
  assert.deepEqual(doc.dnp3.dst.sort((a: number, b: number) => a - b), [1, 10]);
  assert.deepEqual(doc.dnp3.func, [1, 129]);
  assert.deepEqual(doc.dnp3.funcName, ['Read', 'Response']);
});

test('BACnet: ReadProperty request and its complex ack with an object name', () => {
  const doc = udp(47808, 47808).run(bacnetParser, [[0, hex('810a001101000005010c0c00000001194d')], [1, hex('810a001a010030010c0c00000001194d3e7506004148552d313f')]]) as any;
  assert.deepEqual(doc.protocol, ['bacnet']);
  assert.deepEqual(doc.bacnet.function, ['original-unicast']);
  assert.deepEqual(doc.bacnet.apduType, ['confirmed-request', 'complex-ack']);
  assert.deepEqual(doc.bacnet.service, ['read-property']);
  assert.deepEqual(doc.bacnet.objectName, ['AHU-1']);
});

test('PANA: message type, session id and EAP identity', () => {
  const doc = udp(716, 49400).run(panaParser, [[0, hex('0000002800000001123456780000000100028000000d00000201000d017465737475736572000000')]]) as any;
  assert.deepEqual(doc.protocol, ['pana']);
  assert.deepEqual(doc.pana.msgType, ['client-initiation']);
  assert.deepEqual(doc.pana.sessionId, ['12345678']);
  assert.deepEqual(doc.pana.user, ['testuser']);
});

test('BGP: OPEN and KEEPALIVE types; a flow from port 179 is not classified', () => {
  const marker = 'ff'.repeat(16);
  const doc = new TestSession('[default]\n', { dstPort: 179 }).run(bgpParser, [[0, hex(`${marker}001d0104fde900b40a040a6400`)], [1, hex(`${marker}001304`)]]) as any;
  assert.deepEqual(doc.protocol, ['bgp']);
  assert.deepEqual(doc.bgp.type, ['OPEN', 'KEEPALIVE']);
  const ka = hex(`${marker}001304`);
  assert.equal(bgpParser.classify(new TestSession('[default]\n', { srcPort: 179, dstPort: 40000 }), 0, ka, 0, ka.length), undefined);
});

test('TDS: login record user name once 599 bytes have arrived', () => {
  const login = new Uint8Array(600);
  login.set([0x02, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00]);
  login.set(Buffer.from('SA_User'), 39); login[69] = 7;
  const doc = new TestSession('[default]\n', { dstPort: 1433 }).run(tdsParser, [[0, login.subarray(0, 512)], [0, login.subarray(512)]]) as any;
  assert.deepEqual(doc.protocol, ['tds']);
  assert.deepEqual(doc.user, ['sa_user']);
  assert.equal(tdsParser.classify(new TestSession(), 0, login, 0, 100), undefined, 'a short first payload is not a login');
});

test('Modbus on a flow opened by port 502: requests are still the other side', () => {
  const s = new TestSession('[default]\n', { srcPort: 502, dstPort: 49701 });
  const doc = s.run(modbusParser, [[0, hex('020100000003018302')], [1, hex('020200000006010400100002')]]) as any;
  assert.deepEqual(doc.modbus.transactionid, [514]);
  assert.deepEqual(doc.modbus.funccode, [4]);
  assert.deepEqual(doc.modbus.exccode, [2]);
});

test('label classifiers: flow export, thrift, cassandra, kafka, aerospike', () => {
  const cases: [typeof netflowLabel, string, number, boolean][] = [
    [netflowLabel, '000500010000ea606553f1000000000000000001000000000a0101010a02020200000000000100020000000a000003e8000000000000ea6030390050001006000000000018180000', 17, true],
    [netflowLabel, '000900010000ea606553f100000000010000002a000000140100000300080004000c000400020004', 17, true],
    [netflowLabel, '0005000100000000', 17, false],
    [ipfixLabel, '000a00246553f1000000000100000063000200140100000300080004000c000400020004', 17, true],
    [sflowLabel, '00000005000000010a63636300000001000000010000ea6000000000', 17, true],
    [thriftLabel, '0000010180010001000000177878787878785f7878785f787878787878785f78787878', 6, true],
    [cassandraLabel, '00000025800100010000000c7365745f6b65797370616365000000010b000100000005737461747300', 6, true],
    [kafkaLabel, '0000000600020000aaaa', 6, true],
    [kafkaLabel, '0000000700020000aaaa', 6, false],
    [aerospikeLabel, '020100000000000e6e6f64650a66656174757265730a', 6, true],
  ];
  for (const [parser, h, proto, want] of cases) {
    const s = new TestSession('[default]\n', { ipProtocol: proto });
    const b = hex(h);
    assert.equal(parser.classify(s, 0, b, 0, b.length) !== undefined, want, `${parser.name} on ${h.slice(0, 16)}`);
    assert.equal(s.hasProtocol(parser.name), want);
  }
});

test('HTTP URI labels: WinRM and AD CS endpoints, case-insensitive, whole path segments', () => {
  const label = (url: string) => { const s = new TestSession(); addHttpUriLabels(s, url); return [...s.protocols]; };
  assert.deepEqual(label('/wsman'), ['winrm']);
  assert.deepEqual(label('/wsmania'), []);
  assert.deepEqual(label('/CERTSRV/certrqma.asp'), ['adcs-web']);
  assert.deepEqual(label('/certsrv/mscep/mscep.dll?operation=GetCACert'), ['adcs-ndes']);
  assert.deepEqual(label('/certsrv/mscep_admin/'), ['adcs-ndes']);
  assert.deepEqual(label('/ADPolicyProvider_CEP_Kerberos/service.svc/CEP'), ['adcs-cep']);
  assert.deepEqual(label('/EnrollmentServer/service.svc'), ['adcs-ces']);
  assert.deepEqual(label('http://ca.example.com/certsrv/'), ['adcs-web']);
  assert.equal(requestPath('/a/b?c=/wsman'), '/a/b');
});
