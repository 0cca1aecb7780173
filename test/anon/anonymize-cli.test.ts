// `packrat anonymize`: the published reference pairs from the command line; a bad key or address exits 2 naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { packrat } from '../support/json-capture.js';

const REF_KEY = Buffer.from([21, 34, 23, 141, 51, 164, 207, 128, 19, 10, 91, 22, 73, 144, 125, 16,
  216, 152, 143, 131, 121, 121, 101, 39, 98, 87, 76, 45, 42, 132, 34, 2]).toString('hex');

const run = (...args: string[]) => spawnSync(packrat, ['anonymize', ...args], { encoding: 'utf8' });

test('packrat anonymize prints each address anonymised, one per line', () => {
  const r = run('--key', REF_KEY, '128.11.68.132', '129.118.74.4', '199.217.79.101', '2001:db8::1');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['135.242.180.132', '134.136.186.123', '248.38.184.213']);
  assert.match(lines[3], /^[0-9a-f:]+$/);
  assert.notEqual(lines[3], '2001:db8::1');
});

test('a bad key or address exits 2 with a message naming it', () => {
  const short = run('--key', 'abcd', '1.2.3.4');
  assert.equal(short.status, 2);
  assert.match(short.stderr, /--key must be 64 hex digits/);
  const bad = run('--key', REF_KEY, '10.0.0.1', 'not-an-ip');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /'not-an-ip' is not an IPv4 or IPv6 address/);
  assert.equal(bad.stdout, '', 'nothing printed when one address is bad');
  const none = run('1.2.3.4');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--key HEX/);
});
