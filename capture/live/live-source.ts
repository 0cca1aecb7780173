// A PacketSource over live interfaces: tpacketv3 rings (or libpcap batches) from the native addon.
//
// Use:  while (await src.ready()) { while (src.next(batch) && batch.count > 0) process(batch); }
// A batch's bytes are the ring block itself; they stay valid until the next call to next() or
// close(), when the block goes back to the kernel. next() never blocks: with nothing queued it
// returns true with count 0; it returns false once the source is closed (or every reader died).
import { PacketBatch, PacketSource, ReaderError } from '../readers/types.js';
import { BlockCursor } from './block-walker.js';
import { LiveCaptureError, NativeCapture, NativeRing, NativeStats, loadNativeCapture } from './native.js';
import { LiveCaptureOptions, liveDefaults } from './options.js';

export class LiveReaderError extends ReaderError {
  constructor(readonly iface: string, reason: string) {
    super(`interface ${iface}`, -1, reason);
    this.message = `interface ${iface}: ${reason}`;
  }
}

export interface InterfaceStats {
  name: string;
  /** Packets the kernel (or libpcap) saw for us, drops included. */
  packets: number;
  drops: number;
  freezeCount: number;
  ifDrops: number;
  /** Packets handed to the pipeline. */
  delivered: number;
  warnings: number;
  lastWarning: string;
}

interface Ring {
  iface: string;
  ifIndex: number;
  native: NativeRing;
  view: DataView;
  blocks: Uint8Array[];
  delivered: number;
  dead: boolean;
}

export class LiveSource implements PacketSource {
  readonly path: string;
  readonly size = -1;
  position = 0;
  error: ReaderError | undefined;
  /** Called for non-fatal reader trouble (interface down, ...); capture goes on. */
  onWarning: (iface: string, message: string) => void = () => {};

  private readonly addon: NativeCapture;
  private readonly rings: Ring[] = [];
  private readonly queue: Int32Array;  // ring index << 16 | block, FIFO
  private qHead = 0;
  private qLen = 0;
  private readonly cursor = new BlockCursor();
  private curRing = -1;
  private curBlock = -1;
  private closed = false;
  private waiter: ((ok: boolean) => void) | undefined;
  private readonly opts: LiveCaptureOptions;

  constructor(options: Partial<LiveCaptureOptions> & { interfaces: string[] }, addon?: NativeCapture) {
    const o = { ...liveDefaults, ...options };
    this.opts = o;
    if (o.interfaces.length === 0) throw new LiveCaptureError('live capture: no interface configured (interface=eth1;eth2)');
    this.addon = addon ?? loadNativeCapture();
    if (o.bpf && !this.addon.hasLibpcap) {
      throw new LiveCaptureError(`bpf=${o.bpf}: compiling a BPF filter needs libpcap, and the capture addon was built without it; ` +
        'install the libpcap-dev package and rebuild the addon (node capture/native/build.mjs)');
    }
    if (o.readMethod === 'libpcap' && !this.addon.hasLibpcap) {
      throw new LiveCaptureError('pcapReadMethod=libpcap: the capture addon was built without libpcap; ' +
        'install the libpcap-dev package and rebuild the addon, or use pcapReadMethod=tpacketv3');
    }
    this.path = `live:${o.interfaces.join(';')}`;
    try {
      o.interfaces.forEach((iface, i) => this.openInterface(iface, i));
    } catch (e) {
      this.close();
      throw e instanceof LiveCaptureError ? e : new LiveCaptureError((e as Error).message);
    }
    let total = 0;
    for (const r of this.rings) total += r.native.numBlocks;
    this.queue = new Int32Array(total + 1);
  }

