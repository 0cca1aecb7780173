import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { dtlsParser } from './dtls.js';

test('DTLS ClientHello (classifier needs 100 bytes, padding extension added) gives a "d" JA4 (cookie skipped, no JA3/SNI host)', () => {
  const name = [...Buffer.from('d.example')];
  const exts = [0, 0, 0, name.length + 5, 0, name.length + 3, 0, 0, name.length, ...name, 0, 0x0d, 0, 4, 0, 2, 4, 3, 0, 0x15, 0, 24, ...new Array(24).fill(0)];
  const body = [0xfe, 0xfd, ...new Array(32).fill(1), 0, 2, 0xaa, 0xbb, 0, 4, 0xc0, 0x2b, 0xc0, 0x2f, 1, 0, 0, exts.length, ...exts];
  const hs = [1, 0, 0, body.length, 0, 0, 0, 0, 0, 0, 0, body.length, ...body];
  const rec = Uint8Array.from([0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, hs.length, ...hs]);
  const doc = new TestSession('[default]\nja4Raw=true\n', { ipProtocol: 17 }).run(dtlsParser, [[0, rec]]) as any;
  assert.deepEqual(doc.protocol, ['dtls']);
  assert.deepEqual(doc.tls.ja4_r, ['dd2d020300_c02b,c02f_000d,0015_0403']);
  assert.equal(doc.tls.ja3, undefined);
  assert.equal(doc.http, undefined);
});
