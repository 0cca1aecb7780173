// Live capture with anonymize=true (issue 16 part 2) on a veth inside a namespace: no address field
// of the pcap files or the session store holds the lab's real addresses. tshark decodes the Crypto-PAn
// images of them in every packet written (IP header checksums good: the kernel computed them,
// and the rewrite keeps them right), and every session's addresses are the images too. Needs
// root and iproute2.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { canMakeNetns, IP_A, IP_B, VethLab } from './netns.js';
import { httpExchange, ping, sleep, udpBurst } from './lab-run.js';
import { PackratLive } from './packrat-run.js';
import { nativeCaptureAvailable } from '../../capture/live/native.js';
import { CryptoPAn } from '../../db/anon/crypto-pan.js';
import { addressesIn } from '../support/anon-traffic.js';

const why = canMakeNetns() ?? (nativeCaptureAvailable() ? undefined : 'addon not built');
if (why) throw new Error(`live capture tests need root, iproute2 and the addon: ${why}`);

const KEY = 'c0ffee00112233445566778899aabbccddeeff00112233445566778899aabbcc';

describe('live capture: anonymize=true', { timeout: 120_000 }, () => {
  let lab: VethLab;
  before(() => { lab = new VethLab(); });
  after(() => lab?.destroy());

  it('writes and stores only the anonymised addresses', async () => {
    const cp = CryptoPAn.fromHex(KEY);
    const images = new Set([cp.anonymizeText(IP_A)!, cp.anonymizeText(IP_B)!]);
    const live = new PackratLive(lab, { interface: lab.devB, pcapReadMethod: 'tpacketv3', packetThreads: 2, dbFlushTimeout: 1, anonymize: 'true', anonymizeKey: KEY });
    await live.start();
    ping(lab, 4);
    await udpBurst(lab, 5004, 100);
    await httpExchange(lab, 8083, 2);
    await sleep(500);
    const s = await live.stop();
    assert.equal(s.exitCode, 0, s.stderr);

    assert.ok(s.files.length > 0);
    let packets = 0;
    for (const f of s.files) {
      const bytes = readFileSync(f.name);
      assert.deepEqual(addressesIn(bytes, [IP_A, IP_B], []), [], `${f.name} holds no real address`);
      const lines = execFileSync('tshark', ['-r', f.name, '-n', '-o', 'ip.check_checksum:TRUE', '-Y', 'ip', '-T', 'fields',
        '-e', 'ip.src', '-e', 'ip.dst', '-e', 'ip.checksum.status'], { encoding: 'utf8' }).split('\n').filter(Boolean);
      for (const l of lines) {
        const [src, dst, status] = l.split('\t');
        assert.ok(images.has(src.split(',')[0]) && images.has(dst.split(',')[0]), `frame addresses ${src} ${dst} are images of the lab's`);
        assert.equal(status.split(',')[0], '1', 'IP header checksum good');
      }
      packets += lines.length;
    }
    assert.ok(packets > 100, `${packets} IP packets written`);

    assert.ok(s.sessions.length >= 3);
    // Addresses written as text inside payloads (an HTTP Host header here) are not rewritten: the README says so.
    for (const d of s.sessions) {
      const src = (d.source as { ip?: string }).ip, dst = (d.destination as { ip?: string }).ip;
      if (src === undefined) continue; // non-IP sessions
      assert.ok(images.has(src) && images.has(dst!), `session ${src} -> ${dst}`);
    }
  });
});
