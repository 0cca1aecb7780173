// One target per protocol parser declaration with a `parse` (parser-<name>, with -tcp/-udp when
// a name is declared for both), plus parser-labels for the classify-only declarations. Bytes go
// in through the SessionApi exactly as the session core hands them over: classify on a
// direction's first bytes, then parse per chunk, both directions, TCP leftovers prefixed to the
// next chunk (up to 64 KiB), save at the end. Contract: nothing throws, parse returns a number.
//
// Input layout (kept simple so byte mutations stay meaningful):
//   byte 0       flags: bit 0 picks UDP over TCP for parsers registered on both
//   bytes 1-4    client port, server port (big-endian): classifiers and parsers look at them
//   then chunks  [d|len-hi][len-lo][len bytes]: d = top bit, the direction (1 = server→client)
import { PARSE_DONE, PARSE_ERROR, type Dir, type ProtocolParser } from '../../capture/parsers/api.js';
import { parsers } from '../../capture/parsers/index.js';
import { TestSession } from '../../capture/parsers/testing.js';
import { FUZZ_CONFIG } from '../config.js';
import { ContractError, type FuzzTarget } from './target.js';

const MAX_PENDING = 65536; // what the TCP layer keeps of unconsumed bytes (capture/session/tcp.ts)
const MAX_LEN = 8192;

type Transport = 'tcp' | 'udp';

function transports(p: ProtocolParser<any>): Transport[] {
  const t: Transport[] = [];
  if (p.tcpPorts?.length || p.tcpPrefixes?.length || p.classifyAlways === 'tcp' || p.classifyAlways === 'both') t.push('tcp');
  if (p.udpPorts?.length || p.udpPrefixes?.length || p.classifyAlways === 'udp' || p.classifyAlways === 'both') t.push('udp');
  return t.length ? t : ['tcp'];
}

interface Entry { name: string; parsers: ProtocolParser<any>[] }

function buildEntries(): Entry[] {
  const count = new Map<string, number>();
  for (const p of parsers) if (p.parse) count.set(p.name, (count.get(p.name) ?? 0) + 1);
  const out: Entry[] = [];
  for (const p of parsers) {
    if (!p.parse) continue;
    const dup = (count.get(p.name) ?? 0) > 1;
    out.push({ name: `parser-${p.name}${dup ? `-${transports(p)[0]}` : ''}`, parsers: [p] });
  }
  out.push({ name: 'parser-labels', parsers: parsers.filter((p) => !p.parse) });
  return out;
}

let entries: Entry[] | undefined;
const allEntries = (): Entry[] => (entries ??= buildEntries());

export function names(): string[] { return allEntries().map((e) => e.name); }

const HEADER = 5;

export interface ParserInput { udp: boolean; srcPort: number; dstPort: number; chunks: [Dir, Uint8Array][] }

/** One session's bytes from the input layout above. */
export function decodeChunks(data: Uint8Array): ParserInput {
  const chunks: [Dir, Uint8Array][] = [];
  let i = HEADER;
  while (i + 2 <= data.length) {
    const dir: Dir = data[i] & 0x80 ? 1 : 0;
    const len = ((data[i] & 0x7f) << 8) | data[i + 1];
    i += 2;
    chunks.push([dir, data.subarray(i, Math.min(data.length, i + len))]);
    i += len;
  }
  const u16 = (k: number) => (data.length > k + 1 ? (data[k] << 8) | data[k + 1] : 0);
  return { udp: data.length > 0 && (data[0] & 1) === 1, srcPort: u16(1), dstPort: u16(3), chunks };
}

export function encodeChunks(inp: ParserInput, maxLen = MAX_LEN): Uint8Array {
  const { udp, srcPort, dstPort, chunks } = inp;
  const parts: number[] = [udp ? 1 : 0, srcPort >> 8, srcPort & 0xff, dstPort >> 8, dstPort & 0xff];
  for (const [dir, b] of chunks) {
    const len = Math.min(b.length, 0x7fff, maxLen - parts.length - 2);
    if (len <= 0) break;
    parts.push((dir << 7) | (len >> 8), len & 0xff);
    for (let k = 0; k < len; k++) parts.push(b[k]);
  }
  return Uint8Array.from(parts);
}

