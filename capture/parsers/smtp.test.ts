import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEncodedWords, parseIpText, base64DecodeAll } from './email-decode.js';
import { imapParser } from './imap.js';
import { pop3Parser } from './pop3.js';
import { smtpParser } from './smtp.js';
import { TestSession } from './testing.js';

const CFG = '[default]\nparseSMTPHeaderAll=true\nsupportSha256=true\nsmtpIpHeaders=X-Originating-IP:\n[headers-email]\nx-priority=type:integer\n';

test('RFC 2047: B and Q words, windows-1252 text, joined words, bad charset keeps raw', () => {
  assert.equal(decodeEncodedWords('=?iso-8859-1?B?dGVzdCDlIOkg7iD4IPw=?='), 'test å é î ø ü');
  assert.equal(decodeEncodedWords('=?gb2312?B?dGVzdCCy4srU?='), 'test 测试');
  assert.equal(decodeEncodedWords('4spaces    =?iso-8859-1?B?5SDpIO4g+CA=?= =?iso-8859-1?Q?=FC?='), '4spaces    å é î ø ü');
  assert.equal(decodeEncodedWords('What\x92s'), 'What’s');
  assert.equal(decodeEncodedWords('=?ISO-8859-1?B?Qw==?==?ISO-8859-1?B??==?ISO-8859-1?B?YW4=?='), 'Can');
  assert.equal(decodeEncodedWords('=?no-such-charset?Q?x?='), undefined);
  assert.equal(decodeEncodedWords('=?utf-8?X?abc?='), undefined);
});

test('inet_aton style IPs and streaming base64', () => {
  assert.equal(parseIpText('10.000.00.03'), '10.0.0.3');
  assert.equal(parseIpText('not an ip'), undefined);
  assert.equal(parseIpText('2001:DB8::1'), '2001:db8::1');
  assert.equal(base64DecodeAll('dGVz\r\ndA0K'), 'test\r\n');
});

test('SMTP: hello, envelope, AUTH PLAIN user, headers, status code', () => {
  const s = new TestSession(CFG, { dstPort: 25 });
  const doc = s.run(smtpParser, [
    [1, '220 mx.example.com ESMTP ready\r\n'],
    [0, 'EHLO Client.Example\r\nAUTH PLAIN AHVzZXIAcGFzcw==\r\nMAIL FROM:<A@B.com>\r\nRCPT TO:<c@d.com>\r\nDATA\r\n'],
    [0, 'Subject: =?utf-8?Q?caf=C3=A9?=\r\nFrom: "X" <x@y.com>\r\nX-Priority: 3\r\nX-Originating-IP: [10.1.2.3]\r\n'
      + 'Received: from a.example.com ([192.0.2.1]) by\r\n b.example.com with smtp; Mon\r\nDate: today\r\n\r\nbody\r\n.\r\n'],
    [1, '250 OK queued\r\n'],
  ]) as any;
  assert.deepEqual(doc.protocol, ['smtp']);
  assert.deepEqual(doc.email.smtpHello, ['client.example']);
  assert.deepEqual(doc.email.src, ['a@b.com', 'x@y.com']);
  assert.deepEqual(doc.email.dst, ['c@d.com']);
  assert.deepEqual(doc.email.subject, ['café']);
  assert.deepEqual(doc.email['header-x-priority'], [3]);
  assert.deepEqual(doc.email.ip, ['10.1.2.3', '192.0.2.1']);
  assert.deepEqual(doc.email.host, ['a.example.com', 'b.example.com']);
  assert.deepEqual(doc.email.headerField, ['date']);
  assert.deepEqual(doc.email.headerValue, ['today']);
  assert.deepEqual(doc.user, ['user']);
  assert.ok(s.tags.has('smtp:authplain'));
  assert.ok(s.tags.has('smtp:statuscode:250'));
});

test('SMTP: base64 attachment gives md5/sha256 and filename at the boundary', () => {
  const s = new TestSession(CFG, { dstPort: 25 });
  const doc = s.run(smtpParser, [
    [0, 'HELO h\r\nDATA\r\nContent-Type: multipart/mixed; boundary="BB"\r\n\r\n--BB\r\n'
      + 'Content-Disposition: attachment; filename="=?utf-8?B?w6kudHh0?="\r\nContent-Transfer-Encoding: base64\r\n\r\n'
      + 'dGVzdA0K\r\n--BB--\r\n.\r\n'],
  ]) as any;
  assert.deepEqual(doc.email.filename, ['é.txt']);
  assert.deepEqual(doc.email.md5, ['9f06243abcb89c70e0c331c61d871fa7']);
  assert.equal(doc.email.sha256.length, 1);
});

test('SMTP: STARTTLS tags and asks both directions to be classified again', () => {
  const s = new TestSession(CFG, { dstPort: 25 });
  s.run(smtpParser, [[0, 'EHLO a\r\n'], [0, 'STARTTLS\r\n'], [1, '220 Go ahead\r\n']]);
  assert.ok(s.tags.has('smtp:starttls'));
  assert.deepEqual(s.reclassified.sort(), [0, 1]);
});

test('SMTP classifier: 220 banner needs SMTP, FTP banner declined', () => {
  const s = new TestSession(CFG);
  assert.equal(smtpParser.classify(s, 1, Buffer.from('220 ProFTPD Server ready\r\n'), 0, 26), undefined);
  assert.equal(s.protocols.size, 0);
});

test('IMAP folder and FETCH headers; POP3 user', () => {
  const s = new TestSession(CFG, { dstPort: 143 });
  const doc = s.run(imapParser, [
    [1, '* OK IMAP4rev1 ready\r\n'],
    [0, 'a1 SELECT "INBOX"\r\n'],
    [1, '* 1 FETCH (BODY[HEADER] {50}\r\nFrom: Alice <alice@x.test>\r\nSubject: Hi\r\n\r\n)\r\n'],
  ]) as any;
  assert.deepEqual(doc.protocol, ['imap']);
  assert.deepEqual(doc.email.folder, ['INBOX']);
  assert.deepEqual(doc.email.src, ['alice@x.test']);
  assert.deepEqual(doc.email.subject, ['Hi']);
  const p = new TestSession(CFG, { dstPort: 110 });
  const pd = p.run(pop3Parser, [[1, '+OK POP3 ready\r\n'], [0, 'USER Bob\r\n']]) as any;
  assert.deepEqual(pd.user, ['bob']);
});
