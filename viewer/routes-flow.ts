// Packets-at-REST's flow route: `GET /api/pcap?src=&dst=&sport=&dport=&proto=&start=&end=[&node=]`
// answers one libpcap file of the packets of a flow tuple (either direction) whose timestamps lie
// in [start, end], from every node. The search backend finds the sessions of the tuple that
// overlap the window; each session's packets come through the export machinery (this viewer's
// files, or the owning node's viewer over the signed multi-node path), are cut to the window and
// merged into time order as they stream: sessions are read in firstPacket order, and a packet is
// written once neither the session being read nor any still to be read can have an earlier one.
// Packets wait in memory only while a session overlaps one that starts later and is not read yet.
import net from 'node:net';
import { Readable } from 'node:stream';
import type { Context } from 'koa';
import type { SessionQuery } from '../db/backend/search-backend.js';
import { parseTimeMs } from '../db/expr/dates.js';
import { PCAP_RECORD_HEADER_LEN, pcapHeaderBytes, u32, writeRecordHeader } from '../db/pcap/format.js';
import type { PacketAnonymizer } from '../db/pcap/anonymize-packet.js';
import type { UserDoc } from '../db/backend/control-store.js';
import { packetExport } from './export.js';
import { HttpError, params, setBound } from './http.js';
import { checkNodeInScope, checkKeyNodes, forcedExpressions } from './key-scope.js';
import { PcapStreamReader, type NodeLinks } from './multinode.js';
import { PcapFiles } from './pcap-source.js';
import { cutWhenIdle, linksFor } from './routes-sessions.js';
import type { RouteDef, ViewerContext } from './server.js';

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, sctp: 132, icmpv6: 58 };
/** Sessions asked of the backend per page. */
const PAGE = 1000;
/**
 * One session's read: not cut by the byte bound, which applies to what falls in the window (a
 * small window of a large session is the usual request).
 */
const SESSION_READ = { maxSessions: 1, maxBytes: Number.MAX_SAFE_INTEGER };
/** Output gathered before it is handed to the response. */
const OUT_BATCH = 1 << 20;

export interface FlowRequest {
  /** The tuple as an expression matching either direction. */
  expression: string;
  /** The window in microseconds since the epoch, both ends included. */
  startUs: number;
  endUs: number;
  /** `node=` (comma-separated), when given. */
  nodes?: string[];
}

/** Epoch seconds (fractions allowed) or an ISO 8601 time, in microseconds; 400 naming the parameter otherwise. */
function timeUs(p: Record<string, string>, key: string): number {
  const v = p[key];
  if (v === undefined || v.trim() === '') throw new HttpError(400, `parameter ${key} is required (epoch seconds or ISO 8601)`);
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1e6);
  const ms = /^\d{4}-\d{2}-\d{2}/.test(v.trim()) ? Date.parse(v.trim()) : parseTimeMs(v);
  if (Number.isNaN(ms)) throw new HttpError(400, `parameter ${key}=${v} is not a time (epoch seconds or ISO 8601)`);
  return ms * 1000;
}

function ipParam(p: Record<string, string>, key: string): string | undefined {
  const v = p[key]?.trim();
  if (v === undefined || v === '') return undefined;
  if (!net.isIP(v)) throw new HttpError(400, `parameter ${key}=${v} is not an IPv4 or IPv6 address`);
  return v.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
}

function portParam(p: Record<string, string>, key: string): number | undefined {
  const v = p[key]?.trim();
  if (v === undefined || v === '') return undefined;
  if (!/^\d{1,5}$/.test(v) || Number(v) > 65535) throw new HttpError(400, `parameter ${key}=${v} is not a port (0-65535)`);
  return Number(v);
}

function protoParam(p: Record<string, string>): number | undefined {
  const v = p.proto?.trim().toLowerCase();
  if (v === undefined || v === '') return undefined;
  if (PROTOCOLS[v] !== undefined) return PROTOCOLS[v];
  if (/^\d{1,3}$/.test(v) && Number(v) <= 255) return Number(v);
  throw new HttpError(400, `parameter proto=${p.proto} is not a protocol (${Object.keys(PROTOCOLS).join(', ')} or a number 0-255)`);
}