  private openInterface(iface: string, ifIndex: number): void {
    const o = this.opts;
    const sockets = o.readMethod === 'tpacketv3' ? o.numThreads : 1;
    for (let t = 0; t < sockets; t++) {
      const idx = this.rings.length;
      const native = this.addon.open(o.readMethod, {
        interface: iface,
        blockSize: o.blockSize,
        numBlocks: o.numBlocks,
        snapLen: o.snapLen,
        fanoutGroup: o.readMethod === 'tpacketv3' && o.fanout ? ((o.clusterId + ifIndex) & 0xffff) || 1 : 0,
        promisc: o.promisc ? 1 : 0,
        timeoutMs: o.timeoutMs,
        bufferSize: o.bufferSize,
        bpf: o.bpf || undefined,
      }, (block, message) => this.onBlock(idx, block, message));
      const blocks: Uint8Array[] = [];
      for (let b = 0; b < native.numBlocks; b++) blocks.push(new Uint8Array(native.buffer, b * native.blockSize, native.blockSize));
      this.rings.push({ iface, ifIndex, native, view: new DataView(native.buffer), blocks, delivered: 0, dead: false });
    }
  }

  private onBlock(ring: number, block: number, message?: string): void {
    if (this.closed) return;
    const r = this.rings[ring];
    if (block >= 0) {
      this.queue[(this.qHead + this.qLen) % this.queue.length] = (ring << 16) | block;
      this.qLen++;
      this.wake(true);
      return;
    }
    if (block === -1) { this.onWarning(r.iface, message ?? ''); return; }
    r.dead = true;
    this.error = new LiveReaderError(r.iface, message ?? 'reader stopped');
    if (this.rings.every((x) => x.dead)) this.wake(false);
  }

  private wake(ok: boolean): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w(ok);
  }

  /** Resolves true when a block is waiting, false when the source is closed or every reader died. */
  ready(): Promise<boolean> {
    if (this.qLen > 0 || this.cursor.left > 0) return Promise.resolve(true);
    if (this.closed || this.rings.every((r) => r.dead)) return Promise.resolve(false);
    if (this.waiter) this.waiter(true);  // one waiter at a time: an older one just re-checks
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** LINKTYPE of each interface, in `interfaces` order. */
  linktypes(): number[] {
    const out: number[] = [];
    for (const r of this.rings) out[r.ifIndex] = r.native.linktype;
    return out;
  }

  next(batch: PacketBatch): boolean {
    batch.count = 0;
    if (this.closed) return false;
    if (this.cursor.left === 0) {
      this.releaseCurrent();
      if (this.qLen === 0) return !this.rings.every((r) => r.dead);
      const e = this.queue[this.qHead];
      this.qHead = (this.qHead + 1) % this.queue.length;
      this.qLen--;
      const ring = this.rings[e >> 16];
      this.curRing = e >> 16;
      this.curBlock = e & 0xffff;
      ring.delivered += this.cursor.begin(ring.view, ring.blocks[this.curBlock], this.curBlock * ring.native.blockSize);
    }
    this.position += this.cursor.fill(batch, this.rings[this.curRing].native.linktype);
    return true;
  }

  private releaseCurrent(): void {
    if (this.curRing < 0) return;
    const ring = this.rings[this.curRing];
    this.addon.release(ring.native.handle, this.curBlock);
    this.curRing = -1;
    this.curBlock = -1;
  }

  private finalStats: InterfaceStats[] | undefined;

  /** Per-interface counters, summed over its sockets (frozen at close()). */
  stats(): InterfaceStats[] {
    if (this.finalStats) return this.finalStats;
    const out: InterfaceStats[] = [];
    for (const r of this.rings) {
      let s = out[r.ifIndex];
      if (!s) {
        s = { name: r.iface, packets: 0, drops: 0, freezeCount: 0, ifDrops: 0, delivered: 0, warnings: 0, lastWarning: '' };
        out[r.ifIndex] = s;
      }
      const n: NativeStats = this.addon.stats(r.native.handle);
      s.packets += n.packets;
      s.drops += n.drops;
      s.freezeCount += n.freezeCount;
      s.ifDrops += n.ifDrops;
      s.warnings += n.warnings;
      if (n.lastWarning) s.lastWarning = n.lastWarning;
      s.delivered += r.delivered;
    }
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.finalStats = this.stats();
    this.closed = true;
    this.cursor.left = 0;
    for (const r of this.rings) this.addon.close(r.native.handle);
    this.qLen = 0;
    this.wake(false);
  }
}
