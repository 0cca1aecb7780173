import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIpv6, isSpecialAddress, parseIp, parseIpv4, unmapV4 } from './ip-addr.js';

test('parse and format IPv6 like inet_pton/inet_ntop', () => {
  for (const t of ['2001:db8::1', '::', '::1', 'fe80::9:1', '2001:4998:ef83:14:8000::100d', '1:0:0:1::', '2001:db8:0:1:1:1:1:1']) {
    assert.equal(formatIpv6(parseIp(t)!), t);
  }
  assert.equal(formatIpv6(parseIp('2001:0db8:0000:0000:0000:0000:0000:0001')!), '2001:db8::1');
  assert.deepEqual([...unmapV4(parseIp('::ffff:1.2.3.4')!)], [1, 2, 3, 4]);
  for (const bad of ['1::2::3', '12345::', '1:2:3:4:5:6:7', '1.2.3', '1.2.3.256', 'x']) assert.equal(parseIp(bad), undefined, bad);
  assert.deepEqual([...parseIpv4('10.180', true)!], [10, 180, 0, 0]);
});

test('special-purpose addresses', () => {
  for (const s of ['10.1.2.3', '192.168.1.1', '172.31.0.1', '127.0.0.1', '224.0.0.1', '0.0.0.0', '255.255.255.255',
    '192.0.2.10', '::1', 'fe80::1', 'fd00::1', 'ff02::1:2', '2001:db8::1', '::ffff:10.0.0.1']) {
    assert.equal(isSpecialAddress(parseIp(s)!), true, s);
  }
  for (const s of ['8.8.8.8', '172.32.0.1', '2606:4700::6811:d209', '::ffff:8.8.8.8']) {
    assert.equal(isSpecialAddress(parseIp(s)!), false, s);
  }
});
