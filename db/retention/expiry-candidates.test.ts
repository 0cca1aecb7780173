import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../config.js';
import type { FileDoc } from '../backend/control-store.js';
import { chooseExpiry, filesBeingWritten, isUnder } from './expiry-candidates.js';
import { parseFreeSpace, requiredFreeBytes } from './free-space.js';
import { configForNode, pcapExpirySettings } from './pcap-expiry.js';

const file = (num: number, dir = '/pcap', o: Partial<FileDoc> = {}): FileDoc =>
  ({ id: `n1-${num}`, node: 'n1', num, name: `${dir}/n1-240101-${String(num).padStart(8, '0')}.pcap`, first: 1704067200 + num, locked: 0, finishTimestamp: 1, ...o });

test('freeSpaceG: gigabytes or percent of the device, clear errors otherwise', () => {
  assert.deepEqual(parseFreeSpace('5%'), { kind: 'percent', value: 5 });
  assert.deepEqual(parseFreeSpace(' 100 '), { kind: 'gigabytes', value: 100 });
  assert.deepEqual(parseFreeSpace('0.5'), { kind: 'gigabytes', value: 0.5 });
  assert.equal(requiredFreeBytes(parseFreeSpace('5%'), 1000), 50);
  assert.equal(requiredFreeBytes(parseFreeSpace('2'), 1), 2 * 2 ** 30);
  assert.throws(() => parseFreeSpace('5GB', 'cfg.ini: freeSpaceG'), /cfg\.ini: freeSpaceG=5GB is not a number of gigabytes or a percentage/);
  assert.throws(() => parseFreeSpace('150%'), /cannot exceed 100%/);
  assert.throws(() => parseFreeSpace('-1'), /is not a number/);
});

test('settings: node section overrides [default], -o overrides both', () => {
  const c = Config.fromText('[default]\npcapDir=/a;/b\nfreeSpaceG=7%\n[n1]\nfreeSpaceG=3\npcapExpireImported=true\n[n2]\npcapKeepNewestFiles=4\n', 'n2');
  c.override('dataDir', '/d');
  assert.equal(pcapExpirySettings(c).boundText, '7%');
  assert.equal(pcapExpirySettings(c).policy.keepNewest, 4);
  const n1 = pcapExpirySettings(configForNode(c, 'n1'));
  assert.deepEqual(n1.bound, { kind: 'gigabytes', value: 3 });
  assert.deepEqual(n1.policy, { expireImported: true, keepNewest: 10 });
  assert.deepEqual(n1.pcapDirs, ['/a', '/b']);
  assert.equal(n1.dataDir, '/d');
  assert.equal(pcapExpirySettings(Config.fromText('[default]\n')).boundText, '5%'); // Arkime's default
  assert.throws(() => pcapExpirySettings(Config.fromText('[default]\nfreeSpaceG=lots\n', 'x')), /freeSpaceG \(node x\)=lots/);
});

test('isUnder matches whole path components only', () => {
  assert.ok(isUnder('/pcap/a.pcap', '/pcap'));
  assert.ok(isUnder('/pcap/2024/01/a.pcap', '/pcap/'));
  assert.ok(!isUnder('/pcap2/a.pcap', '/pcap'));
  assert.ok(!isUnder('/other/a.pcap', '/pcap'));
});

test('oldest unlocked first; locked, being-written and newest files stay', () => {
  const files = [file(5), file(1), file(2, '/pcap', { locked: 1 }), file(3), file(4), file(6, '/pcap', { finishTimestamp: undefined }),
    file(7, '/elsewhere'), file(8, '/pcap2')];
  const c = chooseExpiry(files, ['/pcap'], ['/pcap', '/pcap2'], { expireImported: false, keepNewest: 2 });
  assert.deepEqual(c.candidates.map((f) => f.num), [1, 3, 4]);
  const reasons = Object.fromEntries(c.kept.map((k) => [k.file.num, k.reason]));
  assert.deepEqual(reasons, { 2: 'locked', 5: 'newest', 6: 'writing' });
  // with pcapExpireImported the imported file is a candidate like the others
  const imp = chooseExpiry(files, ['/pcap'], ['/pcap', '/pcap2'], { expireImported: true, keepNewest: 2 });
  assert.deepEqual(imp.candidates.map((f) => f.num), [1, 2, 3, 4]);
});

test('small disk: keepNewest larger than the list keeps them all; zero still keeps the file being written', () => {
  const files = [file(1), file(2), file(3)];
  assert.deepEqual(chooseExpiry(files, ['/pcap'], ['/pcap'], { expireImported: false, keepNewest: 10 }).candidates, []);
  const none = chooseExpiry(files, ['/pcap'], ['/pcap'], { expireImported: false, keepNewest: 0 });
  // every file is finished, yet the highest number of the pcapDir is the one capture appends to next
  assert.deepEqual(none.candidates.map((f) => f.num), [1, 2]);
  assert.deepEqual(none.kept.map((k) => [k.file.num, k.reason]), [[3, 'writing']]);
});

test('file being written: highest live num per pcapDir and the newest unfinished file', () => {
  const files = [file(1, '/a'), file(2, '/b'), file(3, '/a'), file(4, '/b', { locked: 1 }), file(9, '/old', { finishTimestamp: undefined })];
  assert.deepEqual([...filesBeingWritten(files, ['/a', '/b'])].sort(), ['n1-2', 'n1-3', 'n1-9']);
});
