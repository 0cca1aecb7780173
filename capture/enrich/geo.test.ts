import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GeoLookup } from './geo.js';
import { parseIp } from './ip-addr.js';

const ask = (g: GeoLookup, ip: string) => ({ geo: g.country(parseIp(ip)!, ip), as: g.asn(parseIp(ip)!, ip) });

test('npm defaults give country and ASN out of the box', () => {
  const g = new GeoLookup();
  assert.match(g.countrySource ?? '', /geolite2-country\.mmdb$/);
  assert.match(g.asnSource ?? '', /asn-ipv4-num\.csv$/);
  assert.deepEqual(ask(g, '8.8.8.8'), { geo: { country: 'US' }, as: { number: 15169, org: 'Google LLC' } });
  assert.equal(ask(g, '2003:51:6012::2').geo?.country, 'DE');
  assert.equal(ask(g, '2003:51:6012::2').as?.number, 3320);
  assert.equal(ask(g, '::ffff:8.8.8.8').as?.number, 15169, 'IPv4-mapped looked up as IPv4');
  assert.ok(g.asnCsvLoadMs > 0, 'ASN table loaded on first use');
});

test('special-purpose addresses get nothing', () => {
  const g = new GeoLookup();
  for (const ip of ['10.0.0.1', '192.168.1.1', '127.0.0.1', 'fe80::1', '2001:db8::1', '224.0.0.251']) {
    assert.deepEqual(ask(g, ip), { geo: undefined, as: undefined }, ip);
  }
});

test('geoDefaults=false, empty values and missing files turn lookups off', () => {
  const off = new GeoLookup({ defaults: false });
  assert.equal(off.countrySource, undefined);
  assert.equal(off.asnSource, undefined);
  assert.deepEqual(ask(off, '8.8.8.8'), { geo: undefined, as: undefined });

  const empty = new GeoLookup({ countryFiles: [], asnFiles: [] });
  assert.deepEqual(ask(empty, '8.8.8.8'), { geo: undefined, as: undefined });

  const warnings: string[] = [];
  const missing = new GeoLookup({ countryFiles: ['/nope/a.mmdb', '/nope/b.mmdb'], warn: (m) => warnings.push(m) });
  assert.equal(missing.countrySource, undefined);
  assert.match(warnings[0], /geoLite2Country: none of \/nope\/a\.mmdb, \/nope\/b\.mmdb exists/);
  assert.ok(missing.asnSource, 'ASN still uses the default');
});

test('first existing file of the list wins; a file that is not an mmdb is a clear error', async () => {
  const { createRequire } = await import('node:module');
  const real = createRequire(import.meta.url).resolve('@ip-location-db/geolite2-country-mmdb/geolite2-country.mmdb');
  const g = new GeoLookup({ countryFiles: ['/nope/x.mmdb', real], asnFiles: [] });
  assert.equal(g.countrySource, real);
  assert.equal(ask(g, '8.8.8.8').geo?.country, 'US');
  const notMmdb = createRequire(import.meta.url).resolve('@ip-location-db/asn/package.json');
  assert.throws(() => new GeoLookup({ countryFiles: [notMmdb] }), /cannot open MaxMind database .*package\.json/);
});
