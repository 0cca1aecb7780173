import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RirTable, RirFileError } from './rir.js';
import { corpusData, corpusSessions } from './testing-corpus.js';

test('IANA csv: WHOIS column names the registry, quoted commas are skipped', () => {
  const t = RirTable.parse([
    'Prefix,Designation,Date,WHOIS,RDAP,Status [1],Note',
    '001/8,APNIC,2010-01,whois.apnic.net,https://rdap.apnic.net/,ALLOCATED,',
    '003/8,"Administered by ARIN, legacy",1994-05,whois.arin.net,https://rdap.arin.net/,LEGACY,',
    '010/8,IANA - Private Use,1995-06,,,RESERVED,[6]',
    '',
  ].join('\r\n'), 't.csv');
  assert.equal(t.lookup(1), 'APNIC');
  assert.equal(t.lookup(3), 'ARIN');
  assert.equal(t.lookup(10), undefined);
  assert.equal(t.lookupV4(Uint8Array.of(0, 3, 4, 5, 6), 1), 'ARIN');
  assert.throws(() => RirTable.parse('Prefix\n1/8,x,y,whois.arin.net\nabc,x\n', 'bad.csv'), (e: Error) =>
    e instanceof RirFileError && /bad\.csv:3: expected 'NNN\/8'/.test(e.message));
  assert.throws(() => RirTable.parse('Prefix\n300/8,x,y,whois.arin.net\n', 'big.csv'), /big\.csv:2: first octet 300/);
});

test('corpus ipv4-address-space.csv: srcRIR/dstRIR of every recorded IPv4 session', () => {
  const t = RirTable.load(corpusData('ipv4-address-space.csv'));
  assert.ok(t.size > 100, `octets with a registry: ${t.size}`);
  let checked = 0;
  const bad: string[] = [];
  for (const [file, b] of corpusSessions()) {
    for (const [side, field] of [['source', 'srcRIR'], ['destination', 'dstRIR']] as const) {
      const ip: string | undefined = b[side]?.ip;
      if (!ip || ip.includes(':')) continue;
      if (b[field] === 'TEST') continue; // [override-ips] value, covered by index.test
      const got = t.lookup(Number(ip.split('.')[0]));
      checked++;
      if (got !== b[field]) bad.push(`${file} ${side} ${ip}: want ${b[field]} got ${got}`);
    }
  }
  assert.ok(checked > 700, `addresses checked: ${checked}`);
  assert.deepEqual(bad, []);
});
