import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../db/config.js';
import { Enricher } from './index.js';
import { isSpecialAddress, parseIp } from './ip-addr.js';
import { TEST_OVERRIDE_IPS, asArray, corpusData, corpusSessions, sortedCopy, type Doc } from './testing-corpus.js';

function testConfig(extra = ''): Config {
  return Config.fromText(`[default]
ouiFile=${corpusData('oui.txt')}
rirFile=${corpusData('ipv4-address-space.csv')}
${extra}
${TEST_OVERRIDE_IPS}`, 'test');
}

test('override-ips win over the databases; tags come along; results are cached', () => {
  const e = Enricher.load(testConfig());
  assert.deepEqual({ ...e.ip('10.0.0.1') }, { country: 'RU', asnNumber: 0, asnOrg: 'This is neat', asn: 'AS0 This is neat', tags: ['srcip'] });
  assert.deepEqual({ ...e.ip('10.0.0.2') }, { country: 'CA', asnNumber: 1, asnOrg: 'Cool Beans!', asn: 'AS1 Cool Beans!', rir: 'TEST', tags: ['dstip'] });
  assert.equal(e.ip('10.0.0.3').asn, 'AS2 Hmm!@#$%^&*()');
  assert.equal(e.ip('10.180.156.249').country, 'US');
  assert.equal(e.ip('192.168.177.160').city, 'City');
  assert.equal(e.ip('192.168.177.160').rir, 'ARIN', 'RIR still comes from the IANA table');
  assert.equal(e.ip('10.0.0.1'), e.ip('10.0.0.1'), 'same cached object');
  assert.ok(Object.isFrozen(e.ip('10.0.0.1')));
  assert.deepEqual({ ...e.ip('not an ip') }, {});
  const g = e.ip('8.8.8.8');
  assert.equal(g.country, 'US');
  assert.equal(g.asn, 'AS15169 Google LLC');
  assert.equal(g.rir, 'ARIN');
  assert.equal(e.ip('2003:51:6012::2').rir, undefined, 'no RIR for IPv6');
});

test('companions: parallel arrays with --- and empty for unknown, plus override tags', () => {
  const e = Enricher.load(testConfig('geoDefaults=false'));
  assert.deepEqual(e.companions(['10.0.0.2', '8.8.8.8', 'fe80::1', '10.0.0.1']), {
    GEO: ['CA', '---', '---', 'RU'],
    ASN: ['AS1 Cool Beans!', '---', '---', 'AS0 This is neat'],
    RIR: ['TEST', 'ARIN', '', ''],
    tags: ['dstip', 'srcip'],
  });
  assert.equal(e.oui(Uint8Array.of(0, 0, 0x0c, 1, 2, 3), 0), 'Cisco Systems, Inc');
});

test('bad config is reported, not swallowed', () => {
  assert.throws(() => Enricher.load(Config.fromText('[default]\nouiFile=/nope/oui.txt\n')), /cannot read ouiFile \/nope\/oui\.txt/);
  assert.throws(() => Enricher.load(Config.fromText('[default]\n[override-ips]\n1.2.3.4=asn:nope\n')), /asn value 'nope'/);
});

