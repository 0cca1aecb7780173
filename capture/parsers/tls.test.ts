// TLS parser: synthetic handshakes built here (and a self-signed certificate we generated with
// openssl for this test) run through TestSession.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PARSE_DONE } from './api.js';
import { TestSession } from './testing.js';
import { tlsParser } from './tls.js';
import { cipherName } from './tls-ciphers.js';
import { parseAsnTime, parseCertificate } from './tls-cert.js';
import { ja4Of } from './tls-fingerprint.js';
import { clientHelloBody, ext, u16, u24 } from './tls-test-hello.js';

// openssl req -x509 -newkey ec (prime256v1) -subj "/O=Packrat Test/OU=Unit/CN=Packrat.Example"
//   -addext subjectAltName=DNS:packrat.example,DNS:WWW.packrat.example -set_serial 0x0badcafe -days 30
const CERT_DER = Buffer.from('30820206308201aba00302010202040badcafe300a06082a8648ce3d040302304031153013060355040a0c0c5061636b7261742054657374310d300b060355040b0c04556e69743118301606035504030c0f5061636b7261742e4578616d706c65301e170d3236313132313131323232365a170d3236313232313131323232365a304031153013060355040a0c0c5061636b7261742054657374310d300b060355040b0c04556e69743118301606035504030c0f5061636b7261742e4578616d706c653059301306072a8648ce3d020106082a8648ce3d03010703420004555f6ad57edcd382923c046186aa27a0510c869f0d7e7f5e35001e176075be174b087dd3227e8c1434ec4a0b140039a5309fc70c04d158679a3aa5bab8a8f6b7a3819230818f301d0603551d0e04160414d445829189a1413c93bc12646172022f3f14f539301f0603551d23041830168014d445829189a1413c93bc12646172022f3f14f539300f0603551d130101ff040530030101ff302f0603551d1104283026820f7061636b7261742e6578616d706c6582135757572e7061636b7261742e6578616d706c65300b0603551d0f040403020780300a06082a8648ce3d0403020349003046022100e7ee3c656fe9ffde3d7d2bd83ab791a5be6f8839a157fda2719b3c0419af85d80221009017e3358ac8f90e997ad402533edc92efcd6f652380eabb3fd2e2797d26a048', 'hex');

const record = (type: number, body: number[]) => Uint8Array.from([type, 3, 1, ...u16(body.length), ...body]);
const handshake = (type: number, body: number[]) => [type, ...u24(body.length), ...body];

function serverHello(): number[] {
  const exts = ext(0x002b, u16(0x0304));
  return handshake(2, [...u16(0x0303), ...new Array(32).fill(9), 32, ...new Array(32).fill(0xab), ...u16(0x1301), 0, ...u16(exts.length), ...exts]);
}

const certMsg = () => handshake(11, [...u24(CERT_DER.length + 3), ...u24(CERT_DER.length), ...CERT_DER]);
const md5 = (s: string) => createHash('md5').update(s).digest('hex');

test('ClientHello gives JA3, JA4, SNI; ServerHello gives version, cipher, JA3S; certificate object', () => {
  const s = new TestSession('[default]\nja3Strings=true\nja4Raw=true\n', { dstPort: 443 });
  s.firstPacketMs = Date.UTC(2026, 10, 25, 0, 0, 0);
  const doc = s.run(tlsParser, [
    [0, record(0x16, handshake(1, clientHelloBody()))],
    [1, Uint8Array.from([...record(0x16, serverHello()), ...record(0x16, certMsg())])],
    [1, record(0x16, handshake(14, []))],
  ]) as any;
  assert.deepEqual(doc.protocol, ['tls']);
  assert.deepEqual(doc.http.host, ['Example.COM']);
  const ja3 = '771,4866-4865-49199,0-10-11-13-16-43,29-23,0';
  assert.deepEqual(doc.tls.ja3string, [ja3]);
  assert.deepEqual(doc.tls.ja3, [md5(ja3)]);
  // 3 ciphers, 6 extensions (GREASE dropped), ALPN h2; SNI and ALPN left out of the hashed list
  assert.deepEqual(doc.tls.ja4_r, ['t13d0306h2_1301,1302,c02f_000a,000b,000d,002b_0403,0804']);
  assert.equal(doc.tls.ja4[0].slice(0, 11), 't13d0306h2_');
  assert.deepEqual(doc.tls.ja4, [ja4Of('t', '13', true, [0x1302, 0x1301, 0xc02f], 6, [0x0a, 0x0b, 0x0d, 0x2b], [0x0403, 0x0804], 'h2')[0]]);
  assert.deepEqual(doc.tls.version, ['TLSv1.3']);
  assert.deepEqual(doc.tls.cipher, ['TLS_AES_128_GCM_SHA256']);
  assert.deepEqual(doc.tls.ja3sstring, ['771,4865,43']);
  assert.deepEqual(doc.tls.ja3s, [md5('771,4865,43')]);
  assert.deepEqual(doc.tls.dstSessionId, ['ab'.repeat(32)]);
  assert.equal(doc.certCnt, 1);
  const c = doc.cert[0];
  assert.equal(c.hash, 'de:70:05:82:f2:03:db:db:41:c0:ce:f7:0d:1c:59:db:3d:c8:4e:ba');
  assert.deepEqual(c.subjectCN, ['packrat.example']);
  assert.deepEqual(c.issuerON, ['Packrat Test']);
  assert.deepEqual(c.subjectOU, ['Unit']);
  assert.deepEqual(c.alt, ['packrat.example', 'www.packrat.example']);
  assert.equal(c.altCnt, 2);
  assert.equal(c.serial, '0badcafe');
  assert.equal(c.publicAlgorithm, 'id-ecPublicKey');
  assert.equal(c.curve, 'prime256v1');
  assert.equal(c.notBefore, 1795260146000);
  assert.equal(c.notAfter, 1797852146000);
  assert.equal(c.validDays, 30);
  assert.equal(c.validSeconds, 30 * 86400);
  assert.equal(c.remainingSeconds, 1797852146 - s.firstPacketMs / 1000);
  assert.equal(c.remainingDays, 26);
  assert.deepEqual(doc.tags, ['cert:self-signed']);
});

