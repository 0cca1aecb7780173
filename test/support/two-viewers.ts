// Two nodes, one shared store, two `packrat viewer` processes on loopback, each able to read only
// its own node's pcap files. How the files are hidden from the other process:
//  - the file registry holds each file by a name relative to its node's folder (`pcap/node-a.pcap`)
//    and each viewer runs with its own node folder as working folder, so the other node's name
//    resolves to a path that does not exist there (as on another host);
//  - when the test runs as root, each viewer also runs as its own uid and each node folder is
//    mode 0700 owned by that uid, so the kernel refuses the other process even by absolute path.
// A viewer then serves the other node's packets only by asking that node's viewer, signed with serverSecret.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteControl } from '../../db/store/sqlite-control-store.js';
import { PCAP_RECORD_HEADER_LEN, pcapHeaderBytes, writeRecordHeader } from '../../db/pcap/format.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const packrat = path.join(repoRoot, 'bin/packrat');
export const isRoot = process.getuid?.() === 0;
/** The pcap global header of every node's file (µs, Ethernet, snaplen 65535). */
export const pcapHeader = Buffer.from(pcapHeaderBytes({ snaplen: 65535 }));

/**
 * An Ethernet/IPv4/UDP frame between client `a`:`aPort` and server `b`:`bPort`; `reply` sends it
 * from the server (addresses, ports and MACs swapped).
 */
export function udpFrame(a: number[], b: number[], aPort: number, bPort: number, reply: boolean, payload: Buffer): Buffer {
  const f = Buffer.alloc(14 + 20 + 8 + payload.length);
  f.set([0, 1, 2, 3, 4, reply ? 6 : 5, 0, 1, 2, 3, 4, reply ? 5 : 6, 0x08, 0x00], 0);
  const ip = 14;
  f[ip] = 0x45; f.writeUInt16BE(20 + 8 + payload.length, ip + 2); f[ip + 8] = 64; f[ip + 9] = 17;
  f.set(reply ? b : a, ip + 12); f.set(reply ? a : b, ip + 16);
  let sum = 0;
  for (let o = 0; o < 20; o += 2) sum += f.readUInt16BE(ip + o);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  f.writeUInt16BE(~sum & 0xffff, ip + 10);
  const udp = ip + 20;
  f.writeUInt16BE(reply ? bPort : aPort, udp); f.writeUInt16BE(reply ? aPort : bPort, udp + 2);
  f.writeUInt16BE(8 + payload.length, udp + 4);
  payload.copy(f, udp + 8);
  return f;
}

/** A pcap record (16-byte little-endian µs header, then the frame). */
export function pcapRecord(frame: Buffer, sec: number, usec: number): Buffer {
  const r = Buffer.alloc(PCAP_RECORD_HEADER_LEN + frame.length);
  writeRecordHeader(r, 0, sec, usec, frame.length, frame.length);
  frame.copy(r, PCAP_RECORD_HEADER_LEN);
  return r;
}

export interface ViewerNode { name: string; dir: string; rel: string; uid: number; port: number; base: string; proc?: ChildProcess; stderr: string }

export interface TwoViewers {
  root: string;
  dataDir: string;
  configFile: string;
  nodes: ViewerNode[];
  /** Stops both viewers and removes every file. */
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

export function startViewer(n: ViewerNode, configFile: string): Promise<void> {
  // umask 0: both viewers share the control database's -wal/-shm files whatever uid made them
  const proc = spawn('/bin/sh', ['-c', 'umask 0; exec "$0" "$@"', process.execPath, packrat, 'viewer', '-c', configFile, '-n', n.name,
    '--port', String(n.port), '--host', '127.0.0.1'], { cwd: n.dir, stdio: ['ignore', 'pipe', 'pipe'], ...(isRoot ? { uid: n.uid, gid: n.uid } : {}) });
  n.proc = proc;
  proc.stderr!.on('data', (d) => { n.stderr += String(d); });
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (d) => { out += String(d); if (out.includes('listening on')) resolve(); });
    proc.once('exit', (code) => reject(new Error(`viewer ${n.name} exited with ${code}: ${n.stderr}`)));
  });
}

export async function stopViewer(n: ViewerNode): Promise<void> {
  const p = n.proc;
  if (!p || p.exitCode !== null) return;
  const gone = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await gone;
}

export interface TwoViewersOptions {
  /** Temp folder prefix. */
  prefix: string;
  secret: string;
  /** The records (16-byte header + frame) of node-a's and node-b's pcap files. */
  records: [Buffer[], Buffer[]];
  /** Runs after the import, before the viewers start (users, keys); the control store is closed. */
  prepare?: (t: TwoViewers) => Promise<void>;
}

/** node-a and node-b: their pcaps imported into one store, each served by its own viewer. */
export async function twoViewers(o: TwoViewersOptions): Promise<TwoViewers> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), o.prefix));
  fs.chmodSync(root, 0o755);
  const dataDir = path.join(root, 'data');
  const nodes: ViewerNode[] = [];
  for (const [i, name] of ['node-a', 'node-b'].entries()) {
    const port = await freePort();
    const n: ViewerNode = { name, dir: path.join(root, name), rel: `pcap/${name}.pcap`, uid: 41001 + i, port, base: `http://127.0.0.1:${port}`, stderr: '' };
    fs.mkdirSync(path.join(n.dir, 'pcap'), { recursive: true });
    nodes.push(n);
  }
  for (const [i, n] of nodes.entries()) fs.writeFileSync(path.join(n.dir, n.rel), Buffer.concat([pcapHeader, ...o.records[i]]));
  const configFile = path.join(root, 'config.ini');
  fs.writeFileSync(configFile, `[default]\ndataDir=${dataDir}\nserverSecret=${o.secret}\n`
    + nodes.map((n) => `[${n.name}]\nviewUrl=${n.base}\n`).join(''));
  const t: TwoViewers = {
    root, dataDir, configFile, nodes,
    async close() {
      for (const n of nodes) await stopViewer(n);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
  for (const n of nodes) execFileSync(packrat, ['capture', '-c', configFile, '-n', n.name, '-q', '-r', path.join(n.dir, n.rel)], { stdio: 'pipe' });
  const control = SqliteControl.open(dataDir);
  for (const n of nodes) {
    const files = control.listFiles(n.name);
    assert.equal(files.length, 1);
    control.updateFile(files[0].id!, { name: n.rel }); // relative: resolves only in the node's own folder
  }
  control.close();
  await o.prepare?.(t);
  if (isRoot) {
    execFileSync('chmod', ['-R', 'a+rwX', dataDir]);
    for (const n of nodes) {
      execFileSync('chown', ['-R', `${n.uid}:${n.uid}`, n.dir]);
      fs.chmodSync(n.dir, 0o700);
    }
  }
  await Promise.all(nodes.map((n) => startViewer(n, configFile)));
  return t;
}