/** The flow route's parameters; 400 naming the first bad one. */
export function parseFlowRequest(p: Record<string, string>): FlowRequest {
  const src = ipParam(p, 'src'), dst = ipParam(p, 'dst');
  const sport = portParam(p, 'sport'), dport = portParam(p, 'dport'), proto = protoParam(p);
  if (src === undefined && dst === undefined) throw new HttpError(400, 'parameter src or dst is required (the flow needs at least one address)');
  const startUs = timeUs(p, 'start'), endUs = timeUs(p, 'end');
  if (endUs < startUs) throw new HttpError(400, `parameter end=${p.end} is before start=${p.start}`);
  let nodes: string[] | undefined;
  if (p.node !== undefined && p.node.trim() !== '') {
    try { nodes = checkKeyNodes(p.node.split(',')); } catch (e) { throw new HttpError(400, `parameter node: ${(e as Error).message}`); }
  }
  const side = (a: string | undefined, b: string | undefined, pa: number | undefined, pb: number | undefined): string => {
    const parts: string[] = [];
    if (a !== undefined) parts.push(`ip.src == ${a}`);
    if (b !== undefined) parts.push(`ip.dst == ${b}`);
    if (pa !== undefined) parts.push(`port.src == ${pa}`);
    if (pb !== undefined) parts.push(`port.dst == ${pb}`);
    return parts.join(' && ');
  };
  let expression = `((${side(src, dst, sport, dport)}) || (${side(dst, src, dport, sport)}))`;
  if (proto !== undefined) expression += ` && ip.protocol == ${proto}`;
  if (nodes) expression += ` && node == [${nodes.map((n) => JSON.stringify(n)).join(',')}]`;
  return { expression, startUs, endUs, nodes };
}

/** A packet waiting for its turn: its record (16-byte header, little-endian µs, then the frame). */
interface Pending { us: number; seq: number; rec: Buffer }

const before = (a: Pending, b: Pending) => a.us < b.us || (a.us === b.us && a.seq < b.seq);

/** A binary min-heap of pending packets by (time, arrival). */
class PacketHeap {
  private readonly items: Pending[] = [];
  get size(): number { return this.items.length; }
  peek(): Pending | undefined { return this.items[0]; }
  push(x: Pending): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const up = (i - 1) >> 1;
      if (!before(a[i], a[up])) break;
      [a[i], a[up]] = [a[up], a[i]];
      i = up;
    }
  }
  pop(): Pending | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m], a[i]];
        i = m;
      }
    }
    return top;
  }
}

interface FlowSession { id: string; firstMs: number }

/** The matching sessions in firstPacket order, page by page, at most `max`. */
async function* flowSessions(v: ViewerContext, q: SessionQuery, max: number): AsyncGenerator<FlowSession> {
  for (let start = 0; start < max; start += PAGE) {
    const page = await v.backend.search(q, { sort: [{ field: 'firstPacket', order: 'asc' }], start, length: Math.min(PAGE, max - start) });
    for (const d of page) yield { id: d.id, firstMs: Number(d.doc.firstPacket ?? 0) };
    if (page.length < PAGE) return;
  }
}

export interface FlowStats {
  packets: number; sessions: number; otherLinktype: number;
  /** The byte bound cut the file. */
  cut?: boolean;
}

/**
 * The flow's pcap as it streams: the packets of each session in the window, merged into time
 * order, cut before the record that would take the file over `maxBytes`.
 */
