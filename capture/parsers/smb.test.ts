import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { smbDatagramLabel, smbParser } from './smb.js';

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [...u16(v & 0xffff), ...u16(v >>> 16)];
const ascii = (s: string) => [...Buffer.from(s, 'latin1')];
const utf16 = (s: string) => [...Buffer.from(s, 'utf16le')];
/** NetBIOS session message around an SMB message. */
const nb = (msg: number[]) => Uint8Array.from([0, (msg.length >> 16) & 0xff, (msg.length >> 8) & 0xff, msg.length & 0xff, ...msg]);
const smb1 = (cmd: number, flags: number, flags2: number) =>
  [0xff, 0x53, 0x4d, 0x42, cmd, 0, 0, 0, 0, flags, ...u16(flags2), ...new Array(20).fill(0)];
/** An NTLMSSP AUTHENTICATE message with UTF-16 names (same shape as in ntlm.test.ts). */
function ntlmAuthenticate(domain: string, user: string, host: string): number[] {
  const fields = ['', '', domain, user, host, ''].map((x) => Buffer.from(x, 'utf16le'));
  let off = 64;
  const hdr: number[] = [];
  for (const f of fields) { hdr.push(...u16(f.length), ...u16(f.length), ...u32(off)); off += f.length; }
  return [...ascii('NTLMSSP\0'), ...u32(3), ...hdr, ...u32(1), ...fields.flatMap((f) => [...f])];
}
const smb2 = (cmd: number, flags: number) =>
  [0xfe, 0x53, 0x4d, 0x42, ...u16(64), ...new Array(6).fill(0), ...u16(cmd), 0, 0, ...u32(flags), ...new Array(44).fill(0)];

test('SMB1: dialect, session setup strings, share and file name', () => {
  const dialects = [2, ...ascii('PC NETWORK 1.0\0'), 2, ...ascii('NT LM 0.12\0')];
  const negReq = [...smb1(0x72, 0, 0), 0, ...u16(dialects.length), ...dialects];
  const negRsp = [...smb1(0x72, 0x80, 0), 17, ...u16(1), ...new Array(32).fill(0)];
  // session setup without extended security (13 words): passwords, then user, domain, os, lanman
  const setup = [...smb1(0x73, 0, 0), 13, 0xff, 0, 0, 0, ...new Array(10).fill(0), ...u16(1), ...u16(0), 0, 0, 0, 0, 0, 0, 0, 0, ...u16(40),
    0x41, ...ascii('alice\0WORKGROUP\0Unix\0Samba 4.1\0')];
  const tree = [...smb1(0x75, 0, 0x8000), 4, 0xff, 0, 0, 0, 0, 0, ...u16(1), ...u16(30), 0, ...utf16('\\\\SRV\\DATA\0'), ...ascii('?????\0')];
  const create = [...smb1(0xa2, 0, 0x8000), 24, ...new Array(48).fill(0), ...u16(20), 0, ...utf16('\\docs\\a.txt\0')];
  const doc = new TestSession('[default]\n', { dstPort: 445 }).run(smbParser, [
    [0, nb(negReq)], [1, nb(negRsp)], [0, nb(setup)], [0, nb(tree)], [0, nb(create)],
  ]) as any;
  assert.deepEqual(doc.protocol, ['smb']);
  assert.equal(doc.smb.dialect, 'NT LM 0.12');
  assert.deepEqual(doc.smb.user, ['alice']);
  assert.deepEqual(doc.smb.domain, ['WORKGROUP']);
  assert.deepEqual(doc.smb.os, ['Unix']);
  assert.deepEqual(doc.smb.version, ['Samba 4.1']);
  assert.deepEqual(doc.smb.share, ['\\\\SRV\\DATA']);
  assert.deepEqual(doc.smb.filename, ['\\docs\\a.txt']);
});

