// The little of Redis that capture requests need: SUBSCRIBE to one channel and PUBLISH replies,
// in RESP2 over node:net, with reconnects (backoff 100 ms doubling to 5 s). Two connections: a
// subscribed connection may not publish. `redis://host:port[/db]`; the db only matters to
// PUBLISH's connection (pub/sub ignores it), selected all the same.
import net from 'node:net';

type Reply = string | number | null | Reply[] | Error;

export function parseRedisUrl(url: string): { host: string; port: number; db: number } {
  const m = /^redis:\/\/([^:/]+|\[[^\]]+\])(?::(\d+))?(?:\/(\d+))?\/?$/.exec(url);
  if (!m) throw new Error(`captureRequestRedis=${url}: expected redis://host:port[/db]`);
  return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2] ?? 6379), db: Number(m[3] ?? 0) };
}

/** Incremental RESP2 reader: feed bytes, take whole replies. */
export class RespReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): void { this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk; }

  /** The next whole reply, or undefined while it is incomplete. */
  next(): Reply | undefined {
    const r = this.parse(0);
    if (!r) return undefined;
    this.buf = this.buf.subarray(r.end);
    return r.value;
  }

  private parse(at: number): { value: Reply; end: number } | undefined {
    const nl = this.buf.indexOf('\r\n', at);
    if (nl < 0) return undefined;
    const type = String.fromCharCode(this.buf[at]);
    const line = this.buf.toString('utf8', at + 1, nl);
    const after = nl + 2;
    if (type === '+') return { value: line, end: after };
    if (type === '-') return { value: new Error(line), end: after };
    if (type === ':') return { value: Number(line), end: after };
    if (type === '$') {
      const n = Number(line);
      if (n < 0) return { value: null, end: after };
      if (this.buf.length < after + n + 2) return undefined;
      return { value: this.buf.toString('utf8', after, after + n), end: after + n + 2 };
    }
    if (type === '*') {
      const n = Number(line);
      if (n < 0) return { value: null, end: after };
      const out: Reply[] = [];
      let p = after;
      for (let i = 0; i < n; i++) {
        const e = this.parse(p);
        if (!e) return undefined;
        out.push(e.value);
        p = e.end;
      }
      return { value: out, end: p };
    }
    throw new Error(`redis: unexpected reply type ${JSON.stringify(type)}`);
  }
}

export function respCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/** One connection that comes back after it drops; `onConnect` sends what a new connection needs. */
class Conn {
  private sock: net.Socket | undefined;
  private closed = false;
  private wait = 100;
  private readonly pending: ((r: Reply) => void)[] = [];
  onReply: (r: Reply) => void = () => {};

  constructor(private readonly url: string, private readonly onConnect: (c: Conn) => void, private readonly log: (m: string) => void) { this.connect(); }

  private connect(): void {
    if (this.closed) return;
    const { host, port } = parseRedisUrl(this.url);
    const reader = new RespReader();
    const s = net.connect({ host, port });
    this.sock = s;
    s.setNoDelay(true);
    s.on('connect', () => { this.wait = 100; this.onConnect(this); });
    s.on('data', (d) => {
      reader.push(d);
      for (let r = reader.next(); r !== undefined; r = reader.next()) {
        const w = this.pending.shift();
        if (w) w(r); else this.onReply(r);
      }
    });
    s.on('error', (e) => this.log(`redis ${this.url}: ${e.message}`));
    s.on('close', () => {
      for (const w of this.pending.splice(0)) w(new Error('connection closed'));
      if (this.closed) return;
      setTimeout(() => this.connect(), this.wait).unref();
      this.wait = Math.min(this.wait * 2, 5000);
    });
  }

  get connected(): boolean { return this.sock?.readyState === 'open'; }

  /** Send a command; `expectReply` queues a waiter for its reply (not for SUBSCRIBE, whose confirmations are pushes). */
  send(args: string[], expectReply: boolean): Promise<Reply> {
    if (!this.sock || !this.connected) return Promise.resolve(new Error('not connected'));
    this.sock.write(respCommand(args));
    if (!expectReply) return Promise.resolve(null);
    return new Promise((resolve) => this.pending.push(resolve));
  }

  close(): void { this.closed = true; this.sock?.destroy(); }
}

export class RedisPubSub {
  private readonly sub: Conn;
  private readonly pub: Conn;
  private subscribedWaiters: (() => void)[] = [];
  private subscribedNow = false;

  /** `onMessage` gets each message of `channel`, also after a reconnect resubscribed it. */
  constructor(url: string, readonly channel: string, onMessage: (payload: string) => void, log: (m: string) => void = () => {}) {
    const db = String(parseRedisUrl(url).db); // also refuses a bad URL at once
    this.sub = new Conn(url, (c) => { this.subscribedNow = false; void c.send(['SUBSCRIBE', channel], false); }, log);
    this.sub.onReply = (r) => {
      if (!Array.isArray(r)) return;
      if (r[0] === 'message' && r[1] === channel && typeof r[2] === 'string') onMessage(r[2]);
      else if (r[0] === 'subscribe') { this.subscribedNow = true; for (const w of this.subscribedWaiters.splice(0)) w(); }
    };
    this.pub = new Conn(url, (c) => { if (db !== '0') void c.send(['SELECT', db], true); }, log);
  }

  /** Subscribed on a connection that is up. */
  get subscribed(): boolean { return this.subscribedNow && this.sub.connected; }

  /** Resolves once the channel is subscribed (or rejects after `ms`). */
  ready(ms = 10_000): Promise<void> {
    if (this.subscribed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`redis: not subscribed to ${this.channel} within ${ms} ms`)), ms);
      this.subscribedWaiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** PUBLISH; resolves with the number of receivers, or an Error when not connected. */
  async publish(channel: string, message: string): Promise<number | Error> {
    const r = await this.pub.send(['PUBLISH', channel, message], true);
    return typeof r === 'number' ? r : r instanceof Error ? r : new Error(`redis: unexpected reply ${JSON.stringify(r)}`);
  }

  close(): void { this.sub.close(); this.pub.close(); }
}
