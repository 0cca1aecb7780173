// Live capture benchmark (root): replays /dev/shm/packrat-mixed.pcap into a veth with
// bench/live-sender.py (raw AF_PACKET socket) while `packrat capture` captures on the other end.
//
//   node dist/bench/live-bench.js [--pcap FILE] [--seconds 10] [--threads 1,2] [--rates 20000,50000,...]
//       ramp: for each packetThreads, the highest rate with zero drops (kernel, queue, disk overload)
//   node dist/bench/live-bench.js --steady PPS [--minutes 10] [--threads 1]
//       steady replay, RSS of the capture sampled every 10 s
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VethLab } from '../test/live/netns.js';
import { PackratLive } from '../test/live/packrat-run.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const sender = join(repoRoot, 'bench/live-sender.py');
const args = process.argv.slice(2);
const opt = (k: string, d: string): string => { const i = args.indexOf(k); return i >= 0 ? args[i + 1] : d; };
const pcap = opt('--pcap', '/dev/shm/packrat-mixed.pcap');
const seconds = Number(opt('--seconds', '10'));
const threadsList = opt('--threads', '1,2').split(',').map(Number);
const rates = opt('--rates', '10000,20000,40000,60000,80000,100000,150000,200000,300000').split(',').map(Number);
const steady = Number(opt('--steady', '0'));
const minutes = Number(opt('--minutes', '10'));

function procStat(pid: number): { cpuTicks: number; rssKiB: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { cpuTicks: Number(f[11]) + Number(f[12]), rssKiB: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) };
}

interface RunResult { rate: number; sentPps: number; sent: number; bytes: number; captured: number; kernelDrops: number; queueDrops: number; overloadDrops: number; cpuUsPerPacket: number; rssMiB: number[] }

async function run(lab: VethLab, threads: number, pps: number, secs: number, sampleRss = false): Promise<RunResult> {
  const live = new PackratLive(lab, {
    interface: lab.devB, pcapReadMethod: 'tpacketv3', tpacketv3NumThreads: 1, packetThreads: threads,
    tcpTimeout: 30, udpTimeout: 10, maxFileSizeG: 1, statsInterval: 1,
  });
  await live.start();
  const pid = live.pid;
  const before = procStat(pid);
  const rss: number[] = [];
  const timer = sampleRss ? setInterval(() => { const r = procStat(pid).rssKiB / 1024; rss.push(Math.round(r)); console.log(`  t=${rss.length * 10}s rss ${r.toFixed(0)} MiB`); }, 10_000) : undefined;
  const out = await new Promise<string>((res, rej) => {
    const c = lab.spawn(lab.nsA, 'python3', [sender, pcap, lab.devA, String(pps), String(secs)]);
    let o = '';
    c.stdout!.on('data', (d: Buffer) => { o += d.toString(); });
    c.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
    c.on('exit', (code) => (code === 0 ? res(o) : rej(new Error(`sender exited ${code}`))));
  });
  if (timer) clearInterval(timer);
  await new Promise((r) => setTimeout(r, 1500));
  const afterStat = procStat(pid);
  const s = await live.stop();
  const m = /sent (\d+) pps (\d+) bytes (\d+)/.exec(out)!;
  const st = s.stats!;
  const captured = Number(st.totalPackets);
  const ticks = afterStat.cpuTicks - before.cpuTicks;
  return {
    rate: pps, sent: Number(m[1]), sentPps: Number(m[2]), bytes: Number(m[3]), captured,
    kernelDrops: Number(st.kernelDrops), queueDrops: Number(st.queueDrops), overloadDrops: Number(st.overloadDrops),
    cpuUsPerPacket: captured ? (ticks * 1e6 / 100) / captured : 0, rssMiB: rss,
  };
}

async function main(): Promise<void> {
  const lab = new VethLab();
  try {
    if (steady > 0) {
      const t = threadsList[0];
      console.log(`steady ${steady} pps for ${minutes} min, packetThreads ${t}`);
      const r = await run(lab, t, steady, minutes * 60, true);
      console.log(JSON.stringify(r));
      const first = r.rssMiB[1] ?? r.rssMiB[0], last = r.rssMiB[r.rssMiB.length - 1];
      console.log(`rss first ${first} MiB last ${last} MiB ratio ${(last / first).toFixed(3)}`);
      return;
    }
    for (const t of threadsList) {
      let best: RunResult | undefined;
      for (const pps of rates) {
        const r = await run(lab, t, pps, seconds);
        const drops = r.kernelDrops + r.queueDrops + r.overloadDrops;
        const gbps = (r.bytes * 8) / (r.sent / r.sentPps) / 1e9;
        console.log(`packetThreads ${t} target ${pps} pps: sent ${r.sent} at ${r.sentPps} pps (${gbps.toFixed(3)} Gbit/s), captured ${r.captured}, ` +
          `kernelDrops ${r.kernelDrops} queueDrops ${r.queueDrops} diskOverload ${r.overloadDrops}, cpu ${r.cpuUsPerPacket.toFixed(2)} us/packet`);
        if (drops > 0 || r.captured < r.sent) break;
        if (r.sentPps < pps * 0.9) { console.log('  the sender cannot go faster; stopping the ramp'); best = r; break; }
        best = r;
      }
      if (best) {
        const gbps = (best.bytes * 8) / (best.sent / best.sentPps) / 1e9;
        console.log(`RESULT packetThreads ${t}: highest zero-drop rate ${best.sentPps} pps = ${gbps.toFixed(3)} Gbit/s, ` +
          `cpu ${best.cpuUsPerPacket.toFixed(2)} us/packet, drops kernel ${best.kernelDrops} queue ${best.queueDrops} disk ${best.overloadDrops}`);
      } else console.log(`RESULT packetThreads ${t}: drops even at ${rates[0]} pps`);
    }
  } finally {
    lab.destroy();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
