// Sampling (GIMS's capture experiments): keep 1 packet in N (`packetSampling=1/N`), or keep a
// flow with probability P (`flowSampling=P`) by a seeded hash of its symmetric 5-tuple, so both
// directions of a flow, and every packet of it, get the same verdict. Runs on the reading thread
// before the pcap writer and the decoders: a dropped packet is neither written nor indexed.
//
// The flow key is read straight off the raw frame (Ethernet, 802.1Q/802.1ad VLAN tags, Linux
// SLL/SLL2, BSD loopback, raw IP; IPv4, IPv6 with its extension headers; TCP/UDP/SCTP ports),
// allocating nothing. Choices (README "Sampling"):
// - IP fragments are keyed by addresses and protocol only (ports 0): every fragment of a datagram
//   gets the same verdict, so a datagram is kept or dropped whole; it may get a different verdict
//   than the unfragmented packets of its flow.
// - Frames that carry no IP (ARP, LLDP, MPLS, ...) are kept: they are not flows; counted in `nonIp`.
// - Tunnels are keyed by their outer header (the flow the sensor sees on the wire).
import { M_CAPLEN, M_DATA_OFF, M_LINKTYPE, type PacketBatch } from '../readers/types.js';
import type { Config } from '../../db/config.js';
import { networkLayer, type NetworkLayer } from '../../db/pcap/link-layer.js';
import { compactBatch, TransformSpecError, type BatchTransform, type TransformSpec } from './batch-transform.js';

/** N of "1/N"; throws TransformSpecError. */
export function parsePacketSampling(v: string): number {
  const m = /^\s*1\s*\/\s*(\d+)\s*$/.exec(v);
  const n = m ? Number(m[1]) : NaN;
  if (!(n >= 1 && n <= 2 ** 31)) throw new TransformSpecError('packetSampling', `packetSampling=${v}: expected 1/N with N a whole number ≥ 1 (1/10 keeps every 10th packet)`);
  return n;
}

/** P of flowSampling; throws TransformSpecError. */
export function checkFlowSampling(p: number | string): number {
  const n = typeof p === 'number' ? p : (/^\s*[0-9.eE+-]+\s*$/.test(p) ? Number(p) : NaN);
  if (!(n > 0 && n <= 1)) throw new TransformSpecError('flowSampling', `flowSampling=${p}: expected a probability with 0 < P ≤ 1 (0.25 keeps a quarter of the flows)`);
  return n;
}

/** The session field `sampling` for a spec ("packet 1/10", "flow 0.25", both joined by ", "), or undefined when none. */
export function samplingLabel(spec: TransformSpec): string | undefined {
  const parts: string[] = [];
  if (spec.packetSampling !== undefined) parts.push(`packet 1/${parsePacketSampling(spec.packetSampling)}`);
  if (spec.flowSampling !== undefined) parts.push(`flow ${checkFlowSampling(spec.flowSampling)}`);
  return parts.length ? parts.join(', ') : undefined;
}

/** Keeps the 1st, (N+1)th, (2N+1)th... packet the capture reads (the count runs across batches and files). */
export class PacketSampling implements BatchTransform {
  readonly name = 'packetSampling';
  private seen = 0;
  private kept = 0;
  private readonly keep = (): boolean => {
    const k = this.seen++ % this.n === 0;
    if (k) this.kept++;
    return k;
  };

  constructor(readonly n: number) {}

  apply(batch: PacketBatch): void { compactBatch(batch, this.keep); }
  stats(): Record<string, number> { return { seen: this.seen, kept: this.kept }; }
}

/** Keeps a flow when the seeded hash of its symmetric 5-tuple falls below P·2^32. */
export class FlowSampling implements BatchTransform {
  readonly name = 'flowSampling';
  private seen = 0;
  private kept = 0;
  private nonIp = 0;
  private readonly threshold: number;
  private buf: Uint8Array = new Uint8Array(0);
  private meta: Float64Array = new Float64Array(0);
  private readonly keep = (m: number): boolean => {
    this.seen++;
    const meta = this.meta;
    const h = flowHash(this.buf, meta[m + M_DATA_OFF], meta[m + M_CAPLEN], meta[m + M_LINKTYPE], this.seed);
    if (h < 0) { this.nonIp++; this.kept++; return true; }
    if (h < this.threshold) { this.kept++; return true; }
    return false;
  };

  constructor(readonly p: number, private readonly seed = 0) {
    this.threshold = p * 2 ** 32;
  }

  apply(batch: PacketBatch): void {
    this.buf = batch.buf; this.meta = batch.meta;
    compactBatch(batch, this.keep);
  }
  stats(): Record<string, number> { return { seen: this.seen, kept: this.kept, nonIp: this.nonIp }; }
}

