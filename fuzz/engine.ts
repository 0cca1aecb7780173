// The fuzz loop: rounds of one corpus capture each, its packet order and bytes mutated from the
// round's own seed, run through the same PacketWorker the import uses (decoding, fragments,
// session table, TCP reassembly, classifiers, every parser, document building).
import { writeFileSync } from 'node:fs';
import { Config } from '../db/config.js';
import { PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, writePcapHeader, writeRecordHeader } from '../db/pcap/format.js';
import { parsers } from '../capture/parsers/index.js';
import { PacketWorker } from '../capture/pipeline/packet-worker.js';
import { captureSettings, type CaptureSettings } from '../capture/pipeline/setup.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_FILE_POS, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN, PacketBatch } from '../capture/readers/types.js';
import { parserErrors } from '../capture/session/tcp.js';
import { loadCorpus, type Corpus, type CorpusPacket } from './corpus.js';
import { Frame, MAX_FRAME, MUTATIONS, mutate, mutationNames, remapPort } from './mutate.js';
import { ParserWatch, type ParserException, type Where } from './parser-watch.js';
import { Rng, roundSeed } from './rng.js';
import { FUZZ_CONFIG } from './config.js';

/** Slots of the progress array a watchdog reads (a SharedArrayBuffer when run in a thread). */
export const P_PACKETS = 0, P_ROUND = 1, P_INDEX = 2, P_FILE = 3, P_MASK = 4, P_STREAM = 5, P_SLOTS = 8;

/** How an output packet of a round relates to the capture's own order. */
export const STREAM_OPS = ['as-is', 'duplicated', 'swapped', 'delayed'] as const;

export { FUZZ_CONFIG } from './config.js';

export interface FuzzOptions {
  seed: number;
  packets: number;
  /** Corpus folders (read when `corpus` is not given). */
  pcaps: string | readonly string[];
  /** config.ini text; default FUZZ_CONFIG. */
  configText?: string;
  /** Go on after an uncaught exception (the round is abandoned); default stop at the first. */
  keepGoing?: boolean;
  /** Run only this round (same seed): a crash report names it. */
  replayRound?: number;
  /** With replayRound: write the round's mutated packets to this pcap. */
  writePcap?: string;
  /** Watchdog view; written once per packet. */
  progress?: Int32Array;
  corpus?: Corpus;
  /** Self-check of the harness: from round 3 on, fail on purpose in the document sink. */
  inject?: Injection;
}

export type Injection = 'crash' | 'hang' | 'memory';

/** An exception that escaped the packet path (a capture would have died), or a lost document. */
export interface Crash {
  kind: 'exception' | 'document';
  seed: number;
  round: number;
  pcap: string;
  /** Packet of the round (-1: while saving the round's sessions at its end). */
  index: number;
  /** Packet of the capture file it was made from. */
  source: number;
  mutations: string[];
  stream: string;
  error: string;
}

export interface FuzzResult {
  seed: number;
  rounds: number;
  packets: number;
  documents: number;
  documentBytes: number;
  /** Parser errors counted by the session layer (PARSE_ERROR returns, throws, overflows). */
  parserErrors: number;
  /** Thrown exceptions among them, one entry per distinct bug. */
  parserExceptions: ParserException[];
  parserExceptionCount: number;
  crashes: Crash[];
  /** Parsers (with a parse step) whose parse ran in this run, and those it never reached. */
  parsersReached: number;
  parsersNotReached: string[];
  mutatedPackets: number;
  droppedPackets: number;
  duplicatedPackets: number;
  elapsedMs: number;
  corpusFiles: number;
  corpusPackets: number;
  corpusFaults: string[];
}

/** Rounds that share one PacketWorker (and so one session table). */
export const ROUNDS_PER_WORKER = 32;

const where: Where = { round: -1, index: -1, pcap: '' };
let watch: ParserWatch | undefined;

/** Relative weights of MUTATIONS: payload and length fields get the most. */
const WEIGHTS: Record<(typeof MUTATIONS)[number], number> = {
  'bitflip': 3, 'byte': 3, 'payload-bitflip': 6, 'payload-byte': 6, 'truncate': 4, 'ip-len': 3, 'ip-hl': 1,
  'tcp-off': 2, 'udp-len': 2, 'payload-len': 8, 'insert': 3, 'delete': 3, 'append': 2, 'splice': 3,
  'tcp-flags': 2, 'tcp-seq': 3, 'time': 1,
};
const WEIGHT_TABLE: number[] = [];
MUTATIONS.forEach((m, i) => { for (let k = 0; k < WEIGHTS[m]; k++) WEIGHT_TABLE.push(i); });

