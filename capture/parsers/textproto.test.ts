// FTP, IRC, PostgreSQL, Oracle and MySQL on hand-built exchanges.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ftpParser } from './ftp.js';
import { ircParser } from './irc.js';
import { mysqlParser } from './mysql.js';
import { oracleParser } from './oracle.js';
import { postgresqlParser } from './postgresql.js';
import { TestSession } from './testing.js';

test('FTP: banner, commands, user, file name, reply codes', () => {
  const s = new TestSession('[default]\n', { dstPort: 21 });
  const doc = s.run(ftpParser, [[1, '220 Welcome here\r\n'], [0, 'USER Anon\r\n'], [1, '331 pw\r\n'], [0, 'PASS x\r\nRETR a.txt\r\n'], [1, '230 ok\r\n']]) as any;
  assert.deepEqual(doc.protocol, ['ftp']);
  assert.deepEqual(doc.ftp.banner, ['Welcome here']);
  assert.deepEqual(doc.ftp.command, ['USER', 'PASS', 'RETR']);
  assert.deepEqual(doc.ftp.responseCode, [220, 331, 230]);
  assert.deepEqual(doc.ftp.filename, ['a.txt']);
  assert.deepEqual(doc.user, ['anon']);
  assert.ok(s.tags.has('ftp:password'));
});

test('FTP: an SMTP client greeting leaves no trace', () => {
  const s = new TestSession('[default]\n', { dstPort: 2525 });
  const doc = s.run(ftpParser, [[1, '220 mail ready\r\n'], [0, 'EHLO me\r\n']]) as any;
  assert.deepEqual(doc, {});
});

test('IRC: nick and channel from client lines', () => {
  const s = new TestSession('[default]\n', { dstPort: 6667 });
  const doc = s.run(ircParser, [[0, 'NICK bob\r\nUSER bob 0 * :Bob\r\n'], [1, ':srv 001 bob :hi\r\n'], [0, 'JOIN #a,#b\r\n']]) as any;
  assert.deepEqual(doc.protocol, ['irc']);
  assert.deepEqual(doc.irc.nick, ['bob']);
  assert.deepEqual(doc.irc.channel, ['#a,#b']);
});

test('PostgreSQL startup message', () => {
  const s = new TestSession('[default]\n', { dstPort: 5432 });
  const kv = Buffer.from('user\0alice\0database\0db1\0application_name\0psql\0\0', 'latin1');
  const head = Buffer.alloc(8); head.writeUInt32BE(8 + kv.length, 0); head.writeUInt32BE(0x30000, 4);
  const doc = s.run(postgresqlParser, [[0, new Uint8Array(Buffer.concat([head, kv]))]]) as any;
  assert.deepEqual(doc.protocol, ['postgresql']);
  assert.deepEqual(doc.postgresql, { user: 'alice', db: 'db1', app: 'psql' });
});

test('Oracle TNS connect descriptor', () => {
  const s = new TestSession('[default]\n', { dstPort: 1521 });
  const desc = Buffer.from('(DESCRIPTION=(CONNECT_DATA=(SERVICE_NAME=Orcl)(CID=(PROGRAM=x)(HOST=Box1)(USER=Scott))))', 'latin1');
  const head = Buffer.alloc(34);
  head.writeUInt16BE(34 + desc.length, 0); head[4] = 1; // type connect
  head.writeUInt16BE(desc.length, 24); head.writeUInt16BE(34, 26);
  const doc = s.run(oracleParser, [[0, new Uint8Array(Buffer.concat([head, desc]))]]) as any;
  assert.deepEqual(doc.protocol, ['oracle']);
  assert.deepEqual(doc.oracle, { host: 'box1', user: 'scott', service: 'orcl' });
});

test('MySQL greeting and login', () => {
  const s = new TestSession('[default]\n', { dstPort: 3306 });
  const ver = Buffer.from('\x0a8.0.1\0' + 'x'.repeat(40), 'latin1');
  const greet = Buffer.concat([Buffer.from([ver.length, 0, 0, 0]), ver]);
  const login = Buffer.alloc(4 + 32 + 6); login[0] = 38; login[3] = 1; login.write('root\0', 36, 'latin1');
  const doc = s.run(mysqlParser, [[1, new Uint8Array(greet)], [0, new Uint8Array(login)]]) as any;
  assert.deepEqual(doc.protocol, ['mysql']);
  assert.equal(doc.mysql.version, '8.0.1');
  assert.equal(doc.mysql.user, 'root');
});
