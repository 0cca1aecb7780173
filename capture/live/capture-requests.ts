// Capture requests on a live node (pcapdaemon's model; with pause/resume and per-request
// transforms, also issue 16's "experiments"). Requests reach the node two ways:
//   - the control store: the viewer stores one queued request per matching node; this node
//     looks every `captureRequestPollMs` (1 s) for queued requests of its own and claims each
//     (queued → running, atomically) while fewer than `maxCaptureRequests` run;
//   - Redis: with `captureRequestRedis=`, the node subscribes to `captureRequestChannel=`, checks
//     each message and, when it is for this node, stores it as a running request of its own;
//     accepted/error (and, at the end, done) go back on `<channel>:reply` or the request's `reply`.
//
// Each request opens its own socket (a tpacketv3 ring outside the main capture's fanout group,
// with the request's BPF and snap length), so the main capture sees every packet as before. It
// keeps the packets in memory as a pcap, up to its byte limit, and ends at the first of:
// packets (exactly N kept), bytes (pcap bytes: the 24-byte header plus 16 and the captured
// length per packet; as in pcapdaemon, the packet that takes the total over the limit is kept
// and ends the capture), duration (packets stamped later than start + duration are not kept),
// idle timeout (no packet kept for that long), or cancel. Then it delivers: a file in
// destination.folder, an HTTP POST to destination.url, and/or an import into the store (the
// offline import with --copy) with the request's tags. Every second the node writes the
// request's counts; a refused write (the request is no longer running or paused) is a cancel,
// and the state it reads back tells it whether it is paused (packets are then seen, not kept).
// A request that fails (its socket, a transform, a destination) fails alone.
import { mkdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../db/config.js';
import type { CaptureRequestDoc, CaptureRequestState, ControlStore } from '../../db/backend/control-store.js';
import {
  CaptureRequest, CaptureRequestError, captureRequestLimits, captureRequestTags, checkFolder, checkUrl, newCaptureRequestId,
  parseCaptureRequest, requestMatchesNode,
} from '../../db/capture-request.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_TS_SEC, M_TS_USEC, M_WIRELEN, PacketBatch } from '../readers/types.js';
import { applyTransforms, checkTransformSpec, transformsFromSpec, type BatchTransform } from '../transform/batch-transform.js';
import { runImport } from '../pipeline/import.js';
import { LiveSource } from './live-source.js';
import { loadNativeCapture, type NativeCapture } from './native.js';
import type { LiveCaptureOptions } from './options.js';
import { pcapGlobalHeader } from './pcap-writer.js';
import { writeRecordHeader } from '../../db/pcap/format.js';
import { RedisPubSub } from './redis-pubsub.js';

const ACTIVE: readonly CaptureRequestState[] = ['running', 'paused'];
const CHUNK = 1 << 20;

export interface CaptureRequestRunnerOptions {
  config: Config;
  node: string;
  control: ControlStore;
  live: LiveCaptureOptions;
  log: (line: string) => void;
  addon?: NativeCapture;
}

/** The node's capture-request keys; undefined when requests are off (`maxCaptureRequests=0`). */
export function captureRequestSettings(config: Config) {
  return {
    max: config.int('maxCaptureRequests', 4, 0, 64),
    pollMs: config.int('captureRequestPollMs', 1000, 50, 60_000),
    redis: config.str('captureRequestRedis', ''),
    channel: config.str('captureRequestChannel', 'capture'),
    aliases: new Map(config.list('captureRequestAliases').map((a) => {
      const i = a.indexOf(':');
      if (i <= 0) throw new Error(`${config.file}: captureRequestAliases entry '${a}' is not alias:interface`);
      return [a.slice(0, i), a.slice(i + 1)] as const;
    })),
    limits: captureRequestLimits(config),
  };
}

export class CaptureRequestRunner {
  private readonly settings: ReturnType<typeof captureRequestSettings>;
  private readonly running = new Map<string, RequestCapture>();
  private readonly finished: Promise<void>[] = [];
  private poll: NodeJS.Timeout | undefined;
  private polling = false;
  private stopped = false;
  private redis: RedisPubSub | undefined;
  private addon: NativeCapture | undefined;
  private staleDone: Promise<void> = Promise.resolve();

  constructor(private readonly o: CaptureRequestRunnerOptions) {
    this.settings = captureRequestSettings(o.config);
  }

  get enabled(): boolean { return this.settings.max > 0; }

  start(): void {
    if (!this.enabled) return;
    // Before this node starts any request: its own left running by an earlier run are failed.
    this.staleDone = this.failStale();
    this.poll = setInterval(() => { void this.staleDone.then(() => this.pollOnce()); }, this.settings.pollMs);
    if (this.settings.redis) {
      this.redis = new RedisPubSub(this.settings.redis, this.settings.channel, (m) => { void this.onRedis(m); }, (m) => this.o.log(`packrat: capture requests: ${m}`));
      this.o.log(`packrat: capture requests: listening on ${this.settings.redis} channel ${this.settings.channel}`);
    }
  }

  /** Requests this node was running when it stopped without ending them (killed): failed, they will not resume. */
  private async failStale(): Promise<void> {
    try {
      for (const d of await this.o.control.listCaptureRequests({ node: this.o.node, states: ACTIVE })) {
        await this.o.control.updateCaptureRequest(d.id, { state: 'failed', finished: Date.now(), stopReason: 'error', error: 'the capture node stopped while the request ran' }, ACTIVE);
      }
    } catch (e) {
      this.pollError(e as Error);
    }
  }

  private lastPollError = '';
  /** Control store trouble, logged once per distinct message (the poll runs every second). */
  private pollError(e: Error): void {
    if (e.message === this.lastPollError) return;
    this.lastPollError = e.message;
    this.o.log(`packrat: capture requests: cannot read the control store: ${e.message}`);
  }

  private nativeAddon(): NativeCapture { return this.addon ??= this.o.addon ?? loadNativeCapture(); }

  private checkBpf = (expr: string, snap: number): void => { this.nativeAddon().compileBpf(expr, 1, snap); };
  private checkTransforms = (spec: Record<string, unknown>): void => { checkTransformSpec(spec, this.o.config.str('anonymizeKey', '')); };

  private async pollOnce(): Promise<void> {
    if (this.polling || this.stopped) return;
    this.polling = true;
    try {
      if (this.running.size >= this.settings.max) return;
      const queued = (await this.o.control.listCaptureRequests({ node: this.o.node, states: ['queued'] })).reverse(); // oldest first
      for (const q of queued) {
        if (this.running.size >= this.settings.max || this.stopped) break;
        const doc = await this.o.control.updateCaptureRequest(q.id, { state: 'running', started: Date.now() }, ['queued']);
        if (doc) this.launch(doc);
      }
      this.lastPollError = '';
    } catch (e) {
      this.pollError(e as Error);
    } finally {
      this.polling = false;
    }
  }

  /** A Redis message: check it; when it is for this node store it as running and start it. */
  /** Publishes answers on a request's `reply` channel, else on `<channel>:reply`. */
  private replier(replyTo: unknown): (o: Record<string, unknown>) => void {
    const channel = typeof replyTo === 'string' && replyTo ? replyTo : `${this.settings.channel}:reply`;
    return (o) => { void this.redis?.publish(channel, JSON.stringify({ node: this.o.node, ...o })); };
  }

  private async onRedis(text: string): Promise<void> {
    let replyTo: unknown;
    try { replyTo = (JSON.parse(text) as Record<string, unknown> | null)?.reply; } catch { /* parseCaptureRequest names it */ }
    const reply = this.replier(replyTo);
    let req: CaptureRequest;
    await this.staleDone;
    try {
      req = parseCaptureRequest(text, this.settings.limits, this.checkBpf, this.checkTransforms);
      if (!requestMatchesNode(req, this.o.node)) {
        // Another node's: it answers. A request no known node matches gets an error from each.
        const known = (await this.o.control.allStats()).map((s) => String(s.nodeName ?? ''));
        if (!known.some((n) => requestMatchesNode(req, n))) {
          throw new CaptureRequestError(req.node !== undefined ? 'node' : 'nodere', `matches no capture node (nodes: ${known.join(', ') || 'none'})`);
        }
        return;
      }
      if (this.stopped) throw new CaptureRequestError('node', `node ${this.o.node} is shutting down`);
      const id = newCaptureRequestId();
      const now = Date.now();
      const running = this.running.size < this.settings.max;
      const doc: CaptureRequestDoc = {
        id, node: this.o.node, state: running ? 'running' : 'queued', request: { ...req }, created: now,
        ...(running ? { started: now } : {}), packets: 0, bytes: 0, via: 'redis',
      };
      await this.o.control.addCaptureRequest(doc);
      reply({ status: 'accepted', id, state: doc.state });
      if (running) this.launch(doc);
    } catch (e) {
      const field = e instanceof CaptureRequestError ? e.field : undefined;
      reply({ status: 'error', ...(field ? { field } : {}), error: (e as Error).message });
    }
  }

  private launch(doc: CaptureRequestDoc): void {
    // A request that came by Redis is told its end there too (also when it waited, queued).
    const reply = doc.via === 'redis' ? this.replier(doc.request.reply) : undefined;
    const rc = new RequestCapture(doc, this.o, this.settings.aliases, () => this.nativeAddon());
    this.running.set(doc.id, rc);
    this.o.log(`packrat: capture request ${doc.id}: started (${JSON.stringify(doc.request)})`);
    const p = rc.run().then((final) => {
      this.o.log(`packrat: capture request ${doc.id}: ${final.state} (${final.stopReason ?? ''}), ${final.packets} packets, ${final.bytes} bytes${final.error ? `: ${final.error}` : ''}`);
      reply?.({ status: final.state, id: doc.id, packets: final.packets, bytes: final.bytes, stopReason: final.stopReason, ...(final.error ? { error: final.error } : {}) });
    }).finally(() => { this.running.delete(doc.id); void this.pollOnce(); });
    this.finished.push(p);
  }

  /** Stop taking requests, end the running ones (stop reason `shutdown`) and wait for their delivery. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poll) clearInterval(this.poll);
    for (const rc of this.running.values()) rc.end('shutdown');
    await Promise.allSettled(this.finished);
    this.redis?.close();
  }
}

/** One request's own socket, its packets in memory, and its delivery. */
class RequestCapture {
  private readonly req: CaptureRequest;
  private stopReason: string | undefined;
  private paused = false;
  private src: LiveSource | undefined;
  private readonly chunks: Buffer[] = [];
  private chunk = Buffer.allocUnsafe(CHUNK);
  private used = 0;
  private packets = 0;
  private bytes = 24;
  private seen = 0;
  private startMs = 0;
  private lastKeptMs = 0;
  /** Duration end in µs since the epoch: later packets are not kept. */
  private deadlineUs = Infinity;

  constructor(private readonly doc: CaptureRequestDoc, private readonly o: CaptureRequestRunnerOptions,
    private readonly aliases: Map<string, string>, private readonly addon: () => NativeCapture) {
    this.req = doc.request as unknown as CaptureRequest;
  }

  private interfaces(): string[] {
    if (this.req.interface) return this.req.interface;
    if (this.req.alias) {
      return this.req.alias.map((a) => {
        const i = this.aliases.get(a);
        if (!i) throw new CaptureRequestError('alias', `no interface alias '${a}' on node ${this.o.node} (captureRequestAliases)`);
        return i;
      });
    }
    return this.o.live.interfaces;
  }

  /** End the capture (the first reason wins); the socket closes once the current batch is done. */
  end(reason: string): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    // Packets stamped before a duration's end may still sit in a block the kernel has not retired.
    // Closing at once is safe: this runs between batches, or from take(), which then touches its batch no more.
    if (reason === 'duration') setTimeout(() => this.src?.close(), 2 * this.o.live.timeoutMs + 50).unref();
    else this.src?.close();
  }

  async run(): Promise<CaptureRequestDoc> {
    let error: string | undefined;
    let linktype = 1;
    let drops = 0;
    const timers: NodeJS.Timeout[] = [];
    try {
      const steps: BatchTransform[] = transformsFromSpec(checkTransformSpec(this.req.transforms ?? {}, this.o.config.str('anonymizeKey', '')));
      this.src = new LiveSource({
        ...this.o.live, interfaces: this.interfaces(), readMethod: 'tpacketv3', numThreads: 1, fanout: false,
        snapLen: this.req.snap, bpf: this.req.bpf ?? '', blockSize: 1 << 20, numBlocks: 16,
      }, this.addon());
      this.src.onWarning = (iface, m) => this.o.log(`packrat: capture request ${this.doc.id}: interface ${iface}: ${m}`);
      linktype = this.src.linktypes()[0] ?? 1;
      this.startMs = this.lastKeptMs = Date.now();
      this.deadlineUs = (this.startMs + this.req.duration * 1000) * 1000;
      timers.push(setTimeout(() => this.end('duration'), this.req.duration * 1000));
      const timeout = this.req.timeout;
      if (timeout !== undefined) {
        timers.push(setInterval(() => { if (!this.paused && Date.now() - this.lastKeptMs >= timeout * 1000) this.end('timeout'); }, 50));
      }
      timers.push(setInterval(() => { void this.report(); }, 1000));
      const batch = new PacketBatch(new Uint8Array(0), 8192);
      while (await this.src.ready()) {
        while (this.src.next(batch) && batch.count > 0) {
          this.seen += batch.count; // before the request's transforms: an experiment's "seen" is what its socket read
          applyTransforms(steps, batch);
          if (this.take(batch)) break;
        }
      }
      if (this.src.error && !this.stopReason) throw this.src.error;
      drops = this.drops();
    } catch (e) {
      error = (e as Error).message;
      this.stopReason ??= 'error';
    } finally {
      for (const t of timers) clearTimeout(t);
      this.src?.close();
    }
    const delivered: Record<string, unknown> = {};
    if (!error) {
      try { await this.deliver(linktype, delivered); } catch (e) { error = (e as Error).message; }
    }
    const finalPatch: Partial<CaptureRequestDoc> = {
      finished: Date.now(), packets: this.packets, bytes: this.bytes, seen: this.seen, drops, stopReason: this.stopReason, delivered,
      ...(error ? { error } : {}),
    };
    // A cancelled request stays cancelled (what it had is delivered all the same).
    const done = await this.o.control.updateCaptureRequest(this.doc.id, { ...finalPatch, state: error ? 'failed' : 'done' }, ['running', 'paused'])
      ?? await this.o.control.updateCaptureRequest(this.doc.id, { ...finalPatch, ...(error ? { state: 'failed' as const } : {}) });
    return done ?? { ...this.doc, ...finalPatch, state: error ? 'failed' : 'done' };
  }

  /** Keep the batch's packets; true once a limit ended the capture. */
  private take(batch: PacketBatch): boolean {
    if (this.paused) return false;
    const meta = batch.meta;
    const kept = this.packets;
    for (let i = 0; i < batch.count; i++) {
      const m = i * META_STRIDE;
      const sec = meta[m + M_TS_SEC], usec = meta[m + M_TS_USEC];
      if (this.stopReason && !(this.stopReason === 'duration' && sec * 1e6 + usec <= this.deadlineUs)) return true;
      if (sec * 1e6 + usec > this.deadlineUs) continue;
      const caplen = meta[m + M_CAPLEN];
      if (this.used + 16 + caplen > this.chunk.length) {
        this.chunks.push(this.chunk.subarray(0, this.used));
        this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, 16 + caplen));
        this.used = 0;
      }
      const p = this.used + writeRecordHeader(this.chunk, this.used, sec, usec, caplen, meta[m + M_WIRELEN]);
      this.chunk.set(batch.buf.subarray(meta[m + M_DATA_OFF], meta[m + M_DATA_OFF] + caplen), p);
      this.used = p + caplen;
      this.packets++;
      this.bytes += 16 + caplen;
      if (this.req.packets !== undefined && this.packets >= this.req.packets) { this.end('packets'); return true; }
      if (this.bytes > this.req.bytes) { this.end('bytes'); return true; }
    }
    if (this.packets > kept) this.lastKeptMs = Date.now(); // the idle timeout counts from the batch's last kept packet
    return false;
  }

  /** Packets the kernel dropped for this request's socket. */
  private drops(): number { return this.src?.stats().reduce((a, x) => a + x.drops, 0) ?? 0; }

  /** Counts to the control store; learns of pause, resume and cancel from its answer. */
  private async report(): Promise<void> {
    if (this.stopReason) return;
    try {
      const d = await this.o.control.updateCaptureRequest(this.doc.id, { packets: this.packets, bytes: this.bytes, seen: this.seen, drops: this.drops() }, ACTIVE);
      if (!d) { this.end('cancel'); return; }
      const paused = d.state === 'paused';
      if (this.paused && !paused) this.lastKeptMs = Date.now(); // an idle timeout counts from the resume
      this.paused = paused;
    } catch (e) {
      this.o.log(`packrat: capture request ${this.doc.id}: cannot update its counts: ${(e as Error).message}`);
    }
  }

  private pcap(linktype: number): Buffer<ArrayBuffer> {
    return Buffer.concat([pcapGlobalHeader(this.req.snap, linktype), ...this.chunks, this.chunk.subarray(0, this.used)]);
  }

  private async deliver(linktype: number, delivered: Record<string, unknown>): Promise<void> {
    const d = this.req.destination;
    const pcap = this.pcap(linktype);
    const name = `${this.o.node}-capture-request-${this.doc.id}.pcap`;
    const errors: string[] = [];
    if (d.folder) {
      try {
        checkFolder(d.folder, this.o.config.str('captureRequestFolderRoot', '')); // this node's root, whoever checked the request
        mkdirSync(d.folder, { recursive: true });
        const file = join(d.folder, name);
        writeFileSync(file, pcap);
        delivered.folder = file;
      } catch (e) { errors.push(`destination.folder: ${(e as Error).message}`); }
    }
    if (d.url) {
      try {
        checkUrl(d.url, this.o.config.list('captureRequestUrls'));
        const r = await fetch(d.url, {
          method: 'POST', body: pcap, signal: AbortSignal.timeout(60_000),
          headers: { 'content-type': 'application/vnd.tcpdump.pcap', 'x-packrat-capture-request': this.doc.id, 'x-packrat-node': this.o.node },
        });
        await r.arrayBuffer();
        delivered.url = r.status;
        if (!r.ok) errors.push(`destination.url: ${d.url} answered ${r.status}`);
      } catch (e) { errors.push(`destination.url: ${(e as Error).message}`); }
    }
    if (d.import) {
      const dir = mkdtempSync(join(tmpdir(), 'packrat-capreq-'));
      try {
        const file = join(dir, name);
        writeFileSync(file, pcap);
        const r = await runImport(this.o.config, this.o.node, [file], {
          tags: captureRequestTags(this.req, this.doc.id), copy: true, deleteAfter: true, flushBetweenFiles: true, monitorDirs: [], quiet: true,
        });
        delivered.import = { sessions: r.sessions, packets: r.packets, file: r.copies[0] };
        if (r.errors.length) errors.push(`destination.import: ${r.errors.join('; ')}`);
      } catch (e) {
        errors.push(`destination.import: ${(e as Error).message}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    if (errors.length) throw new Error(errors.join('; '));
  }
}
