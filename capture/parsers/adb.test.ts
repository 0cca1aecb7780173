// ADB device transport and host client-server requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { adbParser } from './adb.js';
import { TestSession } from './testing.js';

function msg(cmd: string, arg0: number, arg1: number, data = ''): Uint8Array {
  const b = Buffer.alloc(24 + data.length);
  const c = b.write(cmd, 0, 'latin1');
  void c;
  const cmdNum = b.readUInt32LE(0);
  b.writeUInt32LE(arg0, 4); b.writeUInt32LE(arg1, 8); b.writeUInt32LE(data.length, 12);
  b.writeUInt32LE((cmdNum ^ 0xffffffff) >>> 0, 20);
  b.write(data, 24, 'latin1');
  return new Uint8Array(b);
}

test('ADB transport: connect banner, open shell v2, okay, exit code', () => {
  const s = new TestSession('[default]\n', { dstPort: 5555 });
  const exit = Buffer.from([3, 1, 0, 0, 0, 7]).toString('latin1');
  const doc = s.run(adbParser, [
    [0, msg('CNXN', 0x01000001, 262144, 'host::features=shell_v2')],
    [1, msg('CNXN', 0x01000001, 262144, 'device:SER1:features=shell_v2')],
    [0, msg('OPEN', 1, 0, 'shell,v2,pty:ls\0')],
    [1, msg('OKAY', 9, 1)],
    [1, msg('WRTE', 9, 1, exit)],
  ]) as any;
  assert.deepEqual(doc.protocol, ['adb']);
  assert.deepEqual(doc.adb.command, ['cnxn', 'open', 'okay', 'wrte']);
  assert.deepEqual(doc.adb.version, ['0x01000001']);
  assert.deepEqual(doc.adb.maxpayload, ['262144']);
  assert.deepEqual(doc.adb.systemtype, ['host', 'device']);
  assert.deepEqual(doc.adb.serial, ['SER1']);
  assert.deepEqual(doc.adb.service, ['shell']);
  assert.deepEqual(doc.adb.streamid, ['1', '9-1']);
  assert.deepEqual(doc.adb['shell.exitcode'], ['7']);
  assert.ok(s.tags.has('adb:shell-v2'));
});

test('ADB client-server: forward request', () => {
  const s = new TestSession('[default]\n', { dstPort: 5037 });
  const req = 'host:forward:tcp:8080;tcp:80';
  const doc = s.run(adbParser, [[0, req.length.toString(16).padStart(4, '0') + req]]) as any;
  assert.deepEqual(doc.adb.service, ['host']);
  assert.deepEqual(doc.adb['forward.direction'], ['forward']);
  assert.deepEqual(doc.adb['forward.local'], ['tcp:8080']);
  assert.deepEqual(doc.adb['forward.remote'], ['tcp:80']);
});
