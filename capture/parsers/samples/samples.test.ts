// Every parser has a small pcap of our own making and the session documents expected from it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parsers } from '../index.js';
import { hookParserNames, samples } from './index.js';
import { expectedPath, pcapPath, readExpected, sampleBytes, sampleDocs } from './run.js';

test('every parser has a sample pcap', () => {
  const have = new Set(samples.map((s) => s.name));
  assert.equal(have.size, samples.length, 'sample names are unique');
  const missing = [...new Set([...parsers.map((p) => p.name), ...hookParserNames])].filter((n) => !have.has(n));
  assert.deepEqual(missing, [], `parsers without a sample: ${missing.join(', ')}`);
});

for (const s of samples) {
  test(`sample ${s.name}: ${s.about}`, () => {
    assert.ok(existsSync(pcapPath(s.name)), `${pcapPath(s.name)} missing: run write-pcaps`);
    assert.ok(existsSync(expectedPath(s.name)), `${expectedPath(s.name)} missing: run write-pcaps --expected`);
    assert.deepEqual(new Uint8Array(readFileSync(pcapPath(s.name))), sampleBytes(s), 'the committed pcap is what the sample builds');
    const docs = sampleDocs(s);
    assert.ok(docs.length > 0, 'the sample yields sessions');
    const protocol = s.protocol === undefined ? s.name : s.protocol;
    if (protocol !== null) assert.ok(docs.some((d) => (d.protocol ?? []).includes(protocol)), `some session has protocol ${protocol}`);
    assert.deepEqual(docs, readExpected(s.name));
  });
}
