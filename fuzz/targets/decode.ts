// The decoder chain (capture/decode): byte 0 picks the link type, the rest is one frame.
// Contract: decodePacket never throws, and what it reports lies inside the frame.
import { decodePacket } from '../../capture/decode/decode.js';
import { DecodedPacket, PacketKind } from '../../capture/decode/packet.js';
import { DLT_EN10MB, DLT_FRELAY, DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_LOOP, DLT_NFLOG, DLT_NULL, DLT_RAW, DLT_RAW_IPV4, DLT_RAW_IPV6 } from '../../capture/decode/link.js';
import { ContractError, type FuzzTarget } from './target.js';

export const LINK_TYPES = [DLT_EN10MB, DLT_RAW, DLT_NULL, DLT_LOOP, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_FRELAY,
  DLT_IEEE802_11, DLT_IEEE802_11_RADIO, DLT_NFLOG, DLT_RAW_IPV4, DLT_RAW_IPV6];

const p = new DecodedPacket();

export function names(): string[] { return ['decode']; }

export function target(name: string): FuzzTarget | undefined {
  if (name !== 'decode') return undefined;
  return {
    name,
    maxLen: 4096,
    run(data) {
      if (data.length === 0) return;
      const frame = data.subarray(1);
      const kind = decodePacket(p, frame, 0, frame.length, LINK_TYPES[data[0] % LINK_TYPES.length]);
      if (kind !== PacketKind.Ok) return;
      if (p.payloadLen < 0 || p.payloadOff < 0 || p.payloadOff + p.payloadLen > frame.length) {
        throw new ContractError(`payload [${p.payloadOff}, +${p.payloadLen}) outside the ${frame.length}-byte frame`);
      }
      if (p.l4Off > frame.length || p.ipOff > p.l4Off) throw new ContractError(`ip at ${p.ipOff}, l4 at ${p.l4Off} in a ${frame.length}-byte frame`);
    },
    async seeds() {
      const { loadCorpus } = await import('../corpus.js');
      const { SAMPLE_PCAPS } = await import('./flows.js');
      const out: Uint8Array[] = [];
      const seenLink = new Set<string>();
      for (const f of loadCorpus(SAMPLE_PCAPS).files) {
        // A few frames per capture: one per (link type, IP protocol) is enough to start from.
        for (const pk of f.packets) {
          const key = `${f.name} ${pk.linkType} ${pk.layout.ipProtocol}`;
          const li = LINK_TYPES.indexOf(pk.linkType);
          if (li < 0 || seenLink.has(key)) continue;
          seenLink.add(key);
          const b = new Uint8Array(1 + Math.min(pk.data.length, 1024));
          b[0] = li; b.set(pk.data.subarray(0, b.length - 1), 1);
          out.push(b);
        }
      }
      return out.slice(0, 150);
    },
  };
}
