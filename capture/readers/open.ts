// Open a capture file of either format by its magic number, and size a batch for it.

import { openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { sniffFormat, hex8, u32, MAX_CAPLEN } from '../../db/pcap/format.js';
import { DEFAULT_CHUNK_SIZE } from './chunked-file.js';
import { openPcapFile } from './pcap-file.js';
import { openPcapngFile } from './pcapng-file.js';
import { META_STRIDE, PacketBatch, ReaderError, type PacketSource, type PacketSourceOptions } from './types.js';

export { DEFAULT_CHUNK_SIZE };

/**
 * Open `path` as pcap or pcapng, whichever its first bytes say. Throws ReaderError naming the
 * file (offset 0) for an empty file or an unknown magic.
 */
export function openPacketSource(path: string, opts: PacketSourceOptions = {}): PacketSource {
  const head = new Uint8Array(4);
  let n: number, size: number;
  try {
    const fd = openSync(path, 'r');
    try {
      size = fstatSync(fd).size;
      n = readSync(fd, head, 0, 4, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new ReaderError(path, 0, `cannot open: ${openFailure(e as NodeJS.ErrnoException)}`);
  }
  if (size === 0) throw new ReaderError(path, 0, 'empty file');
  const format = sniffFormat(head.subarray(0, n));
  if (format === 'pcap') return openPcapFile(path, opts);
  if (format === 'pcapng') return openPcapngFile(path, opts);
  const found = n < 4 ? `${n} byte(s)` : `magic 0x${hex8(u32(head, 0, false))}`;
  throw new ReaderError(path, 0, `unknown capture file format (${found}; expected pcap a1b2c3d4/a1b23c4d or pcapng 0a0d0d0a)`);
}

function openFailure(e: NodeJS.ErrnoException): string {
  const what: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ELOOP: 'too many symbolic links' };
  return e.code ? `${what[e.code] ?? e.message} (${e.code})` : e.message;
}

/**
 * A batch whose buffer holds one chunk plus one largest record, with room for `maxPackets`
 * packets (default: a chunk of 64-byte packets). Pass `shared` to back it by SharedArrayBuffers.
 */
export function newFileBatch(chunkSize = DEFAULT_CHUNK_SIZE, maxPackets?: number, shared = false): PacketBatch {
  const bytes = chunkSize + MAX_CAPLEN + 65536;
  const packets = maxPackets ?? Math.max(1024, Math.ceil(chunkSize / 64));
  const buf = new Uint8Array(shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
  const metaBytes = packets * META_STRIDE * Float64Array.BYTES_PER_ELEMENT;
  const meta = new Float64Array(shared ? new SharedArrayBuffer(metaBytes) : new ArrayBuffer(metaBytes));
  return new PacketBatch(buf, packets, meta);
}
