// DHCP, SNMP, ISAKMP, OpenVPN and label classifiers on hand-built packets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dhcpParser, dhcpv6Parser } from './dhcp.js';
import { isakmpParser } from './isakmp.js';
import { bittorrentLabel } from './labels.js';
import { clientHardResetHmac, openvpnParser } from './openvpn.js';
import { decodeOid, snmpParser } from './snmp.js';
import { TestSession } from './testing.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

function dhcpDiscover(): Uint8Array {
  const b = new Uint8Array(300);
  b.set([1, 1, 6, 0, 0x3d, 0x1d, 0x00, 0x01]);                 // op, htype, hlen, hops, xid 3d1d0001
  b.set([0x00, 0x0b, 0x82, 0x01, 0xfc, 0x42], 28);             // chaddr
  b.set([0x63, 0x82, 0x53, 0x63], 236);                         // magic cookie
  b.set([53, 1, 1, 12, 4, 0x48, 0x4f, 0x53, 0x54, 50, 4, 192, 168, 0, 10, 60, 3, 0x61, 0x62, 0x63, 255], 240);
  return b;
}

test('DHCP: type, id, mac, host, vendor class, requested ip', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 68, dstPort: 67 });
  const doc = s.run(dhcpParser, [[0, dhcpDiscover()]]) as any;
  assert.deepEqual(doc.protocol, ['dhcp']);
  assert.deepEqual(doc.dhcp.type, ['DISCOVER']);
  assert.deepEqual(doc.dhcp.id, ['3d1d0001']);
  assert.deepEqual(doc.dhcp.mac, ['00:0b:82:01:fc:42']);
  assert.deepEqual(doc.dhcp.host, ['host']);
  assert.deepEqual(doc.dhcp.classId, ['abc']);
  assert.deepEqual(doc.dhcp.requestIp, ['192.168.0.10']);
});

test('DHCPv6: solicit id; relay has no id', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 546, dstPort: 547 });
  const doc = s.run(dhcpv6Parser, [[0, hex('01aabbcc 0001 0000')]]) as any;
  assert.deepEqual(doc.dhcp, { type: ['SOLICIT'], typeCnt: 1, id: ['aabbcc'], idCnt: 1 });
});

test('SNMP v2c GetRequest with one variable; OID decoding', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 40000, dstPort: 161 });
  // SEQUENCE { version 1, community "public", GetRequest { id, 0, 0, { { 1.3.6.1.2.1.1.1.0, NULL } } } }
  const pkt = hex('3026 020101 0406 7075626c6963 a019 0204 12345678 020100 020100 300b 3009 0605 2b06010201 0500');
  const doc = s.run(snmpParser, [[0, pkt]]) as any;
  assert.deepEqual(doc.snmp.version, [2]);
  assert.deepEqual(doc.snmp.community, ['public']);
  assert.deepEqual(doc.snmp.type, ['GetRequest']);
  assert.deepEqual(doc.snmp.variable, ['1.3.6.1.2.1']);
  assert.equal(decodeOid(hex('2b0601040182370a'), 0, 8), '1.3.6.1.4.1.311.10');
  const other = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 40000, dstPort: 9999 });
  assert.equal(snmpParser.classify(other, 0, pkt, 0, pkt.length), undefined, 'needs an SNMP port');
});

test('IKEv2 SA_INIT: SPI, version, exchange, IKEv2 transform ids', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 500, dstPort: 500 });
  const sa = '00000024 00000020 01010003 03000008 0100000c 03000008 02000007 00000008 04000014';
  const doc = s.run(isakmpParser, [[0, hex(`1122334455667788 0000000000000000 21 20 22 08 00000000 00000040 ${sa}`)]]) as any;
  assert.deepEqual(doc.isakmp.initiatorSpi, ['1122334455667788']);
  assert.equal(doc.isakmp.responderSpi, undefined);
  assert.deepEqual(doc.isakmp.version, ['2.0']);
  assert.deepEqual(doc.isakmp.exchangeType, ['ike-sa-init']);
  assert.deepEqual(doc.isakmp.encryption, ['aes-cbc']);
  assert.deepEqual(doc.isakmp.hash, ['prf-hmac-sha2-512']);
  assert.deepEqual(doc.isakmp.dhGroup, ['ecp384']);
});

test('OpenVPN hard reset lengths and classification', () => {
  const reset = new Uint8Array(14);
  reset[0] = 0x38;
  assert.equal(clientHardResetHmac(reset, 0, 14), 0);
  assert.equal(clientHardResetHmac(reset, 0, 15), -1);
  const bad = reset.slice(); bad[13] = 1;
  assert.equal(clientHardResetHmac(bad, 0, 14), -1);
  const s = new TestSession('[default]\n', { ipProtocol: 17 });
  s.run(openvpnParser, [[0, reset]]);
  assert.ok(s.protocols.has('openvpn'));
});

test('BitTorrent DHT label', () => {
  const s = new TestSession('[default]\n', { ipProtocol: 17 });
  s.run(bittorrentLabel, [[0, 'd1:ad2:id20:01234567890123456789e']]);
  assert.deepEqual([...s.protocols], ['bittorrent']);
});
