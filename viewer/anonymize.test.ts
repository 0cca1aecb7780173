// Session documents anonymised by the registry's ip fields: nested, flat, in arrays of objects;
// the community id dropped; everything else and the original document untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { CryptoPAn } from '../db/anon/crypto-pan.js';
import { anonymizeDoc } from './anonymize.js';

test('every ip field of the registry is anonymised, wherever it sits; the community id goes', () => {
  const cp = new CryptoPAn(randomBytes(32));
  const doc = {
    source: { ip: '192.0.2.1', port: 5353, geo: { country_iso_code: 'US' } }, destination: { ip: '2001:db8::53' },
    dns: { ip: ['198.51.100.7', '198.51.100.8'], host: ['example.com'], answers: [{ ip: '203.0.113.5', name: 'a' }, { name: 'no-ip' }] },
    'http.xffIp': ['192.0.2.99'], network: { community_id: '1:abc=', packets: 4 },
  };
  const before = structuredClone(doc);
  const out = anonymizeDoc(doc, fields, cp) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
  const a = (x: string) => cp.anonymizeText(x);
  assert.equal(out.source.ip, a('192.0.2.1'));
  assert.equal(out.destination.ip, a('2001:db8::53'));
  assert.deepEqual(out.dns.ip, [a('198.51.100.7'), a('198.51.100.8')]);
  assert.deepEqual(out.dns.answers, [{ ip: a('203.0.113.5'), name: 'a' }, { name: 'no-ip' }]);
  assert.deepEqual(out['http.xffIp'], [a('192.0.2.99')]);
  assert.equal(out.network.community_id, undefined);
  assert.equal(out.network.packets, 4);
  assert.equal(out.source.port, 5353);
  assert.deepEqual(out.dns.host, ['example.com']);
  assert.deepEqual(doc, before, 'the document read from the store is not changed');
});
