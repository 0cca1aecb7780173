// `packrat <command>`: capture, query, db, user, viewer, anonymize, demo.
import { hostname } from 'node:os';
import { Config, ConfigError } from '../db/config.js';
import { defineConfigFields } from '../db/fields/config-fields.js';
import { ReaderError } from '../capture/readers/types.js';
import { UsageError } from './args.js';

const USAGE = `usage: packrat <command> [options]

commands:
  capture -c CONFIG [-n NODE] (-r FILE ... | -R DIR [--recursive]) [--copy] [--delete] [--tag T] [--flush] [--monitor] [-o key=value]
  capture -c CONFIG -n NODE -r FILE --json          print session documents, store nothing
  capture -c CONFIG -n NODE                          live capture on interface= from the config
  query   -c CONFIG --count EXPRESSION [--start-time S --stop-time E --bounding B] | --es-dsl EXPRESSION
  db      -c CONFIG init | upgrade | info | optimize | wipe | expire daily|hourly[N]|weekly|monthly N [--history W] [--dry-run]
  db      -c CONFIG expire-pcap [-n NODE] [--dry-run] | replay-spool
  viewer  -c CONFIG [-n NODE] [--port P] [--host H]
  user    -c CONFIG add NAME [--admin] [--roles r1,r2] [--expression E] [--anonymize] [--password P] | list | remove NAME
          | apikey NAME [--nodes a,b] [--allow CIDR,...] | anonymize NAME on|off
  anonymize --key HEX ADDRESS... | -c CONFIG ADDRESS...   each address Crypto-PAn'd (anonymizeKey), one per line
  demo    [--dir DIR] [--sessions N] [--port P] [--no-viewer]   sample traffic into ./demo-data, then the viewer
`;

export function defaultNode(): string { return hostname().split('.')[0]; }

/**
 * Load the config and define the fields its `[headers-*]` sections name, before any store opens.
 * `command` names a command that reads or writes a store: it refuses to run without -c rather
 * than quietly use ./data of whatever folder it was started in.
 */
export function loadConfig(file: string | undefined, node: string, command?: string): Config {
  if (!file && command) {
    throw new UsageError(`${command} needs -c CONFIG: it would otherwise use the store in ${process.cwd()}/data without being told to ` +
      '(etc/config.ini documents every key; `packrat demo` writes a config of its own)');
  }
  const config = file ? Config.load(file, node) : Config.fromText('[default]\n', node);
  defineConfigFields((name) => config.section(name));
  return config;
}

export async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'capture': { const m = await import('./capture-cmd.js'); await m.captureCommand(rest); break; }
      case 'query': { const m = await import('./query-cmd.js'); await m.queryCommand(rest); break; }
      case 'db': { const m = await import('./db-cmd.js'); await m.dbCommand(rest); break; }
      case 'demo': { const m = await import('./demo-cmd.js'); await m.demoCommand(rest); break; }
      case 'viewer': { const m = await import('./viewer-cmd.js'); await m.viewerCommand(rest); break; }
      case 'anonymize': { const m = await import('./anonymize-cmd.js'); m.anonymizeCommand(rest); break; }
      case 'user': { const m = await import('./user-cmd.js'); await m.userCommand(rest); break; }
      case undefined: case 'help': case '--help': case '-h':
        process.stdout.write(USAGE); return;
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`packrat: ${e.message}\n${USAGE}`); process.exit(2); }
    if (e instanceof ConfigError || e instanceof ReaderError) { process.stderr.write(`packrat: ${e.message}\n`); process.exit(1); }
    throw e;
  }
}
