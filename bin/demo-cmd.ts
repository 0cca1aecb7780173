// `packrat demo`: write Packrat's own sample traffic, import it into an embedded store and
// print what was stored. The quick start's first command.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, one } from './args.js';
import { Config } from '../db/config.js';
import { fields } from '../db/fields/registry.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import { writeSamplePcap } from '../capture/synth/traffic.js';
import { runImport } from '../capture/pipeline/import.js';

export async function demoCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ['--dir', '--sessions'], flags: [] });
  const dir = resolve(one(a, '--dir') ?? 'demo-data');
  mkdirSync(dir, { recursive: true });
  const pcap = join(dir, 'sample.pcap');
  const packets = writeSamplePcap(pcap, Number(one(a, '--sessions') ?? 300));
  process.stderr.write(`packrat: wrote ${packets} packets of sample traffic to ${pcap}\n`);
  const config = Config.fromText(`[default]\ndataDir=${join(dir, 'data')}\npacketThreads=2\n`, 'demo');
  await runImport(config, 'demo', [pcap], { tags: ['demo'], copy: false, deleteAfter: false, flushBetweenFiles: false, monitorDirs: [], quiet: false });
  const store = await EmbeddedSessionStore.open(join(dir, 'data'), { rotateIndex: 'daily', registry: fields, readOnly: true });
  try {
    const total = await store.count();
    const rows = await store.query(`SELECT p AS protocol, count(*)::INTEGER AS sessions FROM (SELECT unnest("protocol") AS p FROM ${store.fromClause()}) GROUP BY p ORDER BY sessions DESC`);
    process.stdout.write(`\nStored ${total} sessions in ${join(dir, 'data')}\n`);
    for (const p of store.partitions()) process.stdout.write(`  partition ${p.name}: ${p.sessions} sessions, ${p.segments} segment(s), ${p.bytes} bytes\n`);
    process.stdout.write('  by protocol:\n');
    for (const r of rows) process.stdout.write(`    ${String(r.protocol).padEnd(8)} ${r.sessions}\n`);
    process.stdout.write(`\nTry: bin/packrat query -c <config with dataDir=${join(dir, 'data')}> --count 'protocols == http'\n`);
  } finally {
    await store.close();
  }
}
