// A full pcapDir (a 256 KiB tmpfs, as root) is counted and reported, never fatal, and with
// pcapDirAlgorithm=max-free-bytes the next files go to the directory that still has room.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { PcapFileClosed, PcapWriteError, PcapWriter } from '../../capture/live/pcap-writer.js';

it('a full disk is counted and reported, and capture moves on to a pcapDir with room', async () => {
  assert.equal(process.getuid?.(), 0, 'this test mounts a tmpfs and needs root');
  const small = mkdtempSync(join(tmpdir(), 'pr-full-'));
  const roomy = mkdtempSync(join(tmpdir(), 'pr-roomy-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', small]);
  try {
    const errors: PcapWriteError[] = [];
    const closed: PcapFileClosed[] = [];
    let num = 0;
    let calls = 0;
    const w = new PcapWriter({
      node: 'full', pcapDirs: [small, roomy], pcapDirAlgorithm: 'max-free-bytes', pcapWriteSize: 65536,
      nextFileNum: () => ++num, onError: (e) => errors.push(e), onFileClose: (f) => closed.push(f),
      // the first file lands on the tmpfs whatever the real free space of /tmp is
      dirSpace: (d) => {
        if (calls++ < 2) { return d === small ? { freeBytes: 2, totalBytes: 2 } : { freeBytes: 1, totalBytes: 2 }; }
        const s = execFileSync('df', ['-B1', '--output=avail,size', d], { encoding: 'utf8' }).trim().split('\n')[1].trim().split(/\s+/);
        return { freeBytes: Number(s[0]), totalBytes: Number(s[1]) };
      },
    });
    const pkt = new Uint8Array(1400);
    let accepted = 0;
    for (let i = 0; i < 1000; i++) {  // 1.4 MB into a 256 KiB disk, with pauses so writes complete
      if (w.write(pkt, 0, 1400, 1400, 1000, i, 1) > 0) accepted++;
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await w.close();
    assert.ok(w.stats.diskFullErrors > 0, 'ENOSPC counted');
    assert.equal(errors[0].code, 'ENOSPC');
    assert.match(errors[0].message, new RegExp(`${small}/full-\\d{6}-00000001\\.pcap`));
    assert.ok(closed.length >= 2, 'a new file after the failed one');
    assert.ok(closed[0].name.startsWith(small) && closed[0].writeErrors > 0);
    const later = closed.slice(1);
    assert.ok(later.every((f) => f.name.startsWith(roomy)), 'later files on the directory with room');
    const onRoomy = readdirSync(roomy).reduce((a, f) => a + statSync(join(roomy, f)).size, 0);
    assert.equal(onRoomy, later.reduce((a, f) => a + f.filesize, 0), 'every byte of the later files is on disk');
    assert.equal(accepted, 1000);
  } finally {
    execFileSync('umount', [small]);
    rmSync(small, { recursive: true, force: true });
    rmSync(roomy, { recursive: true, force: true });
  }
});
