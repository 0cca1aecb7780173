// One packet worker: decodes the packets it owns from a batch and keeps their sessions.
// Runs in-process (--json, packetThreads=1) or inside a worker thread (see worker-thread.ts).
import { threadId } from 'node:worker_threads';
import { DecodedPacket, PacketKind } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, type PacketBatch } from '../readers/types.js';
import { buildDocument, type DocOptions } from '../session/document.js';
import { SessionTable } from '../session/session-table.js';
import type { Session } from '../session/session.js';
import type { CaptureSettings } from './setup.js';
import { FragmentAssembler } from './fragments.js';
import { arkimeThreadOf } from '../session/arkime-thread.js';

export type DocSink = (doc: Record<string, unknown>) => void;

export class PacketWorker {
  private static made = 0;
  readonly table: SessionTable;
  private readonly p = new DecodedPacket();
  private readonly frags = new FragmentAssembler();
  private docOpts: DocOptions;
  packets = 0;
  corrupt = 0;
  saveErrors = 0;

  constructor(settings: CaptureSettings, node: string, private readonly sink: DocSink, threads = 1) {
    let seq = 0;
    // Unique across the workers of a process: worker threads share the pid, in-process splits the thread.
    const prefix = `${process.pid.toString(36)}-${threadId ? threadId.toString(36) + '.' : ''}${(PacketWorker.made++).toString(36)}`;
    this.docOpts = {
      node,
      enricher: settings.enricher,
      gapPacketPos: settings.gapPacketPos,
      enablePacketLen: settings.enablePacketLen,
      extraTags: [],
      sampling: settings.sampling,
      newId: () => `${prefix}-${(seq++).toString(36)}`,
    };
    this.table = new SessionTable(settings.table, (s, final) => this.save(s, final), threads);
  }

  /** Set per input file: the -fileNum marker for packetPos and tags for every session. */
  setFile(fileNum: number, extraTags: readonly string[]): void {
    this.table.fileNum = fileNum;
    this.docOpts = { ...this.docOpts, extraTags };
  }

  private save(s: Session, final: boolean): void {
    if (!final && !s.rootId) s.rootId = this.docOpts.newId();
    let doc: Record<string, unknown>;
    try {
      doc = buildDocument(s, final, this.docOpts);
    } catch (e) {
      // One bad session must not stop the capture: count it, say why once.
      if (this.saveErrors++ === 0) process.stderr.write(`packrat: could not build a session document: ${(e as Error).stack}\n`);
      return;
    }
    this.sink(doc);
  }

  /** Process packets of `batch`; `only`, when given, lists the packet indices this worker owns. */
  process(batch: PacketBatch, only?: Int32Array, onlyCount = 0): void {
    const n = only ? onlyCount : batch.count;
    const p = this.p;
    for (let j = 0; j < n; j++) {
      this.packets++;
      const kind = decodeAt(p, batch, only ? only[j] : j);
      if (kind === PacketKind.CorruptEther || kind === PacketKind.CorruptIp) this.corrupt++;
      if (kind === PacketKind.Fragment) {
        if (this.frags.add(p)) this.table.packet(p); // p now describes the reassembled datagram
        continue;
      }
      this.table.packet(p);
    }
  }

  /** End of input: save every open session. */
  finish(): void { this.table.closeAll(); }
}

/**
 * One PacketWorker per Arkime packet thread (packetThreads, 1 or more), in this thread: each
 * packet (IP fragments joined first, as Arkime's reader does) goes to the worker of the thread
 * Arkime would pick.
 */
export class ArkimeThreadSplit {
  private readonly workers: PacketWorker[];
  private readonly p = new DecodedPacket();
  private readonly frags = new FragmentAssembler();
  packets = 0;

  constructor(private readonly settings: CaptureSettings, node: string, sink: DocSink) {
    this.workers = Array.from({ length: settings.packetThreads }, () => new PacketWorker(settings, node, sink, settings.packetThreads));
  }

  setFile(extraTags: readonly string[]): void { for (const w of this.workers) w.setFile(0, extraTags); }

  process(batch: PacketBatch): void {
    const p = this.p;
    for (let i = 0; i < batch.count; i++) {
      this.packets++;
      const kind = decodeAt(p, batch, i);
      if (kind === PacketKind.Fragment && !this.frags.add(p)) continue;
      const w = this.workers[arkimeThreadOf(p, this.workers.length, this.settings.table.keyOptions)];
      w.packets++;
      w.table.packet(p);
    }
  }

  finish(): void { for (const w of this.workers) w.finish(); }
}

/** Decode packet `i` of `batch` into `p`, with its lengths, time and file position. */
function decodeAt(p: DecodedPacket, batch: PacketBatch, i: number): PacketKind {
  const meta = batch.meta, m = i * META_STRIDE;
  const kind = decodePacket(p, batch.buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE]);
  p.wireLen = meta[m + M_WIRELEN];
  p.tsSec = meta[m + M_TS_SEC];
  p.tsUsec = meta[m + M_TS_USEC];
  p.filePos = meta[m + M_FILE_POS];
  return kind;
}
