// The packets the fuzzer starts from: every packet of every capture file in some folders, copied
// once, with where its IP, transport header and payload lie (found by our own decoder) so
// mutations can aim at length fields.
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DecodedPacket, PacketKind } from '../capture/decode/packet.js';
import { decodePacket } from '../capture/decode/decode.js';
import { newFileBatch, openPacketSource } from '../capture/readers/open.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, M_LINKTYPE, M_TS_SEC, M_TS_USEC, M_WIRELEN } from '../capture/readers/types.js';

/** Offsets relative to the first byte of the frame; -1 when the layer is absent. */
export interface Layout {
  ipVersion: number;
  ipOff: number;
  ipProtocol: number;
  l4Off: number;
  payloadOff: number;
  payloadLen: number;
}

export interface CorpusPacket {
  data: Uint8Array;
  wireLen: number;
  tsSec: number;
  tsUsec: number;
  linkType: number;
  layout: Layout;
}

export interface CorpusFile { name: string; packets: CorpusPacket[] }

export interface Corpus {
  files: CorpusFile[];
  packets: number;
  /** Files that could not be read, or ended early (their packets before the fault are kept). */
  faults: string[];
  /** Every TCP and UDP port seen, to move whole flows onto another protocol's port. */
  ports: number[];
}

/**
 * Every capture file of `dirs`, folder by folder, names sorted (a seed's rounds depend on the
 * order). With several folders a file is named by its last two folders
 * too (`conformance/pcaps/x.pcap`, `samples/pcaps/x.pcap`).
 */
export function loadCorpus(dirs: string | readonly string[]): Corpus {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  const entries: { path: string; name: string }[] = [];
  for (const dir of list) {
    const names = readdirSync(dir).filter((n) => /\.(pcap|pcapng|cap)$/i.test(n)).sort();
    if (names.length === 0) throw new Error(`${dir}: no .pcap/.pcapng files to fuzz from`);
    for (const name of names) entries.push({ path: join(dir, name), name: list.length > 1 ? `${basename(dirname(dir))}/${basename(dir)}/${name}` : name });
  }
  const batch = newFileBatch(4 << 20);
  const p = new DecodedPacket();
  const files: CorpusFile[] = [];
  const faults: string[] = [];
  const ports = new Set<number>();
  let total = 0;
  for (const { path, name } of entries) {
    const packets: CorpusPacket[] = [];
    let src;
    try { src = openPacketSource(path); } catch (e) { faults.push((e as Error).message); continue; }
    try {
      while (src.next(batch)) {
        for (let i = 0; i < batch.count; i++) {
          const m = i * META_STRIDE;
          const off = batch.meta[m + M_DATA_OFF], len = batch.meta[m + M_CAPLEN], linkType = batch.meta[m + M_LINKTYPE];
          const data = batch.buf.slice(off, off + len);
          const layout = layoutOf(p, data, linkType);
          if (layout.l4Off >= 0 && (layout.ipProtocol === 6 || layout.ipProtocol === 17)) {
            ports.add((data[layout.l4Off] << 8) | data[layout.l4Off + 1]);
            ports.add((data[layout.l4Off + 2] << 8) | data[layout.l4Off + 3]);
          }
          packets.push({ data, wireLen: batch.meta[m + M_WIRELEN], tsSec: batch.meta[m + M_TS_SEC], tsUsec: batch.meta[m + M_TS_USEC], linkType, layout });
        }
      }
      if (src.error) faults.push(src.error.message);
    } finally {
      src.close();
    }
    if (packets.length) { files.push({ name, packets }); total += packets.length; }
  }
  if (files.length === 0) throw new Error(`${list.join(', ')}: no packets in ${entries.length} capture file(s)`);
  return { files, packets: total, faults, ports: [...ports].sort((a, b) => a - b) };
}

export function layoutOf(p: DecodedPacket, data: Uint8Array, linkType: number): Layout {
  const kind = decodePacket(p, data, 0, data.length, linkType);
  const ip = p.ipVersion === 4 || p.ipVersion === 6;
  const l4 = ip && (kind === PacketKind.Ok || kind === PacketKind.Fragment || kind === PacketKind.UnknownIp);
  return {
    ipVersion: ip ? p.ipVersion : 0,
    ipOff: ip ? p.ipOff : -1,
    ipProtocol: ip ? p.ipProtocol : -1,
    l4Off: l4 && kind === PacketKind.Ok ? p.l4Off : -1,
    payloadOff: kind === PacketKind.Ok ? p.payloadOff : -1,
    payloadLen: kind === PacketKind.Ok ? p.payloadLen : 0,
  };
}
