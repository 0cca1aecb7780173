// Two network namespaces joined by a veth pair, for live capture tests (needs root and iproute2).
// Names carry a random suffix; addresses exist only inside the namespaces; IPv6 is off and ARP
// entries are static so that the only packets on the wire are the ones a test sends.
import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export const IP_A = '10.199.0.1';
export const IP_B = '10.199.0.2';

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export function canMakeNetns(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try { run('ip', ['-V']); } catch { return 'iproute2 (ip) missing'; }
  return undefined;
}

export function hasCommand(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

export class VethLab {
  readonly nsA: string;
  readonly nsB: string;
  readonly devA: string;
  readonly devB: string;
  private readonly children: ChildProcess[] = [];

  constructor() {
    const id = randomBytes(3).toString('hex');
    this.nsA = `pr-a-${id}`;
    this.nsB = `pr-b-${id}`;
    this.devA = `pra${id}`;
    this.devB = `prb${id}`;
    try {
      this.setUp();
    } catch (e) {
      this.destroy();
      throw e;
    }
  }

  private setUp(): void {
    for (const ns of [this.nsA, this.nsB]) {
      run('ip', ['netns', 'add', ns]);
      this.exec(ns, 'sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
      this.exec(ns, 'ip', ['link', 'set', 'lo', 'up']);
    }
    run('ip', ['link', 'add', this.devA, 'netns', this.nsA, 'type', 'veth', 'peer', 'name', this.devB, 'netns', this.nsB]);
    const sides: [string, string, string][] = [[this.nsA, this.devA, IP_A], [this.nsB, this.devB, IP_B]];
    for (const [ns, dev, ip] of sides) {
      // No offloads: both ends then see the same wire-sized frames with final checksums.
      this.execQuiet(ns, 'ethtool', ['-K', dev, 'tso', 'off', 'gso', 'off', 'gro', 'off', 'tx', 'off']);
      this.exec(ns, 'ip', ['addr', 'add', `${ip}/24`, 'dev', dev]);
      this.exec(ns, 'ip', ['link', 'set', dev, 'up']);
    }
    const macA = this.mac(this.nsA, this.devA);
    const macB = this.mac(this.nsB, this.devB);
    this.exec(this.nsA, 'ip', ['neigh', 'replace', IP_B, 'lladdr', macB, 'dev', this.devA, 'nud', 'permanent']);
    this.exec(this.nsB, 'ip', ['neigh', 'replace', IP_A, 'lladdr', macA, 'dev', this.devB, 'nud', 'permanent']);
  }

  mac(ns: string, dev: string): string {
    const out = this.exec(ns, 'cat', [`/sys/class/net/${dev}/address`]);
    return out.trim();
  }

  exec(ns: string, cmd: string, args: string[], timeoutMs = 30_000): string {
    return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  private execQuiet(ns: string, cmd: string, args: string[]): void {
    try { this.exec(ns, cmd, args); } catch { /* optional tool */ }
  }

  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const c = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    this.children.push(c);
    return c;
  }

  destroy(): void {
    for (const c of this.children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const ns of [this.nsA, this.nsB]) {
      try { run('ip', ['netns', 'del', ns]); } catch { /* not created */ }
    }
  }
}

/** Lines of a child's stdout, as an async queue. */
export class LineReader {
  private buf = '';
  private lines: string[] = [];
  private waiters: ((l: string | undefined) => void)[] = [];
  private ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiters.shift();
        if (w) w(line); else this.lines.push(line);
      }
    });
    stream.on('end', () => { this.ended = true; for (const w of this.waiters.splice(0)) w(undefined); });
  }

  next(timeoutMs = 30_000): Promise<string | undefined> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line from child within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push((line) => { clearTimeout(t); resolve(line); });
    });
  }
}