test('a ClientHello split over two chunks is fingerprinted once complete; strings only when configured', () => {
  const rec = record(0x16, handshake(1, clientHelloBody('a.test')));
  const s = new TestSession();
  const doc = s.run(tlsParser, [[0, rec.slice(0, 40)], [0, rec.slice(40)]]) as any;
  assert.deepEqual(doc.http.host, ['a.test']);
  assert.equal(doc.tls.ja3.length, 1);
  assert.equal(doc.tls.ja3string, undefined);
  assert.equal(doc.tls.ja4_r, undefined);
});

test('the server direction detaches at the first non-handshake record', () => {
  const s = new TestSession();
  const st = tlsParser.classify(s, 0, record(0x16, handshake(1, clientHelloBody())), 0, 100);
  assert.ok(st && st !== true);
  const r = tlsParser.parse!(st, s, 1, record(0x17, [1, 2, 3, 4, 5]), 0, 10);
  assert.equal(r, PARSE_DONE);
});

test('non-TLS bytes are declined', () => {
  const s = new TestSession();
  assert.equal(tlsParser.classify(s, 0, Uint8Array.from([0x16, 3, 9, 0, 5, 1]), 0, 6), undefined);
  assert.equal(tlsParser.classify(s, 0, Uint8Array.from([0x16, 3, 1, 0, 5, 9]), 0, 6), undefined);
});

test('cipher names', () => {
  assert.equal(cipherName(0xc02f), 'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
  assert.equal(cipherName(0xcca9), 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256');
  assert.equal(cipherName(0x0018), 'TLS_DH_ANON_WITH_RC4_128_MD5');
  assert.equal(cipherName(0xc03b), 'TLS_ECDHE_PSK_WITH_NULL_SHA384');
  assert.equal(cipherName(0xc09b), 'TLS_ECDHE_PSK_WITH_CAMELLIA_256_CBC_SHA384');
  assert.equal(cipherName(0xc0b5), 'TLS_SHA384_SHA384');
  assert.equal(cipherName(0x0a0a), '0x0a0a');
});

test('ASN.1 times: UTCTime century, offsets, GeneralizedTime', () => {
  const t = (tag: number, s: string) => parseAsnTime(undefined, tag, Buffer.from(s), 0, s.length);
  assert.equal(t(23, '491231235959Z'), Date.UTC(2049, 11, 31, 23, 59, 59) / 1000);
  assert.equal(t(23, '500101000000Z'), 0); // 1950: before the epoch
  assert.equal(t(23, '150101120000+0100'), Date.UTC(2015, 0, 1, 11) / 1000);
  assert.equal(t(24, '20150101120000Z'), Date.UTC(2015, 0, 1, 12) / 1000);
  assert.equal(t(24, '20150101120000.123Z'), Date.UTC(2015, 0, 1, 12) / 1000);
});

test('a truncated certificate is rejected, not thrown on', () => {
  assert.equal(parseCertificate(CERT_DER, 0, 3), undefined);
  const ci = parseCertificate(CERT_DER, 0, CERT_DER.length);
  assert.equal(ci?.isCA, false);
});
