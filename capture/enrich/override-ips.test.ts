import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../db/config.js';
import { parseIp } from './ip-addr.js';
import { OverrideIps, parseOverrideValue } from './override-ips.js';

const look = (t: OverrideIps, ip: string) => t.lookup(parseIp(ip)!);

test('values: asn split into number and name, tags, rir, geo, field ops', () => {
  const e = parseOverrideValue('10.0.0.1', 'tag:srcip;asn:AS0000 This is neat;country:RU;rir:TEST;region:MOW;city:Moscow;tag:two;http.uri:/x');
  assert.equal(e.asnNumber, 0);
  assert.equal(e.asnOrg, 'This is neat');
  assert.deepEqual(e.tags, ['srcip', 'two']);
  assert.equal(e.country, 'RU');
  assert.equal(e.rir, 'TEST');
  assert.equal(e.region, 'MOW');
  assert.equal(e.city, 'Moscow');
  assert.deepEqual(e.fieldOps, [['http.uri', '/x']]);
  assert.throws(() => parseOverrideValue('1.2.3.4', 'asn:4816 China'), (x: Error) =>
    x instanceof ConfigError && /1\.2\.3\.4: asn value '4816 China'/.test(x.message));
});

test('longest prefix wins, short IPv4 forms, IPv6 and IPv4-mapped addresses', () => {
  const t = OverrideIps.fromSection(new Map([
    ['10.0.0.1', 'tag:host'],
    ['10.180/16', 'country:US'],
    ['10/8', 'country:XX'],
    ['2001:db8::/32', 'country:DB'],
    ['2001:db8:1::/48', 'country:D1'],
  ]));
  assert.equal(look(t, '10.180.5.6')?.country, 'US');
  assert.equal(look(t, '10.181.5.6')?.country, 'XX');
  assert.deepEqual(look(t, '10.0.0.1')?.tags, ['host']);
  assert.equal(look(t, '11.0.0.1'), undefined);
  assert.equal(look(t, '2001:db8:1:2::5')?.country, 'D1');
  assert.equal(look(t, '2001:db8:2::5')?.country, 'DB');
  assert.equal(look(t, '2001:db9::1'), undefined);
  assert.equal(look(t, '::ffff:10.180.0.1')?.country, 'US');
});

test('bad keys are config errors naming the key', () => {
  assert.throws(() => OverrideIps.fromSection(new Map([['10.0.0.300', 'tag:x']])), /'10\.0\.0\.300' is not an IP address or CIDR/);
  assert.throws(() => OverrideIps.fromSection(new Map([['10.0.0.0/33', 'tag:x']])), /bad prefix length in '10\.0\.0\.0\/33'/);
  assert.throws(() => OverrideIps.fromSection(new Map([['10.1', 'tag:x']])), /'10\.1' is not an IP/);
});
