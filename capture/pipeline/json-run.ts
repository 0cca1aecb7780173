// `packrat capture -r FILE --json`: Arkime's --tests mode. Reads the files, writes nothing to
// disk, prints one session document per line on stdout.
import { writeSync } from 'node:fs';
import type { Config } from '../../db/config.js';
import { newFileBatch, openPacketSource } from '../readers/open.js';
import { ArkimeThreadSplit } from './packet-worker.js';
import { captureSettings } from './setup.js';
import { parseFilenameOps, tagsForFile } from './file-tags.js';
import { applyTransforms, transformsFromConfig } from '../transform/batch-transform.js';

export interface JsonRunResult { packets: number; sessions: number; errors: string[] }

export function runJson(config: Config, node: string, files: string[], extraTags: string[] = []): JsonRunResult {
  let out = '';
  const flushOut = () => { if (out) { writeStdout(out); out = ''; } };
  const result = runToDocs(config, node, files, (doc) => {
    out += JSON.stringify(doc) + '\n';
    if (out.length > 1 << 20) flushOut();
  }, extraTags, (message) => process.stderr.write(`packrat: ${message}\n`));
  flushOut();
  return result;
}

/**
 * Capture `files` in this thread and hand each session document to `onDoc` (tests use it too).
 * With packetThreads above 1 the packets are split as Arkime's threads would get them (one
 * session table, one packet clock each; see session/arkime-thread.ts), so a run gives the
 * documents Arkime's --tests mode gives with that config, mid-saves after time jumps included.
 */
export function runToDocs(config: Config, node: string, files: string[], onDoc: (doc: Record<string, unknown>) => void,
  extraTags: string[] = [], onError: (message: string) => void = () => {}): JsonRunResult {
  const settings = captureSettings(config);
  let sessions = 0;
  const threads = new ArkimeThreadSplit(settings, node, (doc) => { sessions++; onDoc(doc); });
  const ops = parseFilenameOps(config);
  const transforms = transformsFromConfig(config, node);
  const batch = newFileBatch();
  const errors: string[] = [];
  for (const file of files) {
    threads.setFile([...extraTags, ...tagsForFile(ops, file)]);
    let src: ReturnType<typeof openPacketSource>;
    // An input that cannot be read is reported; the rest of the batch still runs.
    try { src = openPacketSource(file); } catch (e) { errors.push((e as Error).message); onError((e as Error).message); continue; }
    try {
      while (src.next(batch)) { applyTransforms(transforms, batch); threads.process(batch); }
      if (src.error) { errors.push(src.error.message); onError(src.error.message); }
    } finally {
      src.close();
    }
  }
  threads.finish();
  return { packets: threads.packets, sessions, errors };
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
