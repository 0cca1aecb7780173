// MQTT CONNECT/CONNACK/PUBLISH/SUBSCRIBE on hand-built packets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mqttParser } from './mqtt.js';
import { TestSession } from './testing.js';

const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const lstr = (v: string) => Buffer.concat([Buffer.from([v.length >> 8, v.length & 0xff]), Buffer.from(v)]).toString('hex');

function packet(first: number, bodyHex: string): Uint8Array {
  const body = hex(bodyHex);
  return new Uint8Array([first, body.length, ...body]);
}

test('MQTT 3.1.1: connect with will and user, connack, publish, subscribe (split across chunks)', () => {
  const s = new TestSession('[default]\n', { dstPort: 1883 });
  // flags 0xc6: user, password, will (qos 0), clean session
  const connect = packet(0x10, `${lstr('MQTT')} 04 c6 003c ${lstr('dev-1')} ${lstr('will/t')} ${lstr('bye')} ${lstr('Alice')} ${lstr('pw')}`);
  const publish = packet(0x32, `${lstr('a/b')} 0001 68656c6c6f`);
  const subscribe = packet(0x82, `0002 ${lstr('c/#')} 01`);
  const both = new Uint8Array([...publish, ...subscribe]);
  const doc = s.run(mqttParser, [[0, connect], [1, hex('20020000')], [0, both.slice(0, 5)], [0, both.slice(5)]]) as any;
  assert.deepEqual(doc.protocol, ['mqtt']);
  assert.deepEqual(doc.mqtt.version, ['3.1.1']);
  assert.deepEqual(doc.mqtt.clientId, ['dev-1']);
  assert.deepEqual(doc.mqtt.willTopic, ['will/t']);
  assert.deepEqual(doc.mqtt.flags, ['hasWill', 'cleanSession', 'hasPassword']);
  assert.deepEqual(doc.user, ['alice']);
  assert.deepEqual(doc.mqtt.type, ['CONNECT', 'CONNACK', 'PUBLISH', 'SUBSCRIBE']);
  assert.deepEqual(doc.mqtt.connackCode, [0]);
  assert.deepEqual(doc.mqtt.qos, [0, 1]);
  assert.deepEqual(doc.mqtt.topic, ['a/b', 'c/#']);
});

test('MQTT: not a CONNECT is declined', () => {
  const s = new TestSession();
  const b = hex('1010 0004 4e4f5045 04 02 003c 0000');
  assert.equal(mqttParser.classify(s, 0, b, 0, b.length), undefined);
});