test('SMB1 session setup with NTLMSSP AUTHENTICATE in SPNEGO: ntlm fields, smb user/domain/host', () => {
  const ntlm = ntlmAuthenticate('CORP', 'bob', 'WS01');
  const blob = [0xa1, 0x82, ...[(ntlm.length + 12) >> 8, (ntlm.length + 12) & 0xff],
    0x30, 0x82, ...[(ntlm.length + 8) >> 8, (ntlm.length + 8) & 0xff],
    0xa2, 0x82, ...[(ntlm.length + 4) >> 8, (ntlm.length + 4) & 0xff],
    0x04, 0x82, ...[ntlm.length >> 8, ntlm.length & 0xff], ...ntlm];
  const words = [0xff, 0, 0, 0, ...new Array(10).fill(0), ...u16(blob.length), 0, 0, 0, 0, 0, 0, 0, 0, ...u16(0)];
  let msg = [...smb1(0x73, 0, 0x8000), 12, ...words, ...blob];
  if ((msg.length - 32) & 1) msg.push(0);
  msg = [...msg, ...utf16('Windows 10\0Windows 10 6.3\0CORP\0')];
  const doc = new TestSession().run(smbParser, [[0, nb(msg)]]) as any;
  assert.deepEqual(doc.protocol, ['smb', 'ntlm']);
  assert.deepEqual(doc.ntlm.type, [3]);
  assert.deepEqual(doc.ntlm.host, ['WS01']);
  assert.deepEqual(doc.ntlm.domain, ['CORP']);
  assert.deepEqual(doc.user, ['bob']);
  assert.deepEqual(doc.smb.user, ['bob']);
  assert.deepEqual(doc.smb.host, ['WS01']);
  assert.deepEqual(doc.smb.os, ['Windows 10']);
  assert.deepEqual(doc.smb.domain, ['CORP']);
});

test('SMB2: negotiate dialect, tree connect share, create file name; split across chunks', () => {
  const negRsp = [...smb2(0, 1), ...u16(65), ...u16(1), ...u16(0x0311), ...new Array(58).fill(0)];
  const path = utf16('\\\\10.0.0.2\\IPC$');
  const tree = [...smb2(3, 0), ...u16(9), 0, 0, ...u16(72), ...u16(path.length), ...path];
  const name = utf16('srvsvc');
  const create = [...smb2(5, 0), ...u16(57), ...new Array(42).fill(0), ...u16(120), ...u16(name.length), 0, 0, 0, 0, 0, 0, 0, 0, ...name];
  const t = nb(tree);
  const doc = new TestSession().run(smbParser, [
    [1, nb(negRsp)], [0, t.subarray(0, 30)], [0, t.subarray(30)], [0, nb(create)],
  ]) as any;
  assert.equal(doc.smb.dialect, 'SMB 3.1.1');
  assert.deepEqual(doc.smb.share, ['\\\\10.0.0.2\\IPC$']);
  assert.deepEqual(doc.smb.filename, ['srvsvc']);
});

test('a message whose word count runs past its end is ignored; the next one still counts', () => {
  const bad = [...smb1(0x06, 0, 0), 0x16, 0];
  const good = [...smb1(0x06, 0, 0), 1, 0, 0, ...u16(14), 4, ...ascii('realfile.txt\0')];
  const big = new Uint8Array(4 + 70000); big[1] = 0x01; big[2] = 0x11; big[3] = 0x70; big[4] = 0xfe;
  const doc = new TestSession().run(smbParser, [
    [0, Uint8Array.from([...nb(bad), ...nb(good)])], [0, big.subarray(0, 20000)], [0, big.subarray(20000)], [0, nb(good)],
  ]) as any;
  assert.deepEqual(doc.smb.filename, ['realfile.txt']);
});

test('the classifier wants 0xff or 0xfe before "SMB"', () => {
  const s = new TestSession();
  assert.equal(smbParser.classify(s, 0, Uint8Array.from([0x81, 0, 0, 0x44, 0x20, 0x53, 0x4d, 0x42]), 0, 8), undefined);
  assert.equal(s.protocols.size, 0);
});

test('SMB in a NetBIOS datagram is named', () => {
  const name = [0x20, ...new Array(32).fill(0x41), 0];
  const dgm = Uint8Array.from([0x11, 2, 0, 1, 10, 0, 0, 1, 0, 138, 0, 100, 0, 0, ...name, ...name, 0xff, 0x53, 0x4d, 0x42, 0x25]);
  const s = new TestSession('[default]\n', { ipProtocol: 17, srcPort: 138, dstPort: 138 });
  assert.equal(smbDatagramLabel.classify(s, 0, dgm, 0, dgm.length), true);
  assert.deepEqual([...s.protocols], ['smb']);
});
