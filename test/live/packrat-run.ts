// Runs `packrat capture -c CONFIG -n NODE` live inside a namespace of a VethLab, stops it with
// SIGTERM, and reads back what it stored: session documents, the file registry, the stats doc,
// and each session's packets through its packetPos.
import { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, readSync, closeSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteControl, FileDoc } from '../../db/store/sqlite-control-store.js';
import { EmbeddedSessionStore } from '../../db/store/session-store.js';
import { fields } from '../../db/fields/registry.js';
import '../../capture/pipeline/setup.js';
import { VethLab, IP_B } from './netns.js';
import { PcapPacket, repoRoot, sleep } from './lab-run.js';
import { LineReader } from './netns.js';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const trafficJs = join(dirname(fileURLToPath(import.meta.url)), 'traffic.js');

export interface Stored {
  sessions: Record<string, unknown>[];
  /** Session documents stored. */
  count: number;
  files: FileDoc[];
  stats: Record<string, unknown> | undefined;
  stderr: string;
  exitCode: number | null;
  packetsOf(doc: Record<string, unknown>): PcapPacket[];
}

export class PackratLive {
  readonly dir = mkdtempSync(join(tmpdir(), 'pr-live-e2e-'));
  readonly node = 'livetest';
  private child: ChildProcess | undefined;
  private stderr = '';

  constructor(private readonly lab: VethLab, readonly keys: Record<string, string | number | undefined>) {}

  /** Removes the capture's config, session store and pcap files (benchmarks write gigabytes). */
  cleanUp(): void { rmSync(this.dir, { recursive: true, force: true }); }

  /** The latest stats (written every statsInterval s): packets taken from the ring, packets queued for the workers. */
  lastStats(): { packets: number; packetQueue: number } | undefined {
    let control: SqliteControl | undefined;
    try {
      control = SqliteControl.open(join(this.dir, 'data'), { readOnly: true });
      const st = control.getStats(this.node) as Record<string, unknown> | undefined;
      return st ? { packets: Number(st.totalPackets), packetQueue: Number(st.packetQueue) } : undefined;
    } catch {
      return undefined; // not written yet, or busy: the caller polls again
    } finally {
      control?.close();
    }
  }

  /** The capture process (ip netns exec replaces itself with node). */
  get pid(): number { return this.child!.pid!; }

  async start(): Promise<void> {
    const cfg = join(this.dir, 'config.ini');
    mkdirSync(join(this.dir, 'data'));
    const lines = ['[default]', `dataDir=${join(this.dir, 'data')}`, `pcapDir=${join(this.dir, 'raw')}`,
      ...Object.entries(this.keys).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`)];
    writeFileSync(cfg, lines.join('\n') + '\n');
    this.child = this.lab.spawn(this.lab.nsB, process.execPath, [join(repoRoot, 'bin/packrat'), 'capture', '-c', cfg, '-n', this.node]);
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`packrat capture did not start: ${this.stderr}`)), 20_000);
      this.child!.stderr!.on('data', (d: Buffer) => {
        this.stderr += d.toString();
        if (this.stderr.includes('capturing on')) { clearTimeout(t); res(); }
      });
      this.child!.stdout!.on('data', (d: Buffer) => { this.stderr += d.toString(); });
      this.child!.on('exit', () => { clearTimeout(t); rej(new Error(`packrat capture exited: ${this.stderr}`)); });
    });
  }

  /** SIGTERM and wait for the drain (or the exit that came first); the store is not read. */
  async terminate(): Promise<{ exitCode: number | null; stderr: string }> {
    const c = this.child!;
    const exitCode = c.exitCode !== null || c.signalCode !== null ? c.exitCode
      : await new Promise<number | null>((r) => { c.on('exit', (code) => r(code)); c.kill('SIGTERM'); });
    return { exitCode, stderr: this.stderr };
  }

  /**
   * SIGTERM, wait for the drain, read back what was stored. `sessions: false` leaves the session
   * documents unread (a long benchmark run stores millions: reading them all would not fit in
   * this process's heap); `count` still says how many there are.
   */
  async stop(o: { sessions?: boolean } = {}): Promise<Stored> {
    const { exitCode } = await this.terminate();
    if (exitCode !== 0) throw new Error(`packrat capture exited with ${exitCode ?? this.child!.signalCode}: ${this.stderr}`);
    const dataDir = join(this.dir, 'data');
    const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields });
    const sessions = o.sessions === false ? [] : (await store.search({})).map((h) => h.doc);
    const count = await store.count();
    await store.close();
    const control = SqliteControl.open(dataDir);
    const files = control.listFiles(this.node);
    const stats = control.getStats(this.node);
    control.close();
    const byNum = new Map(files.map((f) => [f.num, f]));
    return { sessions, count, files, stats, stderr: this.stderr, exitCode, packetsOf: (doc) => readSessionPackets(doc, byNum) };
  }
}

/** Decode gap0 packetPos (reference 1.6) and read each record from the registered files. */
export function readSessionPackets(doc: Record<string, unknown>, files: Map<number, FileDoc>): PcapPacket[] {
  const enc = doc.packetPos as number[];
  const out: PcapPacket[] = [];
  let last = 0, lastGap = 0, fd = -1, linktype = 1;
  const hdr = Buffer.alloc(16);
  try {
    for (const v of enc) {
      if (v < 0) {
        if (fd >= 0) closeSync(fd);
        const f = files.get(-v);
        if (!f) throw new Error(`packetPos names file ${-v}, which is not registered`);
        fd = openSync(f.name, 'r');
        const g = Buffer.alloc(24);
        readSync(fd, g, 0, 24, 0);
        linktype = g.readUInt32LE(20);
        last = 0; lastGap = 0;
        continue;
      }
      let pos: number;
      if (v === 0) pos = last + lastGap; else { lastGap = v; pos = last + v; }
      last = pos;
      readSync(fd, hdr, 0, 16, pos);
      const caplen = hdr.readUInt32LE(8);
      const data = Buffer.alloc(caplen);
      readSync(fd, data, 0, caplen, pos + 16);
      out.push({ sec: hdr.readUInt32LE(0), usec: hdr.readUInt32LE(4), caplen, wirelen: hdr.readUInt32LE(12), data, linktype });
    }
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  return out;
}

/** The 5-tuple of an IPv4 Ethernet frame, direction-free: "proto a:pa b:pb" with a < b. */
export function flowOf(p: PcapPacket): string {
  const d = p.data;
  if (d.readUInt16BE(12) !== 0x0800) return 'non-ip';
  const proto = d[23];
  const ihl = (d[14] & 15) * 4;
  const ip = (o: number) => `${d[o]}.${d[o + 1]}.${d[o + 2]}.${d[o + 3]}`;
  const ports = proto === 6 || proto === 17;
  const a = `${ip(26)}:${ports ? d.readUInt16BE(14 + ihl) : 0}`;
  const b = `${ip(30)}:${ports ? d.readUInt16BE(16 + ihl) : 0}`;
  return `${proto} ${a < b ? `${a} ${b}` : `${b} ${a}`}`;
}

export async function dnsQuery(lab: VethLab, port: number, name: string): Promise<void> {
  const srv = lab.spawn(lab.nsB, process.execPath, [trafficJs, 'dns-serve', String(port)]);
  await new LineReader(srv.stdout!).next();
  lab.exec(lab.nsA, process.execPath, [trafficJs, 'dns-query', IP_B, String(port), name]);
  srv.kill();
  await new Promise((r) => srv.on('exit', r));
  await sleep(50);
}
