// `packrat capture -r FILE --json`: Arkime's --tests mode. Reads the files, writes nothing to
// disk, prints one session document per line on stdout.
import { writeSync } from 'node:fs';
import type { Config } from '../../db/config.js';
import { newFileBatch, openPacketSource } from '../readers/open.js';
import { PacketWorker } from './packet-worker.js';
import { captureSettings } from './setup.js';
import { parseFilenameOps, tagsForFile } from './file-tags.js';

export interface JsonRunResult { packets: number; sessions: number; errors: string[] }

export function runJson(config: Config, node: string, files: string[], extraTags: string[] = []): JsonRunResult {
  const settings = captureSettings(config);
  let out = '';
  let sessions = 0;
  const flushOut = () => { if (out) { writeStdout(out); out = ''; } };
  const worker = new PacketWorker(settings, node, (doc) => {
    sessions++;
    out += JSON.stringify(doc) + '\n';
    if (out.length > 1 << 20) flushOut();
  });
  const ops = parseFilenameOps(config);
  const batch = newFileBatch();
  const errors: string[] = [];
  for (const file of files) {
    worker.setFile(0, [...extraTags, ...tagsForFile(ops, file)]);
    const src = openPacketSource(file);
    try {
      while (src.next(batch)) worker.process(batch);
      if (src.error) { errors.push(src.error.message); process.stderr.write(`packrat: ${src.error.message}; sessions before it are kept\n`); }
    } finally {
      src.close();
    }
  }
  worker.finish();
  flushOut();
  return { packets: worker.packets, sessions, errors };
}

function writeStdout(s: string): void {
  const b = Buffer.from(s);
  let off = 0;
  while (off < b.length) {
    try { off += writeSync(1, b, off); } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw e;
    }
  }
}
