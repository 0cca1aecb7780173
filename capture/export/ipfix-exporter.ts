// Sends IPFIX messages (ipfix.ts) to a collector as sessions close: on the capture's main thread,
// fed the flow records the packet workers build beside each saved session document.
// UDP (default): templates first, then again every `ipfixTemplateRefresh` seconds and every
// `ipfixTemplateRefreshMessages` messages (RFC 7011 §8.4). TCP: templates once per connection;
// a lost connection is opened again (at most once a second) and starts with the templates.
// A collector that is down costs records (counted in `stats.dropped`), never the capture.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, isIPv6, type Socket as TcpSocket } from 'node:net';
import { ConfigError, type Config } from '../../db/config.js';
import { IpfixEncoder, type FlowRecord } from './ipfix.js';

export interface IpfixTarget { transport: 'udp' | 'tcp'; host: string; port: number }

/** host:port, [v6]:port, udp://host:port or tcp://host:port. */
export function parseCollector(v: string): IpfixTarget | undefined {
  const m = /^(?:(udp|tcp):\/\/)?(\[[^\]]+\]|[^:/\s]+):(\d{1,5})$/.exec(v.trim());
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) return undefined;
  return { transport: (m[1] ?? 'udp') as 'udp' | 'tcp', host: m[2].replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

export interface IpfixExporterOptions {
  target: IpfixTarget;
  observationDomain: number;
  pen: number;
  templateRefreshSec: number;
  templateRefreshMessages: number;
  log?: (line: string) => void;
}

/** Whether this node exports IPFIX (ipfixCollector= is set). The packet workers ask to build records. */
export function ipfixEnabled(config: Config): boolean { return config.str('ipfixCollector', '').trim() !== ''; }

/** The exporter a node's config asks for, or undefined; errors name the config file and key. */
export function ipfixExporterFromConfig(config: Config, log?: (line: string) => void): IpfixExporter | undefined {
  const v = config.str('ipfixCollector', '').trim();
  if (!v) return undefined;
  const target = parseCollector(v);
  if (!target) throw new ConfigError(`${config.file}: ipfixCollector=${v}: expected host:port, udp://host:port or tcp://host:port`);
  return new IpfixExporter({
    target,
    observationDomain: config.int('ipfixObservationDomain', 0, 0, 2 ** 32 - 1),
    pen: config.int('ipfixEnterpriseNumber', 32473, 1, 2 ** 32 - 1),
    templateRefreshSec: config.int('ipfixTemplateRefresh', 60, 1),
    templateRefreshMessages: config.int('ipfixTemplateRefreshMessages', 100, 0),
    log,
  });
}

export class IpfixExporter {
  readonly stats = { records: 0, messages: 0, templates: 0, dropped: 0, errors: 0 };
  private readonly enc: IpfixEncoder;
  private udp?: UdpSocket;
  private tcp?: TcpSocket;
  private tcpRetryAt = 0;
  private lastTemplates = -Infinity;
  private sinceTemplates = 0;
  private inFlight = 0;
  private drained: (() => void)[] = [];
  private lastError = '';

  constructor(readonly o: IpfixExporterOptions) {
    // UDP: stay under a 1500-byte path MTU (IPv6 + UDP headers); TCP: larger messages.
    this.enc = new IpfixEncoder({ observationDomain: o.observationDomain, pen: o.pen, maxMessage: o.target.transport === 'udp' ? 1400 : 16384 });
    if (o.target.transport === 'udp') {
      this.udp = createSocket(isIPv6(o.target.host) ? 'udp6' : 'udp4');
      this.udp.on('error', (e) => this.fault(e));
      this.udp.unref();
    }
  }

  /** Encode and send the records of sessions just saved. */
  add(records: readonly FlowRecord[]): void {
    if (!records.length) return;
    const now = Date.now();
    if (this.o.target.transport === 'tcp' && !this.tcpUsable(now)) { this.stats.dropped += records.length; return; }
    for (const m of this.enc.encode(records, Math.floor(now / 1000), () => this.templatesDue(now))) {
      this.stats.messages++;
      this.send(m);
    }
    this.stats.records += records.length;
  }

  /** Asked at the start of each message: whether it carries the templates. */
  private templatesDue(now: number): boolean {
    const due = this.o.target.transport === 'udp'
      ? now - this.lastTemplates >= this.o.templateRefreshSec * 1000 ||
        (this.o.templateRefreshMessages > 0 && this.sinceTemplates >= this.o.templateRefreshMessages)
      : this.lastTemplates < 0; // TCP: once per connection
    if (due) { this.lastTemplates = now; this.sinceTemplates = 0; this.stats.templates++; }
    this.sinceTemplates++;
    return due;
  }

  /** Wait for every message to leave, then close the socket. */
  async close(): Promise<void> {
    if (this.inFlight) await new Promise<void>((r) => this.drained.push(r));
    if (this.udp) await new Promise<void>((r) => this.udp!.close(() => r()));
    if (this.tcp && !this.tcp.destroyed) await new Promise<void>((r) => this.tcp!.end(() => r()));
  }

  private send(m: Uint8Array): void {
    this.inFlight++;
    const done = (e?: Error | null) => {
      if (e) this.fault(e);
      if (--this.inFlight === 0) for (const r of this.drained.splice(0)) r();
    };
    if (this.udp) this.udp.send(m, this.o.target.port, this.o.target.host, done);
    else this.tcp!.write(m, done);
  }

  /** A TCP connection that is open or opening; a new one starts with the templates. */
  private tcpUsable(now: number): boolean {
    if (this.tcp && !this.tcp.destroyed) return true;
    if (now < this.tcpRetryAt) return false;
    this.tcpRetryAt = now + 1000;
    this.lastTemplates = -Infinity;
    const s = connect({ host: this.o.target.host, port: this.o.target.port });
    s.setNoDelay(true);
    s.on('error', (e) => this.fault(e));
    this.tcp = s;
    return true;
  }

  private fault(e: Error): void {
    this.stats.errors++;
    if (e.message !== this.lastError) {
      this.lastError = e.message;
      this.o.log?.(`packrat: IPFIX export to ${this.o.target.transport}://${this.o.target.host}:${this.o.target.port}: ${e.message}`);
    }
  }
}
