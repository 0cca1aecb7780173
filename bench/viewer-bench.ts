// Viewer benchmark: fill an embedded store with N synthetic session documents (default 10M) and a
// pcap file on tmpfs for the exported part, then time over HTTP: the first page sorted by time,
// a count, an SPI view of 10 fields, connections, and a pcap export.
//   node dist/bench/viewer-bench.js [--sessions N] [--export-mb M] [--dir /dev/shm/x] [--keep] [--fill-only]
//     [--export-only] [--runs R]   (only the pcap export, R times each way; medians printed)
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import { createViewer } from '../viewer/server.js';
import { exportedFor, fill, timeExport, timeRoutes } from './viewer-lib.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : def;
}

const N = Number(arg('--sessions', '10000000'));
const EXPORT_MB = Number(arg('--export-mb', '1024'));
const root = process.argv.includes('--dir') ? arg('--dir', '')
  : fs.mkdtempSync(fs.existsSync('/dev/shm') ? '/dev/shm/packrat-vbench-' : path.join(os.tmpdir(), 'packrat-vbench-'));
fs.mkdirSync(root, { recursive: true });
const dataDir = path.join(root, 'data');

async function main(): Promise<void> {
  if (!fs.existsSync(dataDir)) await fill(root, N, exportedFor(N, EXPORT_MB));
  if (process.argv.includes('--fill-only')) return;
  const viewer = await createViewer({ config: Config.fromText(`[default]\ndataDir=${dataDir}\n`, 'bench'), registry: fields, limits: { maxPcapBytes: 1e12 } });
  const base = `http://127.0.0.1:${await viewer.listen(0, '127.0.0.1')}`;
  const exportOnly = process.argv.includes('--export-only');
  const runs = Math.max(1, Number(arg('--runs', '1')));
  const report = exportOnly ? [] : await timeRoutes(base);
  const exportPath = '/api/sessions.pcap?date=-1&expression=' + encodeURIComponent('tags == exported');
  const fetchRuns: [number, number][] = [];
  for (let i = 0; i < runs; i++) fetchRuns.push(await timeExport(base, exportPath));
  // the same export read by a separate process (curl into /dev/null): the client's work is not
  // on the viewer's event loop
  const curlRuns: [number, number][] = [];
  const firstByte: number[] = [];
  // this process is the viewer: its CPU while curl reads is the viewer's cost of the export
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const out = await new Promise<string>((resolve) => execFile('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download} %{time_total} %{time_starttransfer}', '-H',
      'authorization: Bearer bench-key', base + exportPath], (err, o) => resolve(err ? '' : o)));
    if (!out) break;
    const [size, secs, ttfb] = out.split(' ').map(Number);
    curlRuns.push([secs * 1000, size]);
    firstByte.push(ttfb * 1000);
  }
  const cpu = process.cpuUsage(cpu0);
  const curlGB = curlRuns.reduce((n, r) => n + r[1], 0) / 1e9;
  process.stdout.write(`viewer bench: ${await viewer.context.backend.total()} sessions in ${dataDir}\n`);
  for (const [name, t, goal] of report) process.stdout.write(`  ${name.padEnd(40)} ${t.toFixed(1).padStart(9)} ms   (goal ${goal} ms, ratio ${(t / goal).toFixed(2)})\n`);
  const exportLine = (name: string, rs: [number, number][]) => {
    const all = rs.map(([ms, bytes]) => bytes / 1e3 / ms).sort((x, y) => x - y);
    const mbs = all[Math.floor(all.length / 2)];
    process.stdout.write(`  ${name.padEnd(40)} ${(rs[0][1] / 1e6).toFixed(0)} MB, median of ${rs.length}: ${mbs.toFixed(0)} MB/s ` +
      `(runs ${all.map((x) => x.toFixed(0)).join(' ')}; goal 1000 MB/s, ratio ${(mbs / 1000).toFixed(2)})\n`);
  };
  exportLine('pcap export (fetch, same process)', fetchRuns);
  if (curlRuns.length) {
    exportLine('pcap export (curl, separate process)', curlRuns);
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    process.stdout.write(`  ${'  time to first byte (curl)'.padEnd(40)} median ${median(firstByte).toFixed(0)} ms (runs ${firstByte.map((x) => x.toFixed(0)).join(' ')})\n`);
    process.stdout.write(`  ${'  viewer CPU per GB (curl runs)'.padEnd(40)} ${(cpu.user / 1e3 / curlGB).toFixed(0)} ms user + ` +
      `${(cpu.system / 1e3 / curlGB).toFixed(0)} ms system; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  }
  else process.stdout.write('  pcap export (curl): curl not available\n');
  await viewer.close();
  if (!process.argv.includes('--keep')) fs.rmSync(root, { recursive: true, force: true });
}

main().catch((e) => { process.stderr.write(`${(e as Error).stack}\n`); process.exit(1); });
