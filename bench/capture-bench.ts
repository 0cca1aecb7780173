// `npm run bench`: `packrat capture -r` into a fresh store and `--json`, on the standard workloads,
// at packetThreads 1 and 2. Prints per run: wall and CPU seconds, packets/s, MB/s, sessions/s,
// peak RSS, dataDir size as a share of the pcap, and the ratio to walk-pcap.mjs (the floor a
// Node reader reaches) measured just before and after on the same file. The machine is shared:
// compare ratios, not absolute rates; a run whose floor moved by more than 25% is repeated.
//
//   node dist/bench/capture-bench.js [--workloads mixed,small] [--threads 1,2] [--modes store,json] [--repeat N]
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureWorkload, packrat, sharedBench, treeRssKb } from './bench-lib.js';


const WORKLOADS: Record<string, { file: string; args: string[] }> = {
  mixed: { file: '/dev/shm/packrat-mixed.pcap', args: ['--profile', 'mixed', '--sessions', '44000'] },
  small: { file: '/dev/shm/packrat-small.pcap', args: ['--profile', 'small', '--sessions', '72000'] },
};

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
const workloads = opt('--workloads', 'mixed,small').split(',');
const threadList = opt('--threads', '1,2').split(',').map(Number);
const modes = opt('--modes', 'store,json').split(',') as ('store' | 'json')[];
const repeat = Math.max(1, Number(opt('--repeat', '1')));
for (const w of workloads) if (!WORKLOADS[w]) throw new Error(`--workloads: unknown workload '${w}' (known: ${Object.keys(WORKLOADS).join(', ')})`);
for (const m of modes) if (m !== 'store' && m !== 'json') throw new Error(`--modes: '${m}' is not store or json`);
for (const t of threadList) if (!(t >= 1 && t <= 24)) throw new Error(`--threads: '${t}' is not 1..24`);

function ensure(name: string): string {
  const w = WORKLOADS[name];
  return ensureWorkload(w.file, w.args);
}

function walkPps(file: string): number {
  const out = execFileSync(process.execPath, [path.join(sharedBench, 'walk-pcap.mjs'), file], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!).pps as number;
}

/** utime+stime of a process (all its threads) in seconds, from /proc/<pid>/stat. */
function procCpu(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // fields 14, 15 (clock ticks, USER_HZ=100)
  } catch { return -1; }
}

function dirBytes(dir: string): number {
  let n = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return n;
}

/** Bytes of the live segments the manifests name (retired ones wait out their grace period). */
function liveSegmentBytes(dataDir: string): number {
  let n = 0;
  if (!fs.existsSync(dataDir)) return 0;
  for (const d of fs.readdirSync(dataDir)) {
    const m = path.join(dataDir, d, 'manifest.json');
    if (!fs.existsSync(m)) continue;
    for (const s of JSON.parse(fs.readFileSync(m, 'utf8')).segments as { bytes: number }[]) n += s.bytes;
  }
  return n;
}

interface RunResult { wall: number; cpu: number; rssMb: number; sessions: number; packets: number }

async function runCapture(file: string, mode: 'store' | 'json', threads: number, work: string): Promise<RunResult> {
  const dataDir = path.join(work, 'data');
  fs.rmSync(dataDir, { recursive: true, force: true });
  const config = path.join(work, 'config.ini');
  fs.writeFileSync(config, `[default]\ndataDir=${dataDir}\npacketThreads=${threads}\n`);
  const args = [packrat, 'capture', '-c', config, '-n', 'bench', '-r', file, ...(mode === 'json' ? ['--json'] : [])];
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let lines = 0, stderr = '', peak = 0, cpu = 0;
  child.stdout.on('data', (b: Buffer) => { for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) lines++; });
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const poll = setInterval(() => {
    peak = Math.max(peak, treeRssKb(child.pid!));
    const c = procCpu(child.pid!);
    if (c >= 0) cpu = c;
  }, 20);
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? 1)));
  clearInterval(poll);
  const wall = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`packrat capture (${mode}, packetThreads=${threads}) exited ${code}: ${stderr.slice(-2000)}`);
  let sessions = lines, packets = 0;
  const m = /imported \d+ file\(s\): (\d+) packets, (\d+) sessions/.exec(stderr);
  if (mode === 'store') {
    if (!m) throw new Error(`no import summary on stderr: ${stderr.slice(-500)}`);
    packets = Number(m[1]); sessions = Number(m[2]);
  }
  return { wall, cpu, rssMb: peak / 1024, sessions, packets };
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]; };

