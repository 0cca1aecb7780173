// An API key's scope: allowlist entries and addresses, the forced node expression, and that a
// scope binds requests made with the key only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { UserDoc } from '../db/backend/control-store.js';
import { checkKeyAllow, checkKeyNodes, checkNodeInScope, forcedExpressions, keyRefusal, plainAddress, scopeNodes } from './key-scope.js';

const user = (apiKeyAllow: string[], apiKeyNodes: string[] = [], expression?: string): UserDoc => ({ userId: 'u', apiKeyAllow, apiKeyNodes, expression });

test('the allowlist takes addresses and CIDRs of both families, and IPv4-mapped IPv6 peers count as IPv4', () => {
  const u = user(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
  for (const ok of ['10.255.1.2', '::ffff:10.0.0.1', '127.0.0.1', '::FFFF:127.0.0.1', 'fd12::1']) assert.equal(keyRefusal(u, ok), undefined, ok);
  for (const no of ['11.0.0.1', '127.0.0.2', '::ffff:127.0.0.2', '::1', 'fe80::1', '', undefined]) {
    assert.match(keyRefusal(u, no) ?? '', /API key of u is not allowed from .* \(allowed: 10\.0\.0\.0\/8, 127\.0\.0\.1, fd00::\/8\)/, String(no));
  }
  assert.equal(keyRefusal(user(['::ffff:192.168.0.0/16']), '192.168.3.4'), undefined, 'a mapped entry is its IPv4 address');
  assert.equal(keyRefusal(user([]), '203.0.113.9'), undefined, 'no allowlist: any address');
  assert.equal(keyRefusal({ userId: 'old' }, '203.0.113.9'), undefined, 'a user stored before scopes existed');
  assert.equal(plainAddress('::ffff:1.2.3.4'), '1.2.3.4');
  assert.equal(plainAddress('::1'), '::1');
});

test('bad allowlist entries and node names are refused, naming them', () => {
  assert.deepEqual(checkKeyAllow([' 10.0.0.0/8 ', '', '::1/128']), ['10.0.0.0/8', '::1/128']);
  for (const bad of ['10.0.0.0/33', '10.0.0/8', 'host.example', '10.0.0.1/8/1', '::1/129', '10.0.0.0/']) {
    assert.throws(() => checkKeyAllow([bad]), new RegExp(`allow entry '${bad.replace(/[.*/]/g, '\\$&')}' is not an address or CIDR`), bad);
  }
  assert.deepEqual(checkKeyNodes(['a', ' node-b ', '']), ['a', 'node-b']);
  assert.throws(() => checkKeyNodes(['a b']), /node name 'a b'/);
  assert.throws(() => checkKeyNodes(['x"]||true']), /node name/);
});

test('the node scope is a forced expression for API key requests only', () => {
  const u = user([], ['node-a', 'node-b'], 'port.dst == 80');
  assert.deepEqual(forcedExpressions({ user: u, via: 'apikey' }), ['port.dst == 80', 'node == ["node-a","node-b"]']);
  assert.deepEqual(forcedExpressions({ user: u, via: 'basic' }), ['port.dst == 80'], 'the password login is not scoped');
  assert.deepEqual(forcedExpressions({ user: user([], []), via: 'apikey' }), [], 'an empty scope is every node');
  assert.equal(scopeNodes({ user: u, via: 'cookie' }), undefined);
  checkNodeInScope({ user: u, via: 'apikey' }, 'node-b', 'x');
  checkNodeInScope({ user: u, via: 'basic' }, 'node-c', 'x');
  assert.throws(() => checkNodeInScope({ user: u, via: 'apikey' }, 'node-c', 'session s1'),
    (e: Error & { status?: number }) => e.status === 403 && e.message === 'API key is scoped to nodes node-a, node-b, not node node-c (session s1)');
});