export function runFuzz(o: FuzzOptions): FuzzResult {
  const t0 = performance.now();
  const corpus = o.corpus ?? loadCorpus(o.pcaps);
  watch ??= new ParserWatch(where);
  watch.install(parsers);
  const settings = captureSettings(Config.fromText(o.configText ?? FUZZ_CONFIG, 'fuzz'));
  const withPayload = corpus.files.flatMap((f) => f.packets.filter((p) => p.layout.payloadLen > 0));
  const other = (rng: Rng): CorpusPacket => rng.pick(withPayload.length ? withPayload : corpus.files[0].packets);
  const ports = portChoices(corpus);
  const progress = o.progress ?? new Int32Array(P_SLOTS);
  const r: FuzzResult = {
    seed: o.seed, rounds: 0, packets: 0, documents: 0, documentBytes: 0, parserErrors: 0, parserExceptions: [],
    parserExceptionCount: 0, crashes: [], parsersReached: 0, parsersNotReached: [], mutatedPackets: 0, droppedPackets: 0, duplicatedPackets: 0, elapsedMs: 0,
    corpusFiles: corpus.files.length, corpusPackets: corpus.packets, corpusFaults: corpus.faults,
  };
  const errors0 = parserErrors.count, thrown0 = watch.total;
  const seenBefore = new Set(watch.seen.keys());
  const calls0 = new Map(watch.parseCalls);
  const batch = new PacketBatch(new Uint8Array(8 << 20), 65536);
  const only = new Int32Array(1);
  const frame = new Frame();
  const hoard: string[] = [];
  const sink = (doc: Record<string, unknown>) => {
    r.documents++;
    const json = JSON.stringify(doc);
    r.documentBytes += json.length;
    if (o.inject && where.round >= 3) injectFault(o.inject, json, hoard);
  };
  const written: WrittenPacket[] = [];

  // One PacketWorker lives for ROUNDS_PER_WORKER rounds, so sessions of unrelated captures meet in
  // its table (timeouts on time jumps, eviction, hash neighbours). A replay reruns from its start.
  const first = o.replayRound === undefined ? 0 : o.replayRound - (o.replayRound % ROUNDS_PER_WORKER);
  let worker: PacketWorker | undefined;
  let slot = 0, pos = 0, saveErrors = 0, filePos = PCAP_HEADER_LEN;
  for (let round = first; o.replayRound !== undefined ? round <= o.replayRound : r.packets < o.packets; round++) {
    const rng = new Rng(roundSeed(o.seed, round));
    const fileIndex = rng.int(corpus.files.length);
    const file = corpus.files[fileIndex];
    const plan = planRound(rng, file.packets.length);
    r.droppedPackets += file.packets.length + plan.dups - plan.count;
    r.duplicatedPackets += plan.dups;
    const level = rng.pick([0.02, 0.1, 0.3, 0.6, 0.9]);
    let remapFrom = -1, remapTo = -1;
    if (rng.chance(0.25)) {
      const tp = file.packets.filter((p) => p.layout.l4Off >= 0 && (p.layout.ipProtocol === 6 || p.layout.ipProtocol === 17));
      if (tp.length) {
        const p = rng.pick(tp);
        remapFrom = (p.data[p.layout.l4Off + 2] << 8) | p.data[p.layout.l4Off + 3];
        remapTo = rng.pick(ports);
      }
    }
    where.round = round; where.pcap = file.name; where.index = -1;
    progress[P_ROUND] = round; progress[P_FILE] = fileIndex;
    if (!worker) { worker = new PacketWorker(settings, 'fuzz', sink); saveErrors = 0; }
    let source = -1, mask = 0, stream = 0;
    const crash = (kind: Crash['kind'], error: string): void => {
      r.crashes.push({
        kind, seed: o.seed, round, pcap: file.name, index: where.index, source, mutations: mutationNames(mask),
        stream: STREAM_OPS[stream], error,
      });
    };
    for (let k = 0; k < plan.count && (o.replayRound !== undefined || r.packets < o.packets); k++) {
      source = plan.order[k]; stream = plan.ops[k];
      frame.load(file.packets[source]);
      if (remapFrom >= 0) remapPort(frame, remapFrom, remapTo);
      mask = 0;
      if (rng.chance(level)) for (let n = 1 + rng.int(3); n > 0; n--) mask |= mutate(frame, rng.pick(WEIGHT_TABLE), rng, other);
      if (mask) r.mutatedPackets++;
      if (slot >= batch.capacity || pos + frame.len > batch.buf.length) { slot = 0; pos = 0; }
      batch.buf.set(frame.buf.subarray(0, frame.len), pos);
      const m = slot * META_STRIDE, meta = batch.meta;
      meta[m + M_DATA_OFF] = pos; meta[m + M_CAPLEN] = frame.len; meta[m + M_WIRELEN] = frame.wireLen;
      meta[m + M_TS_SEC] = frame.tsSec; meta[m + M_TS_USEC] = frame.tsUsec; meta[m + M_LINKTYPE] = frame.linkType;
      meta[m + M_FILE_POS] = filePos;
      filePos += PCAP_RECORD_HEADER_LEN + frame.len;
      if (o.writePcap) written.push({ data: frame.buf.slice(0, frame.len), tsSec: frame.tsSec, tsUsec: frame.tsUsec, wireLen: frame.wireLen, linkType: frame.linkType });
      where.index = k;
      progress[P_INDEX] = k; progress[P_MASK] = mask; progress[P_STREAM] = stream;
      only[0] = slot;
      batch.count = slot + 1;
      try {
        worker.process(batch, only, 1);
      } catch (e) {
        crash('exception', errorText(e));
        worker = undefined; // its state is suspect: the next round starts a fresh one
        break;
      }
      if (worker.saveErrors !== saveErrors) { saveErrors = worker.saveErrors; crash('document', 'buildDocument threw (stack printed above by the packet worker)'); }
      slot++; pos += frame.len;
      r.packets++;
      progress[P_PACKETS] = r.packets;
    }
    r.rounds++;
    const last = o.replayRound !== undefined ? round === o.replayRound : r.packets >= o.packets;
    if (worker && ((round + 1) % ROUNDS_PER_WORKER === 0 || last || (r.crashes.length && !o.keepGoing))) {
      where.index = -1; progress[P_INDEX] = -1; mask = 0; stream = 0; source = -1;
      try { worker.finish(); } catch (e) { crash('exception', errorText(e)); }
      if (worker.saveErrors !== saveErrors) crash('document', 'buildDocument threw while saving the open sessions (stack printed above)');
      worker = undefined;
    }
    if (r.crashes.length && !o.keepGoing) break;
  }
  if (o.writePcap) writeRoundPcap(o.writePcap, written);
  r.parserErrors = parserErrors.count - errors0;
  r.parserExceptionCount = watch.total - thrown0;
  r.parserExceptions = [...watch.seen].filter(([key]) => !seenBefore.has(key)).map(([, v]) => v);
  for (const [name, n] of watch.parseCalls) {
    if (n > (calls0.get(name) ?? 0)) r.parsersReached++;
    else r.parsersNotReached.push(name);
  }
  r.elapsedMs = performance.now() - t0;
  return r;
}

