// Packet file reader throughput against the floor (shared/bench/walk-pcap.mjs).
//   node dist/bench/reader-bench.js [FILE] [--runs N] [--chunk MiB] [--pcapng]
// FILE defaults to /dev/shm/packrat-mixed.pcap (generated when absent; tmpfs because the page
// cache here is unreliable). --pcapng also measures the pcapng of the same workload.
// Prints one JSON line per format with medians and the ratio reader/floor.

import { existsSync, renameSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { openPacketSource, newFileBatch } from '../capture/readers/open.js';
import { META_STRIDE, M_CAPLEN, M_FILE_POS } from '../capture/readers/types.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const sharedBench = path.resolve(repoRoot, '../shared/bench');

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : dflt; };
const runs = flag('--runs', 3);
const chunkMiB = flag('--chunk', 16);
const valued = new Set(['--runs', '--chunk']);
const file = args.find((a, i) => !a.startsWith('--') && !valued.has(args[i - 1])) ?? '/dev/shm/packrat-mixed.pcap';

function ensure(out: string): void {
  if (existsSync(out)) return;
  process.stderr.write(`generating ${out} ...\n`);
  const tmp = `${out}.tmp.${process.pid}`;
  execFileSync(process.execPath, [path.join(sharedBench, 'gen-pcap.mjs'), '--out', tmp, '--profile', 'mixed', '--sessions', '44000',
    '--format', out.endsWith('.pcapng') ? 'pcapng' : 'pcap'], { stdio: ['ignore', 'ignore', 'inherit'] });
  renameSync(tmp, out);
}

interface Run { packets: number; seconds: number; pps: number }

function floorRun(f: string): Run {
  const out = execFileSync(process.execPath, [path.join(sharedBench, 'walk-pcap.mjs'), f, '--chunk', String(chunkMiB)], { encoding: 'utf8' });
  const j = JSON.parse(out.trim().split('\n').pop()!);
  return { packets: j.packets, seconds: j.seconds, pps: j.pps };
}

function readerRun(f: string): Run {
  const t0 = process.hrtime.bigint();
  const chunkSize = chunkMiB * 1024 * 1024;
  const src = openPacketSource(f, { chunkSize });
  const batch = newFileBatch(chunkSize);
  let packets = 0, capBytes = 0, posCheck = 0;
  while (src.next(batch)) {
    const meta = batch.meta, n = batch.count;
    // Touch what a consumer reads, so the work cannot be skipped.
    for (let m = 0, end = n * META_STRIDE; m < end; m += META_STRIDE) { capBytes += meta[m + M_CAPLEN]; posCheck = meta[m + M_FILE_POS]; }
    packets += n;
  }
  if (src.error) throw src.error;
  src.close();
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (posCheck <= 0 || capBytes <= 0) throw new Error('nothing read');
  return { packets, seconds, pps: Math.round(packets / seconds) };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

function bench(f: string): void {
  ensure(f);
  const floor: Run[] = [], ours: Run[] = [], ratios: number[] = [];
  for (let i = 0; i < runs; i++) {
    const a = floorRun(f), b = readerRun(f);
    if (a.packets !== b.packets) throw new Error(`packet counts differ: walk-pcap ${a.packets}, reader ${b.packets}`);
    floor.push(a); ours.push(b); ratios.push(b.pps / a.pps);
  }
  process.stdout.write(JSON.stringify({
    file: f, packets: ours[0].packets, runs, chunkMiB,
    readerPps: median(ours.map(r => r.pps)), readerSeconds: median(ours.map(r => r.seconds)),
    floorPps: median(floor.map(r => r.pps)), floorSeconds: median(floor.map(r => r.seconds)),
    ratio: +median(ratios).toFixed(3),
  }) + '\n');
}

bench(file);
if (args.includes('--pcapng')) bench(file.replace(/\.pcap$/, '') + '.pcapng');