async function main(): Promise<void> {
  const work = fs.mkdtempSync('/dev/shm/packrat-bench-');
  process.stdout.write(`inputs and dataDir on tmpfs (${work}); load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ')[0]}\n`);
  process.stdout.write('workload mode  thr   wall s  cpu s   pkts/s    MB/s  sess/s  rss MB  data %  floor pps  ratio\n');
  try {
    for (const name of workloads) {
      const file = ensure(name);
      const bytes = fs.statSync(file).size;
      const floorPackets = JSON.parse(execFileSync(process.execPath, [path.join(sharedBench, 'walk-pcap.mjs'), file], { encoding: 'utf8' }).trim().split('\n').pop()!).packets as number;
      for (const mode of modes) {
        for (const threads of threadList) {
          const runs: (RunResult & { floor: number; ratio: number; dataPct: number; livePct: number })[] = [];
          for (let attempt = 0; runs.length < repeat && attempt < repeat + 2; attempt++) {
            const before = walkPps(file);
            const r = await runCapture(file, mode, threads, work);
            const after = walkPps(file);
            const floor = (before + after) / 2;
            const pps = floorPackets / r.wall;
            const dataDir = path.join(work, 'data');
            const dataPct = mode === 'store' ? 100 * dirBytes(dataDir) / bytes : 0;
            const livePct = mode === 'store' ? 100 * liveSegmentBytes(dataDir) / bytes : 0;
            if (Math.abs(before - after) / Math.max(before, after) > 0.25 && attempt < repeat + 1) {
              process.stderr.write(`  floor moved ${before} -> ${after} pps during ${name} ${mode} ${threads}: repeating\n`);
              continue;
            }
            runs.push({ ...r, floor, ratio: pps / floor, dataPct, livePct });
          }
          const pick = (f: (x: typeof runs[number]) => number) => median(runs.map(f));
          const wall = pick((x) => x.wall), cpu = pick((x) => x.cpu), sessions = runs[0].sessions;
          const row = {
            workload: name, mode, packetThreads: threads, runs: runs.length, wallSec: +wall.toFixed(2), cpuSec: +cpu.toFixed(2),
            packetsPerSec: Math.round(floorPackets / wall), MBps: +(bytes / 1e6 / wall).toFixed(1), sessionsPerSec: Math.round(sessions / wall),
            sessions, peakRssMb: Math.round(pick((x) => x.rssMb)), dataDirPct: +pick((x) => x.dataPct).toFixed(2),
            liveSegmentsPct: +pick((x) => x.livePct).toFixed(2), floorPps: Math.round(pick((x) => x.floor)), ratioToFloor: +pick((x) => x.ratio).toFixed(3),
          };
          process.stdout.write(`${name.padEnd(8)} ${mode.padEnd(5)} ${String(threads).padStart(3)} ${row.wallSec.toFixed(2).padStart(8)} ${row.cpuSec.toFixed(2).padStart(6)} ` +
            `${String(row.packetsPerSec).padStart(8)} ${row.MBps.toFixed(1).padStart(7)} ${String(row.sessionsPerSec).padStart(7)} ${String(row.peakRssMb).padStart(7)} ` +
            `${(mode === 'store' ? row.dataDirPct.toFixed(2) : '-').padStart(7)} ${String(row.floorPps).padStart(10)} ${row.ratioToFloor.toFixed(3).padStart(6)}\n`);
          process.stdout.write(JSON.stringify(row) + '\n');
        }
      }
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

await main();
