import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AsnTable } from './asn-table.js';
import { parseIp, v4Num } from './ip-addr.js';

test('CSV ranges: quoted names, overlaps clipped, IPv6 "::" forms, misses between ranges', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'asn-'));
  try {
    const v4 = path.join(dir, 'v4.csv'), v6 = path.join(dir, 'v6.csv');
    writeFileSync(v4, [
      '16777216,16777471,13335,"Cloudflare, Inc."',
      '16778240,16779263,38803,Gtelecom Pty Ltd',
      '16779264,16781311,1,"Big ""Quoted"" Org"',
      '16780000,16780100,2,Narrow',
      '',
    ].join('\n'));
    writeFileSync(v6, [
      '2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,Hurricane Electric LLC',
      '2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE Project',
      '2c0f:fff0::,2c0f:fff0:ffff:ffff:ffff:ffff:ffff:ffff,37125,"Layer3, Inc"',
    ].join('\r\n'));
    const t = new AsnTable();
    t.loadV4Num(v4);
    t.loadV6Text(v6);
    const at = (ip: string) => { const a = parseIp(ip)!; return a.length === 4 ? t.lookupV4(v4Num(a)) : t.lookupV6(a); };
    assert.deepEqual(at('1.0.0.1'), { number: 13335, org: 'Cloudflare, Inc.' });
    assert.equal(at('1.0.1.0'), undefined);
    assert.deepEqual(at('1.0.8.0'), { number: 1, org: 'Big "Quoted" Org' });
    assert.equal(at('1.0.10.230')?.number, 2, 'narrower later row wins inside the overlap');
    assert.equal(at('0.0.0.1'), undefined);
    assert.equal(at('2001::1')?.org, 'Hurricane Electric LLC');
    assert.equal(at('2001:200:1b9::')?.number, 2500);
    assert.equal(at('2001:200:1ba::'), undefined);
    assert.equal(at('2c0f:fff0:1::1')?.org, 'Layer3, Inc');
    assert.equal(at('ffff::1'), undefined);
    assert.equal(t.orgCount, 7);

    // The binary form (shared memory, cache file) answers exactly as the parsed CSV.
    const bytes = t.toBytes(true);
    assert.ok(bytes.buffer instanceof SharedArrayBuffer);
    const b = AsnTable.fromBytes(bytes);
    for (const ip of ['1.0.0.1', '1.0.1.0', '1.0.8.0', '1.0.10.230', '0.0.0.1', '2001::1', '2001:200:1b9::', '2001:200:1ba::', '2c0f:fff0:1::1', 'ffff::1']) {
      const a = parseIp(ip)!;
      assert.deepEqual(a.length === 4 ? b.lookupV4(v4Num(a)) : b.lookupV6(a), at(ip), ip);
    }
    assert.equal(b.orgCount, 7);
    assert.equal(b.v4Rows, t.v4Rows);
    assert.throws(() => AsnTable.fromBytes(bytes.subarray(0, bytes.length - 1), 'x.bin'), /x\.bin: \d+ bytes, the header says/);
    assert.throws(() => AsnTable.fromBytes(new Uint8Array(64), 'y.bin'), /y\.bin: not a version 1 packrat ASN table/);

    writeFileSync(v4, '5,10,1,a\n3,4,2,b\n');
    assert.throws(() => new AsnTable().loadV4Num(v4), /v4\.csv:2: rows are not sorted/);
    writeFileSync(v4, '5,10,1,a\n20,x,2,b\n');
    assert.throws(() => new AsnTable().loadV4Num(v4), /v4\.csv:2: expected a number/);
    writeFileSync(v6, '2001:::1,2001::2,1,a\n');
    assert.throws(() => new AsnTable().loadV6Text(v6), /v6\.csv:1: bad IPv6 address/);
    writeFileSync(v6, '2001::1,2001::2,1,a\n1::2::3,1::2::4,1,b\n');
    assert.throws(() => new AsnTable().loadV6Text(v6), /v6\.csv:2: two '::'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