const FNV_PRIME = 0x01000193;
/** flowHash's network layer, reused for every frame. */
const layer: NetworkLayer = { type: -1, off: 0 };

/**
 * The seeded flow hash of the frame at `off` (0 ≤ h < 2^32), the same for both directions; -1
 * when the frame carries no IP header we can read.
 */
export function flowHash(b: Uint8Array, off: number, caplen: number, linktype: number, seed: number): number {
  const end = off + caplen;
  if (!networkLayer(b, off, caplen, linktype, layer)) return -1;
  const et = layer.type, p = layer.off;
  let proto: number, src: number, dst: number, alen: number, l4 = -1;
  if (et === 0x0800) {
    if (p + 20 > end || (b[p] >> 4) !== 4) return -1;
    const ihl = (b[p] & 0x0f) * 4;
    proto = b[p + 9]; src = p + 12; dst = p + 16; alen = 4;
    const frag = ((b[p + 6] << 8) | b[p + 7]) & 0x3fff; // MF or an offset: a fragment
    if (frag === 0) l4 = p + ihl;
  } else if (et === 0x86dd) {
    if (p + 40 > end || (b[p] >> 4) !== 6) return -1;
    src = p + 8; dst = p + 24; alen = 16;
    proto = b[p + 6];
    let q = p + 40, fragment = false;
    // Extension headers: hop-by-hop, routing, destination options, AH; a fragment header makes it a fragment.
    for (let i = 0; i < 8 && q + 8 <= end; i++) {
      if (proto === 0 || proto === 43 || proto === 60) { proto = b[q]; q += (b[q + 1] + 1) * 8; }
      else if (proto === 51) { proto = b[q]; q += (b[q + 1] + 2) * 4; }
      else if (proto === 44) { fragment = true; proto = b[q]; q += 8; }
      else break;
    }
    if (!fragment) l4 = q;
  } else {
    return -1;
  }
  let sp = 0, dp = 0;
  if (l4 >= 0 && l4 + 4 <= end && (proto === 6 || proto === 17 || proto === 132)) {
    sp = (b[l4] << 8) | b[l4 + 1];
    dp = (b[l4 + 2] << 8) | b[l4 + 3];
  }
  // Symmetric: the lower (address, port) endpoint goes first.
  let cmp = 0;
  for (let i = 0; i < alen && cmp === 0; i++) cmp = b[src + i] - b[dst + i];
  if (cmp === 0) cmp = sp - dp;
  if (cmp > 0) { const t = src; src = dst; dst = t; const u = sp; sp = dp; dp = u; }
  let h = (0x811c9dc5 ^ seed) >>> 0;
  h = Math.imul(h ^ proto, FNV_PRIME);
  for (let i = 0; i < alen; i++) h = Math.imul(h ^ b[src + i], FNV_PRIME);
  h = Math.imul(h ^ (sp >> 8), FNV_PRIME); h = Math.imul(h ^ (sp & 0xff), FNV_PRIME);
  for (let i = 0; i < alen; i++) h = Math.imul(h ^ b[dst + i], FNV_PRIME);
  h = Math.imul(h ^ (dp >> 8), FNV_PRIME); h = Math.imul(h ^ (dp & 0xff), FNV_PRIME);
  // murmur3's finaliser: FNV alone leaves the high bits (which the threshold compares) poorly mixed.
  h ^= h >>> 16; h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13; h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The sampling steps of a spec, packet sampling first. */
export function samplingTransforms(spec: TransformSpec): BatchTransform[] {
  const seed = spec.flowSamplingSeed ?? 0;
  const steps: BatchTransform[] = [];
  if (spec.packetSampling !== undefined) steps.push(new PacketSampling(parsePacketSampling(spec.packetSampling)));
  if (spec.flowSampling !== undefined) steps.push(new FlowSampling(checkFlowSampling(spec.flowSampling), seed));
  return steps;
}

/** packetSampling=, flowSampling=, flowSamplingSeed= of a node's config, checked (TransformSpecError). */
export function samplingSpecFromConfig(config: Config): TransformSpec {
  const spec: TransformSpec = {};
  const ps = config.str('packetSampling', '').trim();
  if (ps) { parsePacketSampling(ps); spec.packetSampling = ps; }
  const fs = config.str('flowSampling', '').trim();
  if (fs) spec.flowSampling = checkFlowSampling(fs);
  const seed = config.str('flowSamplingSeed', '').trim();
  if (seed) {
    if (!/^\d+$/.test(seed) || Number(seed) >= 2 ** 32) throw new TransformSpecError('flowSamplingSeed', `flowSamplingSeed=${seed}: expected a whole number below 2^32`);
    spec.flowSamplingSeed = Number(seed);
  }
  return spec;
}
