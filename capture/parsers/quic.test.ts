import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { quicParser } from './quic.js';
import { quicClientInitial } from './samples/naming-tls.js';
import { clientHelloBody } from './tls-test-hello.js';

const DCID = Buffer.from('8394c8f03e515708', 'hex');

/** A protected client Initial (RFC 9001 §5) carrying one CRYPTO frame. */
const initial = (data: Uint8Array, offset: number, pn: number) => quicClientInitial(DCID, data, pn, offset);

const hello = () => { const b = clientHelloBody('quic.example'); return Uint8Array.from([1, b.length >> 16, (b.length >> 8) & 0xff, b.length & 0xff, ...b]); };

test('IETF QUIC Initial is decrypted and its ClientHello fingerprinted', () => {
  const s = new TestSession('[default]\nja4Raw=true\n', { ipProtocol: 17, dstPort: 443 });
  const doc = s.run(quicParser, [[0, initial(hello(), 0, 0)]]) as any;
  assert.deepEqual(doc.protocol, ['quic']);
  assert.deepEqual(doc.http.host, ['quic.example']);
  assert.deepEqual(doc.tls.ja4_r, ['q13d0306h2_1301,1302,c02f_000a,000b,000d,002b_0403,0804']);
  assert.equal(doc.tls.ja3.length, 1);
});

test('a ClientHello split over two Initials is gathered', () => {
  const h = hello();
  const s = new TestSession('[default]\n', { ipProtocol: 17, dstPort: 443 });
  const doc = s.run(quicParser, [[0, initial(h.slice(0, 30), 0, 0)], [0, initial(h.slice(30), 30, 1)]]) as any;
  assert.equal(doc.tls.ja4[0].slice(0, 10), 'q13d0306h2');
  assert.deepEqual(doc.http.host, ['quic.example']);
});

test('gQUIC Q043 CHLO tags, with an empty tag value before SNI', () => {
  const tags = [['PAD\0', 0], ['SNI\0', 9], ['UAID', 13], ['VER\0', 17]] as const;
  const values = Buffer.from('g.example' + 'test' + 'Q043');
  const chlo = Buffer.concat([
    Buffer.from('CHLO'), Buffer.from([tags.length, 0, 0, 0]),
    ...tags.map(([t, end]) => Buffer.concat([Buffer.from(t, 'latin1'), Buffer.from([end, 0, 0, 0])])), values,
  ]);
  const pkt = Buffer.concat([Buffer.from([0x0d, 1, 2, 3, 4, 5, 6, 7, 8]), Buffer.from('Q043'), Buffer.from([1]), Buffer.alloc(12), Buffer.from([0x80, 1]), chlo, Buffer.alloc(60)]);
  const doc = new TestSession('[default]\n', { ipProtocol: 17 }).run(quicParser, [[0, pkt]]) as any;
  assert.deepEqual(doc.quic.host, ['g.example']);
  assert.deepEqual(doc.quic.useragent, ['test']);
  assert.deepEqual(doc.quic.version, ['Q043']);
  assert.deepEqual(doc.protocol, ['quic']);
});
