// Times DocFlattener.add (session document → embedded-store staging line) per document, on the
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
import { runToDocs } from '../capture/pipeline/json-run.js';
const argv = process.argv.slice(2);
const opt = (name: string, dflt: string): string => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt; };
const rounds = Math.max(1, Number(opt('--rounds', '7')));

function loadDocs(): Record<string, unknown>[] {
  const docsFile = opt('--docs', '');
  if (docsFile) return fs.readFileSync(docsFile, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
  const out: Record<string, unknown>[] = [];
  runToDocs(Config.fromText('[default]\n', 'bench'), 'bench', [opt('--pcap', '/dev/shm/mixed5k.pcap')], (d) => out.push(d));
  return out;
}

const docs = loadDocs();
if (docs.length === 0) throw new Error('flatten-bench: no documents to flatten');

/** Median of `rounds` timings of `fn` over every document, in µs per document. */
function time(fn: (d: Record<string, unknown>) => void, after: () => void): number {
  const each: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (const d of docs) fn(d);
    after();
    each.push(Number(process.hrtime.bigint() - t0) / 1000 / docs.length);
  }
  each.sort((a, b) => a - b);
  return each[each.length >> 1];
}

let sink = 0;
const stringify = time((d) => { sink += JSON.stringify(d).length; }, () => {});
const flattener = new DocFlattener(fields, 'daily');
const add = time((d) => flattener.add(d), () => { for (const b of flattener.take()) sink += b.text.length; });
console.log(`${docs.length} documents, ${rounds} rounds (median)`);
console.log(`JSON.stringify(doc)   ${stringify.toFixed(2)} µs/doc`);
console.log(`DocFlattener.add+take ${add.toFixed(2)} µs/doc  ratio to stringify ${(add / stringify).toFixed(2)}`);
if (sink === 0) console.log('(nothing written)');
