// Packet anonymisation judged by tshark: every address it decodes is the Crypto-PAn image of the
// original's, no original address is left in the bytes, and every checksum it checks is good
// (Ethernet with 802.1Q/QinQ, ARP, ICMP and ICMPv6 errors; Linux SLL; raw IP). A checksum that
// was wrong stays wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { pcapBytes, type Frame } from '../../capture/synth/traffic.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { PacketAnonymizer } from '../../db/pcap/anonymize-packet.js';
import { tempFile } from '../support/json-capture.js';
import { addressesIn, anonTraffic, relink, tsharkAddresses, tsharkChecksums } from '../support/anon-traffic.js';

const key = randomBytes(32);

function anonymized(frames: Frame[], linkType: number): { orig: string; anon: string; anonymizer: PacketAnonymizer } {
  const orig = tempFile(`orig-${linkType}.pcap`), anon = tempFile(`anon-${linkType}.pcap`);
  writeFileSync(orig, pcapBytes(frames, linkType));
  const anonymizer = new PacketAnonymizer(new CryptoPAn(key));
  const copies = frames.map((f) => ({ tsUs: f.tsUs, data: Uint8Array.from(f.data) }));
  for (const f of copies) anonymizer.frame(f.data, 0, f.data.length, linkType);
  writeFileSync(anon, pcapBytes(copies, linkType));
  return { orig, anon, anonymizer };
}

for (const [name, linkType] of [['Ethernet', 1], ['Linux SLL', 113], ['raw IP', 101]] as const) {
  test(`${name}: tshark decodes the images of the original addresses, no original is left, every checksum good`, () => {
    const eth = anonTraffic();
    const frames = linkType === 1 ? eth : relink(eth, linkType);
    const { orig, anon, anonymizer } = anonymized(frames, linkType);
    assert.equal(anonymizer.rewritten, frames.length);
    const before = tsharkChecksums(orig);
    assert.equal(before.bad, 0, 'the generated capture is sound');
    const after = tsharkChecksums(anon);
    assert.deepEqual(after.badFrames, []);
    // same number of checksums verified good as before (so they were all checked)
    assert.equal(after.good, before.good);
    assert.ok(after.good >= frames.length, `${after.good} checksums verified`);
    assert.ok(addressesIn(readFileSync(orig)).length >= 6, 'the original holds the addresses');
    assert.deepEqual(addressesIn(readFileSync(anon)), []);
    const cp = new CryptoPAn(key);
    const want = tsharkAddresses(orig).map((line) => line.split('\t').map((cell) => cell.split(',').map((a) => (a ? cp.anonymizeText(a) : a)).join(',')).join('\t'));
    const got = tsharkAddresses(anon);
    assert.equal(got.length, frames.length);
    assert.deepEqual(got.map(normal), want.map(normal));
    if (linkType === 1) {
      // the ICMP error's quoted datagram and the IPv6 one's: two address pairs on one line
      assert.ok(got.some((l) => l.split('\t')[0].includes(',')), 'ICMP quote decoded');
      assert.ok(got.some((l) => l.split('\t')[2].includes(',')), 'ICMPv6 quote decoded');
    }
  });
}

/** tshark prints IPv6 compressed; ours too, but compare groups to be safe. */
function normal(line: string): string { return line.replace(/\b0+([0-9a-f])/g, '$1'); }


test('a wrong checksum stays wrong; a truncated frame is rewritten without touching bytes past its end', () => {
  const frames = anonTraffic().slice(0, 4);
  const bad = Uint8Array.from(frames[1].data);
  bad[14 + 20 + 16] ^= 0x55; // TCP checksum of the SYN-ACK
  const cut = Uint8Array.from(frames[0].data).subarray(0, 14 + 20 + 10); // IP header and 10 bytes of TCP: no checksum field
  const input: Frame[] = [{ tsUs: frames[0].tsUs, data: bad }, { tsUs: frames[1].tsUs, data: Uint8Array.from(cut) }];
  const { orig, anon } = anonymized(input, 1);
  assert.deepEqual(tsharkChecksums(orig).badFrames, ['1']);
  assert.deepEqual(tsharkChecksums(anon).badFrames, ['1']);
  assert.deepEqual(addressesIn(readFileSync(anon)), []);
});

test('mangled and cut frames never throw and never write outside the frame', () => {
  const anonymizer = new PacketAnonymizer(new CryptoPAn(key));
  const frames = anonTraffic();
  let seed = 12345;
  const rnd = (n: number) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
  const buf = new Uint8Array(4096);
  for (let i = 0; i < 30_000; i++) {
    const f = frames[i % frames.length].data;
    const len = rnd(4) === 0 ? rnd(f.length + 1) : f.length;
    const off = 100 + rnd(8);
    buf.fill(0xa5);
    buf.set(f.subarray(0, len), off);
    for (let k = len ? rnd(6) : 0; k > 0; k--) buf[off + rnd(len)] = rnd(256);
    anonymizer.frame(buf, off, len, i % 2 ? 1 : [1, 113, 101, 276, 0][rnd(5)]); // half of them on their own link type
    for (let k = 0; k < off; k++) if (buf[k] !== 0xa5) assert.fail(`frame ${i}: byte ${k} before the frame written`);
    for (let k = off + len; k < off + len + 2048; k++) if (buf[k] !== 0xa5) assert.fail(`frame ${i}: byte ${k - off - len} past the frame written`);
  }
  assert.ok(anonymizer.rewritten > 10_000);
});