/** Make the failure a self-check asks for: an exception, a hang, or memory that only grows. */
function injectFault(kind: Injection, json: string, hoard: string[]): void {
  if (kind === 'crash') throw new Error('fuzz self-check: injected exception in the document sink');
  if (kind === 'hang') for (;;) { /* spin until the watchdog ends the thread */ }
  for (let i = 0; i < 64; i++) hoard.push(json + i + ' '.repeat(16384));
}

export interface RoundPlan { order: Int32Array; ops: Uint8Array; count: number; dups: number }

/** The round's packet order: drops, duplicates, neighbours swapped, a few delayed further. */
export function planRound(rng: Rng, n: number): RoundPlan {
  const level = rng.pick([0, 0.01, 0.03, 0.1]);
  const order = new Int32Array(n * 2), ops = new Uint8Array(n * 2);
  let count = 0, dups = 0;
  for (let i = 0; i < n; i++) {
    if (level && rng.chance(level)) continue; // dropped
    order[count] = i; ops[count++] = 0;
    if (level && rng.chance(level)) { order[count] = i; ops[count++] = 1; dups++; }
  }
  for (let i = 0; level && i + 1 < count; i++) {
    if (rng.chance(level)) { swap(order, i, i + 1); ops[i] = ops[i + 1] = 2; }
    else if (rng.chance(level / 2)) {
      // Delay one packet by up to 8 places.
      const to = Math.min(count - 1, i + 1 + rng.int(8));
      const v = order[i];
      order.copyWithin(i, i + 1, to + 1); order[to] = v;
      ops.copyWithin(i, i + 1, to + 1); ops[to] = 3;
    }
  }
  return { order, ops, count, dups };
}

function swap(a: Int32Array, i: number, j: number): void { const t = a[i]; a[i] = a[j]; a[j] = t; }

/** Ports to move flows onto: every parser's registered ports plus those seen in the corpus. */
function portChoices(c: Corpus): number[] {
  const s = new Set<number>(c.ports);
  for (const p of parsers) { for (const x of p.tcpPorts ?? []) s.add(x); for (const x of p.udpPorts ?? []) s.add(x); }
  return [...s].sort((a, b) => a - b);
}

function errorText(e: unknown): string { return e instanceof Error ? (e.stack ?? e.message) : String(e); }

interface WrittenPacket { data: Uint8Array; tsSec: number; tsUsec: number; wireLen: number; linkType: number }

/** Write the round's packets as a pcap of the first packet's link type (replay with `packrat capture -r`). */
function writeRoundPcap(path: string, packets: WrittenPacket[]): void {
  let size = PCAP_HEADER_LEN;
  for (const p of packets) size += PCAP_RECORD_HEADER_LEN + p.data.length;
  const out = new Uint8Array(size);
  let o = writePcapHeader(out, 0, { linktype: packets.length ? packets[0].linkType : 1, snaplen: MAX_FRAME });
  for (const p of packets) {
    o += writeRecordHeader(out, o, p.tsSec, p.tsUsec, p.data.length, p.wireLen);
    out.set(p.data, o);
    o += p.data.length;
  }
  writeFileSync(path, out);
}