test('corpus: srcRIR/dstRIR, override geo/ASN and srcip/dstip tags of every recorded session', () => {
  const e = Enricher.load(testConfig());
  let checked = 0;
  const bad: string[] = [];
  for (const [file, b] of corpusSessions()) {
    const tags = new Set(asArray(b.tags));
    for (const [side, rirField] of [['source', 'srcRIR'], ['destination', 'dstRIR']] as const) {
      const ip: string | undefined = b[side]?.ip;
      if (!ip) continue;
      const info = e.ip(ip);
      checked++;
      if (info.rir !== b[rirField]) bad.push(`${file} ${ip} ${rirField}: want ${b[rirField]} got ${info.rir}`);
      for (const t of info.tags ?? []) if (!tags.has(t)) bad.push(`${file} ${ip}: tag ${t} missing from ${[...tags]}`);
      if (!isSpecialAddress(parseIp(ip)!)) continue; // public addresses: values depend on the GeoLite2 build
      const o = b[side];
      if (o.geo?.country_iso_code !== info.country) bad.push(`${file} ${ip} country: want ${o.geo?.country_iso_code} got ${info.country}`);
      if (o.as?.full !== info.asn) bad.push(`${file} ${ip} as.full: want ${o.as?.full} got ${info.asn}`);
      if (o.as?.number !== info.asnNumber) bad.push(`${file} ${ip} as.number: want ${o.as?.number} got ${info.asnNumber}`);
      if (o.as?.organization?.name !== info.asnOrg) bad.push(`${file} ${ip} as.org: want ${o.as?.organization?.name} got ${info.asnOrg}`);
    }
    for (const t of ['srcip', 'dstip']) {
      if (!tags.has(t)) continue;
      const fromIps = [b.source?.ip, b.destination?.ip].filter(Boolean).some((ip: string) => e.ip(ip).tags?.includes(t));
      const fromCompanions = companionIpLists(b).some((ips) => e.companions(ips).tags.includes(t));
      if (!fromIps && !fromCompanions) bad.push(`${file}: tag ${t} expected but no address carries it`);
    }
  }
  assert.ok(checked > 1000, `addresses checked: ${checked}`);
  assert.deepEqual(bad, []);
});

/** Every IP array that has RIR/GEO/ASN companions, anywhere in the document. */
function companionIpLists(b: Doc): string[][] {
  const out: string[][] = [];
  for (const { obj, prefix } of companionGroups(b)) out.push(asArray(obj[ipKey(obj, prefix)!]));
  return out;
}

function ipKey(obj: Doc, prefix: string): string | undefined {
  for (const k of prefix === '' ? ['ip'] : [prefix + 'Ip', prefix + 'ip', prefix + 'IP']) if (k in obj) return k;
  return undefined;
}

function companionGroups(doc: Doc): Array<{ obj: Doc; prefix: string }> {
  const out: Array<{ obj: Doc; prefix: string }> = [];
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) { o.forEach(walk); return; }
    if (!o || typeof o !== 'object') return;
    const obj = o as Doc;
    const seen = new Set<string>();
    for (const k of Object.keys(obj)) {
      if (/(RIR|GEO|ASN)$/.test(k)) {
        const prefix = k.slice(0, -3);
        if (!seen.has(prefix) && ipKey(obj, prefix)) { seen.add(prefix); out.push({ obj, prefix }); }
      }
      walk(obj[k]);
    }
  };
  walk(doc);
  return out;
}

test('corpus: GEO/ASN/RIR companion arrays of IP fields (dns.ip, http.xffIp, srcOuterIp, ...)', () => {
  const e = Enricher.load(testConfig());
  let groups = 0, geoChecked = 0;
  const bad: string[] = [];
  for (const [file, b] of corpusSessions()) {
    for (const { obj, prefix } of companionGroups(b)) {
      const ipValue = obj[ipKey(obj, prefix)!];
      const ips = asArray(ipValue);
      const c = e.companions(ips);
      // a single-IP field (socks.ip) writes a companion only when it is known
      const single = !Array.isArray(ipValue);
      const unknown: Record<string, string> = { GEO: '---', ASN: '---', RIR: '' };
      const mine = (k: 'GEO' | 'ASN' | 'RIR'): string[] => single ? c[k].filter((v) => v !== unknown[k]) : c[k];
      groups++;
      // the test fixer sorted each array on its own, so compare them as multisets
      const check = (k: 'GEO' | 'ASN' | 'RIR'): void => {
        if (sortedCopy(mine(k)).join('|') !== sortedCopy(asArray(obj[prefix + k])).join('|')) {
          bad.push(`${file} ${prefix}${k} ${ips}: want ${asArray(obj[prefix + k])} got ${mine(k)}`);
        }
      };
      check('RIR');
      if (ips.every((ip) => isSpecialAddress(parseIp(ip)!))) {
        geoChecked++;
        check('GEO');
        check('ASN');
      }
    }
  }
  assert.ok(groups > 100, `companion groups: ${groups}`);
  assert.ok(geoChecked > 20, `groups of private addresses: ${geoChecked}`);
  assert.deepEqual(bad, []);
});
