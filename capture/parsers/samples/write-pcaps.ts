// Writes every parser sample's pcap into capture/parsers/samples/pcaps/, and with --expected its
// session documents as NAME.json (review the diff before committing: that file is the test's truth).
//   node dist/capture/parsers/samples/write-pcaps.js [--expected] [NAME ...]
import { mkdirSync, writeFileSync } from 'node:fs';
import { samples } from './index.js';
import { expectedPath, pcapDir, pcapPath, sampleBytes, sampleDocs } from './run.js';

const args = process.argv.slice(2);
const withExpected = args.includes('--expected');
const only = new Set(args.filter((a) => !a.startsWith('--')));
const unknown = [...only].filter((n) => !samples.some((s) => s.name === n));
if (unknown.length) {
  process.stderr.write(`write-pcaps: no sample named ${unknown.join(', ')}\n`);
  process.exit(2);
}
mkdirSync(pcapDir, { recursive: true });
for (const s of samples) {
  if (only.size && !only.has(s.name)) continue;
  const bytes = sampleBytes(s);
  writeFileSync(pcapPath(s.name), bytes);
  let line = `${s.name}: ${bytes.length} bytes`;
  if (withExpected) {
    const docs = sampleDocs(s);
    writeFileSync(expectedPath(s.name), JSON.stringify(docs, null, 1) + '\n');
    line += `, ${docs.length} sessions`;
  }
  process.stdout.write(line + '\n');
}
