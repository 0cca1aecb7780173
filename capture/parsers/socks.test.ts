import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { socksParser } from './socks.js';
import { PARSE_DONE } from './api.js';

const u8 = (...a: (number | string)[]) => new Uint8Array(a.flatMap((x) => (typeof x === 'string' ? [...Buffer.from(x, 'latin1')] : [x])));

test('SOCKS4a: host and user written when the reply grants the request; both sides reclassified', () => {
  const s = new TestSession();
  const doc = s.run(socksParser, [
    [0, u8(4, 1, 0, 80, 0, 0, 0, 1, 'bob', 0, 'WWW.Example.com', 0)],
    [1, u8(0, 0x5a, 0, 0, 0, 0, 0, 0)],
  ]);
  assert.deepEqual(doc.socks, { port: 80, user: 'bob', host: 'www.example.com' });
  assert.deepEqual(doc.protocol, ['socks']);
  assert.deepEqual(s.reclassified, [0, 1]);
});

test('SOCKS4: any reply code 0x5a-0x5d writes the request (Arkime); anything else does not', () => {
  const s = new TestSession();
  const doc = s.run(socksParser, [[0, u8(4, 1, 0, 80, 10, 0, 0, 9, 0)], [1, u8(0, 0x5b, 0, 0, 0, 0, 0, 0)]]);
  assert.deepEqual(doc.socks, { ip: '10.0.0.9', port: 80 });
  const s2 = new TestSession();
  const doc2 = s2.run(socksParser, [[0, u8(4, 1, 0, 80, 10, 0, 0, 9, 0)], [1, 'HTTP/1.1 400 Bad\r\n\r\n']]);
  assert.equal(doc2.socks, undefined);
});

test('SOCKS5 with user/password and a domain name, then the tunnel', () => {
  const s = new TestSession();
  const doc = s.run(socksParser, [
    [0, u8(5, 1, 2)],
    [1, u8(5, 2)],
    [0, u8(1, 4, 'user', 4, 'pass')],
    [1, u8(1, 0)],
    [0, u8(5, 1, 0, 3, 11, 'Target.Test', 0, 25)],
    [1, u8(5, 0, 0, 1, 10, 0, 0, 1, 0, 25)],
    [0, 'EHLO x\r\n'],
  ]);
  assert.deepEqual(doc.socks, { user: 'user', host: 'target.test', port: 25 });
  assert.deepEqual(doc.tags, ['socks:password']);
  assert.deepEqual(s.reclassified, [0, 1]);
});

test('SOCKS5 IPv4 request; the first tunneled bytes end the parser', () => {
  const s = new TestSession();
  const st = socksParser.classify(s, 0, u8(5, 1, 0), 0, 3);
  assert.ok(st && st !== true);
  assert.equal(socksParser.parse!(st, s, 0, u8(5, 1, 0), 0, 3), 3);
  assert.equal(socksParser.parse!(st, s, 1, u8(5, 0), 0, 2), 2);
  const req = u8(5, 1, 0, 1, 93, 184, 216, 34, 1, 187);
  assert.equal(socksParser.parse!(st, s, 0, req, 0, req.length), 10);
  assert.equal(socksParser.parse!(st, s, 0, u8(0x16, 3, 1), 0, 3), PARSE_DONE);
  assert.deepEqual(s.doc().socks, { ip: '93.184.216.34', port: 443 });
});

test('not SOCKS5: a greeting whose length does not match its method count', () => {
  const s = new TestSession();
  assert.equal(socksParser.classify(s, 0, u8(5, 3, 0), 0, 3), undefined);
});
