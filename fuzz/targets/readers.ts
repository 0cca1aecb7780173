// The pcap and pcapng file readers (capture/readers): the input is a whole capture file, read
// back with a small chunk size so record boundaries fall across refills. Contract: opening
// throws only ReaderError; next() never throws, and every packet it hands out lies inside the
// batch buffer with caplen ≤ the reader's limit.
import { closeSync, mkdtempSync, openSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newFileBatch } from '../../capture/readers/open.js';
import { openPcapFile } from '../../capture/readers/pcap-file.js';
import { openPcapngFile } from '../../capture/readers/pcapng-file.js';
import { META_STRIDE, M_CAPLEN, M_DATA_OFF, ReaderError, type PacketSource } from '../../capture/readers/types.js';
import { ContractError, type FuzzTarget } from './target.js';

const CHUNK = 4096;
const batch = newFileBatch(CHUNK, 64);
// The readers take a path: one scratch file, rewritten per input (tmpfs when there is one).
let scratch: string | undefined;
function scratchFile(data: Uint8Array): string {
  scratch ??= join(mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'packrat-fuzz-')), 'input');
  const fd = openSync(scratch, 'w');
  try { ftruncateSync(fd, 0); writeSync(fd, data); } finally { closeSync(fd); }
  return scratch;
}

function drain(src: PacketSource): void {
  let batches = 0;
  while (src.next(batch)) {
    if (++batches > 100_000) throw new ContractError('reader never ends');
    for (let i = 0; i < batch.count; i++) {
      const m = i * META_STRIDE, off = batch.meta[m + M_DATA_OFF], len = batch.meta[m + M_CAPLEN];
      if (!(off >= 0 && len >= 0 && off + len <= batch.buf.length)) throw new ContractError(`packet ${i}: [${off}, +${len}) outside the batch buffer`);
    }
  }
}

export function names(): string[] { return ['pcap', 'pcapng']; }

export function target(name: string): FuzzTarget | undefined {
  if (name !== 'pcap' && name !== 'pcapng') return undefined;
  const open = name === 'pcap' ? openPcapFile : openPcapngFile;
  return {
    name,
    maxLen: 16384,
    run(data) {
      let src: PacketSource;
      try { src = open(scratchFile(data), { chunkSize: CHUNK }); } catch (e) { if (e instanceof ReaderError) return; throw e; }
      try { drain(src); } finally { src.close(); }
    },
    async seeds() {
      const { readdirSync, readFileSync } = await import('node:fs');
      const { SAMPLE_PCAPS } = await import('./flows.js');
      if (name === 'pcap') {
        return readdirSync(SAMPLE_PCAPS).filter((n) => n.endsWith('.pcap')).sort()
          .map((n) => readFileSync(join(SAMPLE_PCAPS, n))).filter((b) => b.length <= 16384).slice(0, 40).map((b) => new Uint8Array(b));
      }
      return pcapngSeeds();
    },
  };
}

/** We ship no pcapng sample: built from sample frames with each block kind the reader knows. */
async function pcapngSeeds(): Promise<Uint8Array[]> {
  const { NgBuilder } = await import('../../capture/readers/test-files.js');
  const { loadCorpus } = await import('../corpus.js');
  const { SAMPLE_PCAPS } = await import('./flows.js');
  const out: Uint8Array[] = [];
  const files = loadCorpus(SAMPLE_PCAPS).files;
  for (let i = 0; i < files.length && out.length < 30; i += 3) {
    const b = new NgBuilder();
    const le = i % 2 === 0;
    b.shb(le);
    b.idb(files[i].packets[0].linkType, 65535, i % 4 === 0 ? { tsresol: 9, tsoffset: 10 } : {});
    files[i].packets.slice(0, 6).forEach((pk, k) => {
      if (k % 3 === 2) b.spb(pk.data);
      else b.epb(0, BigInt(pk.tsSec) * 1_000_000n + BigInt(pk.tsUsec), pk.data, pk.wireLen);
    });
    out.push(b.bytes());
  }
  return out;
}
