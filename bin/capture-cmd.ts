// `packrat capture`: offline import (-r/-R) into the store, or --json for Arkime's test mode.
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, one, UsageError } from './args.js';
import { defaultNode, loadConfig } from './cli.js';
import { ConfigError } from '../db/config.js';
import { runJson } from '../capture/pipeline/json-run.js';
import { transformsFromConfig, transformSpecFromConfig } from '../capture/transform/batch-transform.js';

export function listPcapDir(dir: string, recursive: boolean, re: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) { if (recursive) out.push(...listPcapDir(p, recursive, re)); continue; }
    if (re.test(name)) out.push(resolve(p));
  }
  return out;
}

export async function captureCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, {
    values: ['-c', '-n', '-r', '-R', '--tag', '-o'],
    flags: ['--json', '--recursive', '--copy', '--delete', '--flush', '--monitor', '-q'],
    alias: { '--config': '-c', '--node': '-n', '--pcapfile': '-r', '--pcapdir': '-R', '-t': '--tag', '--tags': '--tag', '-m': '--monitor' },
  });
  const node = one(a, '-n') ?? defaultNode();
  const config = loadConfig(one(a, '-c'), node, a.flags.has('--json') ? undefined : 'capture');
  for (const o of a.opts.get('-o') ?? []) {
    const eq = o.indexOf('=');
    if (eq < 0) throw new UsageError(`-o needs key=value, got '${o}'`);
    config.override(o.slice(0, eq), o.slice(eq + 1));
  }
  transformsFromConfig(config, node); // a bad transform key (anonymizeKey...) stops here, naming the key
  // anonymize=true: sessions must not point at the original file, so -r writes an anonymised copy into pcapDir
  const anonCopy = transformSpecFromConfig(config).anonymize === true && !a.flags.has('--copy');
  const re = new RegExp(config.str('offlineFilenameRegex', '\\.(pcap|cap|pcapng)$'), 'i');
  // `-r A B C` reads all three (a shell glob after -r), as `-r A -r B -r C` does.
  if (a.rest.length && !a.opts.has('-r')) throw new UsageError(`unexpected argument '${a.rest[0]}' (files go after -r)`);
  const files = [...(a.opts.get('-r') ?? []), ...a.rest].map((f) => resolve(f));
  for (const d of a.opts.get('-R') ?? []) files.push(...listPcapDir(d, a.flags.has('--recursive'), re));
  const monitor = a.flags.has('--monitor');
  if (monitor && !a.opts.has('-R')) throw new UsageError('--monitor watches the folders given with -R DIR');
  if (a.flags.has('--delete') && !a.flags.has('--copy') && !anonCopy) throw new UsageError('--delete needs --copy (without a copy the sessions would point at a deleted file)');
  if (a.flags.has('--json') && (monitor || a.flags.has('--copy') || a.flags.has('--delete'))) throw new UsageError('--json writes nothing: it takes no --copy, --delete or --monitor');
  if (files.length === 0 && !monitor) {
    // Live capture: interface= in the config, no -r/-R.
    if (config.list('interface').length === 0) throw new UsageError('capture needs -r FILE, -R DIR, or interface= in the config (live capture)');
    const { runLiveCapture } = await import('../capture/live/live-capture.js');
    await runLiveCapture(config, node, { quiet: a.flags.has('-q') });
    return;
  }
  const tags = a.opts.get('--tag') ?? [];
  if (a.flags.has('--json')) {
    // A damaged file keeps the documents before the fault; the exit status still says it failed.
    const r = runJson(config, node, files, tags);
    reportFailures(files.length, r.errors, r.sessions, files.length);
    return;
  }
  const { runImport } = await import('../capture/pipeline/import.js');
  if (anonCopy && config.list('pcapDir').length === 0) {
    throw new ConfigError(`${config.file}: anonymize=true imports -r files as --copy (the originals hold real addresses) and needs pcapDir= for node ${node}`);
  }
  if (anonCopy && !a.flags.has('-q')) process.stderr.write('packrat: anonymize=true: importing as --copy (anonymised copies in pcapDir; the originals are not referenced)\n');
  const r = await runImport(config, node, files, {
    tags,
    copy: a.flags.has('--copy') || anonCopy,
    deleteAfter: a.flags.has('--delete'),
    flushBetweenFiles: a.flags.has('--flush'),
    monitorDirs: monitor ? (a.opts.get('-R') ?? []).map((d) => resolve(d)) : [],
    recursive: a.flags.has('--recursive'),
    filenameRegex: re,
    quiet: a.flags.has('-q'),
  });
  // A --monitor run ends only by signal, which is its normal stop; a plain import stopped early
  // did not read every input it was given.
  reportFailures(files.length, r.errors, r.sessions, monitor ? files.length : r.inputsDone);
}

/**
 * Cron and scripts read the exit status: 0 only when every input went through. Each failed
 * input is named on stderr with what went wrong and where (the reader's messages carry the byte
 * offset); what was read before a fault is kept.
 */
function reportFailures(inputs: number, errors: string[], sessions: number, inputsDone: number): void {
  const unread = inputs - inputsDone;
  if (errors.length === 0 && unread <= 0) return;
  const lines = [`packrat: ${errors.length} of ${inputs} input(s) failed${unread > 0 ? `, ${unread} not read (stopped early)` : ''}; ${sessions} session(s) kept:`];
  for (const e of errors) lines.push(`  ${e}`);
  process.stderr.write(lines.join('\n') + '\n');
  process.exitCode = 1;
}