export async function* flowPcap(v: ViewerContext, links: NodeLinks | undefined, files: PcapFiles, q: SessionQuery, w: FlowRequest, maxSessions: number,
  stats: FlowStats, anon?: PacketAnonymizer): AsyncGenerator<Buffer> {
  const heap = new PacketHeap();
  let linktype: number | undefined, seq = 0, total = 0, full = false;
  let out: Buffer[] = [], outBytes = 0;
  const emit = (b: Buffer): boolean => {
    if (total + b.length > v.limits.maxPcapBytes) { full = stats.cut = true; return false; }
    out.push(b); outBytes += b.length; total += b.length;
    return true;
  };
  const take = (): Buffer => { const b = Buffer.concat(out); out = []; outBytes = 0; return b; };
  /** Write pending packets earlier than `untilUs` (all of them when undefined). */
  const drain = (untilUs?: number) => {
    for (let top = heap.peek(); top && !full && (untilUs === undefined || top.us < untilUs); top = heap.peek()) {
      if (emit(heap.pop()!.rec)) stats.packets++;
    }
  };
  const sessions = flowSessions(v, q, maxSessions)[Symbol.asyncIterator]();
  for (let cur = await sessions.next(); !cur.done && !full;) {
    const s = cur.value;
    cur = await sessions.next(); // the next session's start bounds what may be written while this one is read
    const nextUs = cur.done ? Infinity : cur.value.firstMs * 1000;
    stats.sessions++;
    const rd = new PcapStreamReader(`session ${s.id}`);
    let lastUs = -Infinity;
    for await (const chunk of packetExport(v.backend, files, { expressions: [], ids: [s.id] }, 'pcap', SESSION_READ, links)) {
      rd.push(chunk);
      for (let off = rd.next(); off >= 0; off = rd.next()) {
        const h = rd.header!, b = rd.buffer;
        const sec = u32(b, off, h.littleEndian), frac = u32(b, off + 4, h.littleEndian);
        const us = sec * 1e6 + (h.nanos ? Math.floor(frac / 1000) : frac);
        lastUs = us;
        if (us < w.startUs || us > w.endUs) continue;
        if (linktype === undefined) { linktype = h.linktype; emit(Buffer.from(pcapHeaderBytes({ snaplen: 262144, linktype }))); }
        if (h.linktype !== linktype) { stats.otherLinktype++; continue; }
        const caplen = u32(b, off + 8, h.littleEndian);
        const rec = Buffer.allocUnsafe(PCAP_RECORD_HEADER_LEN + caplen);
        writeRecordHeader(rec, 0, Math.floor(us / 1e6), us % 1e6, caplen, u32(b, off + 12, h.littleEndian));
        b.copy(rec, PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN, off + PCAP_RECORD_HEADER_LEN + caplen);
        anon?.frame(rec, PCAP_RECORD_HEADER_LEN, caplen, linktype);
        heap.push({ us, seq: seq++, rec });
      }
      // this session's later packets come after its last one (capture order), later sessions
      // start at nextUs: what is pending before both goes out now, so one long flow streams
      drain(Math.min(lastUs, nextUs));
      if (outBytes >= OUT_BATCH) yield take();
      if (full) break;
    }
    if (!full) rd.finish();
    drain(nextUs);
    if (outBytes >= OUT_BATCH) yield take();
  }
  await sessions.return?.(undefined);
  drain();
  if (linktype === undefined) emit(Buffer.from(pcapHeaderBytes({ snaplen: 262144 }))); // no packet in the window: an empty capture
  if (outBytes > 0) yield take();
}

async function flowRoute(ctx: Context, v: ViewerContext): Promise<void> {
  const p = await params(ctx);
  const w = parseFlowRequest(p);
  // anonymize=1, or forced for the user: the packets go out anonymised, and a forced user's tuple
  // names the anonymised addresses they see
  const user = (ctx.state as { user: UserDoc }).user;
  const anon = v.anonymizer.packets(p, user);
  const own = v.anonymizer.expressionsOf(user, v.registry);
  for (const n of w.nodes ?? []) checkNodeInScope(ctx.state, n, 'the node parameter');
  const q: SessionQuery = {
    expressions: [...forcedExpressions(ctx.state), own ? own(w.expression) : w.expression],
    start: Math.floor(w.startUs / 1e6), stop: Math.ceil(w.endUs / 1e6), bounding: 'either',
  };
  const n = await v.backend.count(q);
  if (n === 0) throw new HttpError(404, 'no sessions of that flow in that window');
  const maxSessions = Math.min(n, v.limits.maxSessionsQueried);
  if (n > maxSessions) setBound(ctx, { name: 'maxSessionsQueried', value: v.limits.maxSessionsQueried });
  ctx.set('X-Packrat-Sessions', String(maxSessions));
  // how much of the sessions' packets lies in the window is known only once they are read: a
  // cut by maxPcapBytes is said in a trailer (the status line is long gone by then)
  ctx.set('Trailer', 'X-Packrat-Bound');
  const files = new PcapFiles(v.control);
  const stats: FlowStats = { packets: 0, sessions: 0, otherLinktype: 0 };
  const gen = flowPcap(v, linksFor(ctx, v), files, q, w, maxSessions, stats, anon);
  ctx.type = 'application/vnd.tcpdump.pcap';
  ctx.attachment('flow.pcap');
  cutWhenIdle(ctx, v.limits.exportIdleMs);
  ctx.body = Readable.from((async function* () {
    try {
      yield* gen;
      if (stats.cut) ctx.res.addTrailers({ 'X-Packrat-Bound': `maxPcapBytes=${v.limits.maxPcapBytes}` });
    } finally {
      await files.close();
      if (stats.otherLinktype) console.error(`${ctx.path}: left out ${stats.otherLinktype} packets of another link type than the first`);
    }
  })(), { objectMode: false });
}

export const flowRoutes: RouteDef[] = [
  { methods: ['GET'], path: '/api/pcap', role: 'arkimeUser', handler: flowRoute },
];
