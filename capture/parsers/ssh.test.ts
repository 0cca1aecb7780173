import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { TestSession } from './testing.js';
import { sshParser } from './ssh.js';

const str = (s: string) => { const b = Buffer.from(s); return [...[24, 16, 8, 0].map((x) => (b.length >>> x) & 0xff), ...b]; };
const packet = (code: number, body: number[]) => {
  const payload = [code, ...body];
  const pad = 4;
  const len = payload.length + pad + 1;
  return Uint8Array.from([...[24, 16, 8, 0].map((x) => (len >>> x) & 0xff), pad, ...payload, 0, 0, 0, 0]);
};
const kexinit = (enc: [string, string]) => packet(20, [
  ...new Array(16).fill(1), ...str('curve25519-sha256,ecdh-sha2-nistp256'), ...str('ssh-ed25519'),
  ...str(enc[0]), ...str(enc[1]), ...str('hmac-sha2-256'), ...str('hmac-sha1'), ...str('none'), ...str('zlib'),
  ...str(''), ...str(''), 0, 0, 0, 0, 0,
]);

test('SSH versions, HASSH, HASSH server and host key', () => {
  const key = Buffer.from('0000000b7373682d6564323535313900000020' + '11'.repeat(32), 'hex');
  const s = new TestSession('[default]\n', { dstPort: 22 });
  const doc = s.run(sshParser, [
    [0, 'SSH-2.0-OpenSSH_9.0\r\n'],
    [1, 'SSH-2.0-Test_Server\r\n'],
    [0, kexinit(['aes128-ctr', 'aes256-ctr'])],
    [1, kexinit(['aes256-gcm', 'chacha20'])],
    [1, packet(33, [...[0, 0, 0, key.length], ...key])],
  ]) as any;
  assert.deepEqual(doc.protocol, ['ssh']);
  assert.deepEqual(doc.ssh.version, ['ssh-2.0-openssh_9.0', 'ssh-2.0-test_server']);
  const md5 = (x: string) => createHash('md5').update(x).digest('hex');
  assert.deepEqual(doc.ssh.hassh, [md5('curve25519-sha256,ecdh-sha2-nistp256;aes128-ctr;hmac-sha2-256;none')]);
  assert.deepEqual(doc.ssh.hasshServer, [md5('curve25519-sha256,ecdh-sha2-nistp256;chacha20;hmac-sha1;zlib')]);
  assert.deepEqual(doc.ssh.key, [key.toString('base64')]);
});

test('a KEXINIT whose lists run past its packet length gives no HASSH', () => {
  const k = kexinit(['aes128-ctr', 'aes128-ctr']);
  k[3] -= 20; // claim a shorter packet
  const doc = new TestSession().run(sshParser, [[0, 'SSH-2.0-x\n'], [0, k]]) as any;
  assert.equal(doc.ssh.hassh, undefined);
});