function session(t: Transport, inp: ParserInput): TestSession {
  return new TestSession(FUZZ_CONFIG, { ipProtocol: t === 'udp' ? 17 : 6, srcPort: inp.srcPort, dstPort: inp.dstPort });
}

function checkResult(p: ProtocolParser<any>, r: unknown): number {
  if (typeof r !== 'number' || Number.isNaN(r)) throw new ContractError(`${p.name}.parse returned ${String(r)}, not a byte count`);
  return r;
}

/** Feed one parser as the session core does (capture/session/tcp.ts, udp path). */
function feed(p: ProtocolParser<any>, t: Transport, inp: ParserInput): void {
  const s = session(t, inp);
  const stream = t === 'tcp';
  let state: unknown;
  const classified: boolean[] = [false, false];
  const pending: (Uint8Array | undefined)[] = [undefined, undefined];
  for (const [dir, bytes] of inp.chunks) {
    if (state === undefined) {
      // The core classifies only a direction's first payload.
      if (classified[dir] || bytes.length === 0) continue;
      classified[dir] = true;
      state = p.classify(s, dir, bytes, 0, bytes.length);
      if (state === undefined) continue;
    }
    if (state === true || !p.parse) continue;
    let b = bytes;
    const pend = pending[dir];
    if (stream && pend) {
      b = new Uint8Array(pend.length + bytes.length);
      b.set(pend); b.set(bytes, pend.length);
      pending[dir] = undefined;
    }
    const r = checkResult(p, p.parse(state, s, dir, b, 0, b.length));
    if (r === PARSE_ERROR || r === PARSE_DONE) break;
    if (stream && r < b.length) {
      if (b.length - r > MAX_PENDING) break;
      pending[dir] = b.slice(Math.max(0, r));
    }
  }
  if (state !== undefined && state !== true) p.save?.(state, s, true);
  JSON.stringify(s.doc());
}

export function target(name: string): FuzzTarget | undefined {
  const e = allEntries().find((x) => x.name === name);
  if (!e) return undefined;
  return {
    name,
    maxLen: MAX_LEN,
    run(data) {
      const inp = decodeChunks(data);
      for (const p of e.parsers) {
        const ts = transports(p);
        feed(p, inp.udp && ts.includes('udp') ? 'udp' : ts[0], inp);
      }
    },
    async seeds() {
      // Loaded only here: the flow reader pulls in decoders and readers the parsers never use.
      const { flowSeeds } = await import('./flows.js');
      return flowSeeds((f) => e.parsers.some((p) => transports(p).includes(f.transport) && matches(p, f.transport, f.serverPort, f.chunks[0]?.[1])))
        .map((f) => encodeChunks({ udp: f.transport === 'udp', srcPort: f.clientPort, dstPort: f.serverPort, chunks: f.chunks }));
    },
  };
}

/** Whether the core would offer this flow to the parser: by port or by leading bytes. */
function matches(p: ProtocolParser<any>, t: Transport, port: number, first: Uint8Array | undefined): boolean {
  if ((t === 'tcp' ? p.tcpPorts : p.udpPorts)?.includes(port)) return true;
  if (p.classifyAlways === t || p.classifyAlways === 'both') return true;
  if (!first) return false;
  for (const m of (t === 'tcp' ? p.tcpPrefixes : p.udpPrefixes) ?? []) {
    const want = typeof m.bytes === 'string' ? Array.from(m.bytes, (c) => c.charCodeAt(0)) : m.bytes;
    const o = m.offset ?? 0;
    if (want.every((v, k) => first[o + k] === v)) return true;
  }
  return false;
}
