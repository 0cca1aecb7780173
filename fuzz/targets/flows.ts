// Flows of our own sample captures (capture/parsers/samples/pcaps), as the per-direction payload
// chunks a parser sees: the seeds of the parser targets. Only for seeding: reads files.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dir } from '../../capture/parsers/api.js';
import { loadCorpus } from '../corpus.js';

export const SAMPLE_PCAPS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../capture/parsers/samples/pcaps');

export interface Flow { file: string; transport: 'tcp' | 'udp'; clientPort: number; serverPort: number; chunks: [Dir, Uint8Array][] }

let flows: Flow[] | undefined;

function loadFlows(): Flow[] {
  const out: Flow[] = [];
  for (const file of loadCorpus(SAMPLE_PCAPS).files) {
    const byKey = new Map<string, { flow: Flow; client: string }>();
    for (const p of file.packets) {
      const l = p.layout;
      if (l.l4Off < 0 || (l.ipProtocol !== 6 && l.ipProtocol !== 17) || l.payloadLen <= 0) continue;
      const d = p.data, ipLen = l.ipVersion === 4 ? 4 : 16, srcOff = l.ipOff + (l.ipVersion === 4 ? 12 : 8);
      const src = `${d.subarray(srcOff, srcOff + ipLen).join('.')}:${(d[l.l4Off] << 8) | d[l.l4Off + 1]}`;
      const dst = `${d.subarray(srcOff + ipLen, srcOff + 2 * ipLen).join('.')}:${(d[l.l4Off + 2] << 8) | d[l.l4Off + 3]}`;
      const key = `${l.ipProtocol} ${[src, dst].sort().join(' ')}`;
      let f = byKey.get(key);
      if (!f) {
        f = { client: src, flow: { file: file.name, transport: l.ipProtocol === 6 ? 'tcp' : 'udp', clientPort: (d[l.l4Off] << 8) | d[l.l4Off + 1], serverPort: (d[l.l4Off + 2] << 8) | d[l.l4Off + 3], chunks: [] } };
        byKey.set(key, f);
        out.push(f.flow);
      }
      f.flow.chunks.push([src === f.client ? 0 : 1, d.slice(l.payloadOff, l.payloadOff + l.payloadLen)]);
    }
  }
  return out;
}

/** Up to `max` flows that `want` accepts, at most two per capture file so seeds vary. */
export function flowSeeds(want: (f: Flow) => boolean, max = 8): Flow[] {
  const perFile = new Map<string, number>();
  const out: Flow[] = [];
  for (const f of (flows ??= loadFlows())) {
    if (out.length >= max || !want(f) || (perFile.get(f.file) ?? 0) >= 2) continue;
    perFile.set(f.file, (perFile.get(f.file) ?? 0) + 1);
    out.push(f);
  }
  return out;
}
