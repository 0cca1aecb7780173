// Times buildDocument (session → document, on the sessions a packet worker saves as final) and
// DocFlattener.add (session document → embedded-store staging line) per document, on the
// documents a packet worker makes of a pcap (default /dev/shm/mixed5k.pcap; made in this process,
// as objects shaped like a worker's, not parsed back from JSON), or on a --docs JSONL file. Prints µs per
// document and the ratio to JSON.stringify of the same document (the floor any flattener that
// writes JSON text has to pay), so runs on a busy machine stay comparable.
//
//   node dist/bench/flatten-bench.js [--pcap FILE | --docs FILE.jsonl] [--rounds N]
import fs from 'node:fs';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import { DocFlattener } from '../db/store/flat-batch.js';
import { newFileBatch, openPacketSource } from '../capture/readers/open.js';
import { PacketWorker } from '../capture/pipeline/packet-worker.js';
import { captureSettings } from '../capture/pipeline/setup.js';
import { buildDocument, type DocOptions } from '../capture/session/document.js';
import type { Session } from '../capture/session/session.js';
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
const rounds = Math.max(1, Number(opt('--rounds', '7')));

/** Sessions saved as final (buildDocument is pure on them) and the options to rebuild them. */
const finals: Session[] = [];
let docOpts: DocOptions | undefined;

function loadDocs(): Record<string, unknown>[] {
  const docsFile = opt('--docs', '');
  if (docsFile) return fs.readFileSync(docsFile, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
  const out: Record<string, unknown>[] = [];
  const settings = captureSettings(Config.fromText('[default]\n', 'bench'));
  const worker = new PacketWorker(settings, 'bench', (d) => out.push(d));
  // Bench only: see each session as the worker saves it (save is private to the worker).
  const w = worker as unknown as { save(s: Session, final: boolean): void; docOpts: DocOptions };
  const save = w.save.bind(worker);
  w.save = (s, final) => { if (final) finals.push(s); save(s, final); };
  const src = openPacketSource(opt('--pcap', '/dev/shm/mixed5k.pcap'));
  const batch = newFileBatch();
  try { while (src.next(batch)) worker.process(batch); } finally { src.close(); }
  worker.finish();
  docOpts = w.docOpts;
  return out;
}

const docs = loadDocs();
if (docs.length === 0) throw new Error('flatten-bench: no documents to flatten');

/** Median of `rounds` timings of `round` (which handles `n` documents), in µs per document. */
function time(round: () => void, n: number): number {
  const each: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    round();
    each.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  each.sort((a, b) => a - b);
  return each[each.length >> 1];
}

let sink = 0;
const build = finals.length === 0 ? 0 : time(() => { for (const s of finals) if (buildDocument(s, true, docOpts!).node) sink++; }, finals.length);
const stringify = time(() => { for (const d of docs) sink += JSON.stringify(d).length; }, docs.length);
const flattener = new DocFlattener(fields, 'daily');
const add = time(() => {
  for (const d of docs) flattener.add(d);
  for (const b of flattener.take()) sink += b.bytes.length;
}, docs.length);
console.log(`${docs.length} documents, ${rounds} rounds (median)`);
if (build) console.log(`buildDocument         ${build.toFixed(2)} µs/doc  ratio to stringify ${(build / stringify).toFixed(2)}  (${finals.length} final sessions)`);
console.log(`JSON.stringify(doc)   ${stringify.toFixed(2)} µs/doc`);
console.log(`DocFlattener.add+take ${add.toFixed(2)} µs/doc  ratio to stringify ${(add / stringify).toFixed(2)}`);
if (sink === 0) console.log('(nothing written)');
