// Drives one capture scenario in a VethLab: probe capturing in nsB, optional tcpdump in nsA,
// traffic from nsA to nsB, then both captures stopped and read back.
import { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IP_B, LineReader, VethLab } from './netns.js';

const here = dirname(fileURLToPath(import.meta.url));
const probeJs = join(here, 'capture-probe.js');
const trafficJs = join(here, 'traffic.js');
export const repoRoot = resolve(here, '../../..');

export interface PcapPacket { sec: number; usec: number; caplen: number; wirelen: number; data: Buffer; linktype: number }

export function readPcap(file: string): PcapPacket[] {
  const b = readFileSync(file);
  if (b.length < 24 || b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${file}: not a little-endian usec pcap`);
  const linktype = b.readUInt32LE(20);
  const out: PcapPacket[] = [];
  let o = 24;
  while (o + 16 <= b.length) {
    const caplen = b.readUInt32LE(o + 8);
    if (o + 16 + caplen > b.length) throw new Error(`${file}: truncated record at ${o}`);
    out.push({ sec: b.readUInt32LE(o), usec: b.readUInt32LE(o + 4), caplen, wirelen: b.readUInt32LE(o + 12), data: b.subarray(o + 16, o + 16 + caplen), linktype });
    o += 16 + caplen;
  }
  if (o !== b.length) throw new Error(`${file}: ${b.length - o} trailing bytes`);
  return out;
}

/** IPv4 protocol of an Ethernet frame (1 ICMP, 6 TCP, 17 UDP), or -1. */
export function ipProto(p: PcapPacket): number {
  if (p.linktype !== 1 || p.caplen < 34 || p.data.readUInt16BE(12) !== 0x0800) return -1;
  return p.data[23];
}

export function countBy(pkts: PcapPacket[]): Record<string, number> {
  const c: Record<string, number> = { icmp: 0, tcp: 0, udp: 0, other: 0 };
  for (const p of pkts) {
    const pr = ipProto(p);
    c[pr === 1 ? 'icmp' : pr === 6 ? 'tcp' : pr === 17 ? 'udp' : 'other']++;
  }
  return c;
}

export interface ProbeResult {
  event: string;
  message?: string;
  packets: number;
  stats: { name: string; packets: number; drops: number; delivered: number; freezeCount: number }[];
  files: { name: string; num: number; packets: number; filesize: number }[];
  writer?: { packets: number; writeErrors: number; overloadDrops: number };
  warnings: string[];
  error?: string;
}

export class Probe {
  private readonly child: ChildProcess;
  private readonly lines: LineReader;

  constructor(lab: VethLab, ns: string, opts: object) {
    this.child = lab.spawn(ns, process.execPath, [probeJs, JSON.stringify(opts)]);
    this.lines = new LineReader(this.child.stdout!);
    this.child.stderr!.on('data', (d: Buffer) => process.stderr.write(`[probe] ${d}`));
  }

  /** The first line: ready, or an error event. */
  async start(): Promise<ProbeResult | undefined> {
    const first = JSON.parse((await this.lines.next()) ?? '{"event":"eof"}') as ProbeResult;
    return first.event === 'ready' ? undefined : first;
  }

  async stop(): Promise<ProbeResult> {
    this.child.stdin!.write('stop\n');
    const line = await this.lines.next(20_000);
    return JSON.parse(line ?? '{"event":"eof"}') as ProbeResult;
  }
}

export class Tcpdump {
  readonly file: string;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(lab: VethLab, ns: string, dev: string, snapLen: number) {
    this.file = join(mkdtempSync(join(tmpdir(), 'pr-tcpdump-')), 'wire.pcap');
    this.child = lab.spawn(ns, 'tcpdump', ['-i', dev, '-n', '-U', '--immediate-mode', '-B', '32768', '-s', String(snapLen), '-w', this.file]);
    this.exited = new Promise((r) => this.child.on('exit', () => r()));
  }

  start(): Promise<void> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => rej(new Error('tcpdump did not start')), 15_000);
      let err = '';
      this.child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) { clearTimeout(t); res(); }
      });
    });
  }

  async stop(): Promise<PcapPacket[]> {
    this.child.kill('SIGINT');
    await this.exited;
    return readPcap(this.file);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function ping(lab: VethLab, count: number): void {
  lab.exec(lab.nsA, 'ping', ['-c', String(count), '-i', '0.2', '-W', '2', IP_B]);
}

export async function udpBurst(lab: VethLab, port: number, count: number): Promise<void> {
  const recv = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'udp-recv', String(port), String(count)]);
  const ready = new LineReader(recv.stdout!);
  await ready.next();
  lab.exec(lab.nsA, process.execPath, [trafficJs, 'udp-send', IP_B, String(port), String(count)]);
  await Promise.race([new Promise((r) => recv.on('exit', r)), sleep(2000)]);  // the receiver may lose some; capture does not
  recv.kill();
}

export async function httpExchange(lab: VethLab, port: number, times: number): Promise<void> {
  const srv = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'http-serve', String(port)]);
  await new LineReader(srv.stdout!).next();
  lab.exec(lab.nsA, process.execPath, [trafficJs, 'http-get', `http://${IP_B}:${port}/`, String(times)]);
  await sleep(300);  // let the last FIN/ACKs cross before the server goes
  srv.kill();
  await new Promise((r) => srv.on('exit', r));
}

export function probeDir(): string {
  return mkdtempSync(join(tmpdir(), 'pr-live-'));
}

export function writerPackets(res: ProbeResult): PcapPacket[] {
  return res.files.flatMap((f) => readPcap(f.name));
}

/** Packets as sorted hex strings: the same multiset means the same packets, whatever the order. */
export function packetSet(pkts: PcapPacket[]): string[] {
  return pkts.map((p) => `${p.wirelen}:${p.data.toString('hex')}`).sort();
}
