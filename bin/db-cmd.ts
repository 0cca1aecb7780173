// `packrat db -c CONFIG info|optimize|wipe|expire <daily|hourly|weekly|monthly> N` on the embedded store.
import { resolve } from 'node:path';
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { fields } from '../db/fields/registry.js';
import '../db/fields/core.js';
import '../capture/parsers/index.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import { partitionRange } from '../db/store/partition-name.js';

export async function dbCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ['-c', '-n'], flags: ['--dry-run'], alias: { '--config': '-c' } });
  const config = loadConfig(one(a, '-c'), one(a, '-n') ?? defaultNode());
  const [sub, ...args] = a.rest;
  const dataDir = resolve(config.str('dataDir', './data'));
  const rotateIndex = config.str('rotateIndex', 'daily');
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex, registry: fields });
  try {
    switch (sub) {
      case 'info': {
        let n = 0, bytes = 0;
        for (const p of store.partitions()) {
          process.stdout.write(`${p.name}\t${p.sessions} sessions\t${p.segments} segments\t${p.bytes} bytes\n`);
          n += p.sessions; bytes += p.bytes;
        }
        process.stdout.write(`total\t${n} sessions\t${bytes} bytes\t${dataDir}\n`);
        break;
      }
      case 'optimize': await store.optimize(); process.stdout.write('optimized\n'); break;
      case 'wipe': await store.wipe(); process.stdout.write(`wiped sessions in ${dataDir}\n`); break;
      case 'expire': {
        const [kind, nText] = args;
        const n = Number(nText);
        if (!['daily', 'hourly', 'weekly', 'monthly'].includes(kind) || !Number.isInteger(n) || n < 0) {
          throw new UsageError('db expire needs <daily|hourly|weekly|monthly> <N>');
        }
        const unitMs = { hourly: 3600e3, daily: 86400e3, weekly: 7 * 86400e3, monthly: 31 * 86400e3 }[kind as 'daily']!;
        const cutoff = Date.now() - (n + 1) * unitMs;
        for (const name of store.partitionNames()) {
          const start = partitionRange(name)?.start;
          if (start !== undefined && start < cutoff) {
            if (a.flags.has('--dry-run')) process.stdout.write(`would expire ${name}\n`);
            else { await store.deletePartition(name); process.stdout.write(`expired ${name}\n`); }
          }
        }
        break;
      }
      default: throw new UsageError(`unknown db command '${sub ?? ''}' (info, optimize, wipe, expire)`);
    }
  } finally {
    await store.close();
  }
}
