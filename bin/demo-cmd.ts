// `packrat demo [--dir DIR] [--sessions N] [--port P] [--no-viewer]`: write Packrat's own sample
// traffic, import it into an embedded store, print what was stored, make an `admin` user and
// start the viewer on it. The quick start's first command.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import { parseArgs, one } from './args.js';
import { loadConfig } from './cli.js';
import { fields } from '../db/fields/registry.js';
import { EmbeddedSessionStore } from '../db/store/session-store.js';
import type { Config } from '../db/config.js';
import { openControlStore } from '../db/backend/open.js';
import { writeSamplePcap } from '../capture/synth/traffic.js';
import { runImport } from '../capture/pipeline/import.js';
import { hashPassword, passwordHashCost } from '../viewer/auth.js';

export async function demoCommand(argv: string[]): Promise<void> {
  const a = parseArgs(argv, { values: ['--dir', '--sessions', '--port'], flags: ['--no-viewer'] });
  const dir = resolve(one(a, '--dir') ?? 'demo-data');
  const dataDir = join(dir, 'data');
  mkdirSync(dir, { recursive: true });
  // A config file the user can keep using with every other command.
  const configFile = join(dir, 'config.ini');
  if (!existsSync(configFile)) {
    writeFileSync(configFile, `# Written by \`packrat demo\`; see etc/config.ini for every key.\n[default]\ndataDir=${dataDir}\npcapDir=${join(dir, 'pcap')}\npacketThreads=2\n`);
  }
  const config = loadConfig(configFile, 'demo');
  // Named up front: the demo writes into the current folder unless --dir says otherwise.
  process.stderr.write(`packrat: demo folder ${dir} (config ${configFile}, data ${dataDir})\n`);
  const pcap = join(dir, 'sample.pcap');
  if (!existsSync(dataDir)) {
    const packets = writeSamplePcap(pcap, Number(one(a, '--sessions') ?? 300));
    process.stderr.write(`packrat: wrote ${packets} packets of sample traffic to ${pcap}\n`);
    await runImport(config, 'demo', [pcap], { tags: ['demo'], copy: false, deleteAfter: false, flushBetweenFiles: false, monitorDirs: [], quiet: false });
  } else {
    process.stderr.write(`packrat: ${dataDir} exists; showing what it holds (remove ${dir} to start over)\n`);
  }
  await printSummary(dataDir);

  const password = await demoAdmin(config, join(dir, 'admin-password.txt'));
  if (a.flags.has('--no-viewer')) return;
  const { createViewer } = await import('../viewer/server.js');
  const viewer = await createViewer({ config, registry: fields });
  const port = await viewer.listen(Number(one(a, '--port') ?? config.int('viewPort', 8005, 0, 65535)), '127.0.0.1');
  process.stdout.write(`\nViewer: http://127.0.0.1:${port}/  (user admin, password ${password}; Ctrl-C stops it)\n` +
    `Later: bin/packrat viewer -c ${configFile}\n`);
  const stop = () => { void viewer.close().then(() => process.exit(0)); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function printSummary(dataDir: string): Promise<void> {
  const store = await EmbeddedSessionStore.open(dataDir, { rotateIndex: 'daily', registry: fields, readOnly: true });
  try {
    const total = await store.count();
    const rows = await store.query(`SELECT p AS protocol, count(*)::INTEGER AS sessions FROM (SELECT unnest("protocol") AS p FROM ${store.fromClause()}) GROUP BY p ORDER BY sessions DESC`);
    process.stdout.write(`\nStored ${total} sessions in ${dataDir}\n`);
    for (const p of store.partitions()) process.stdout.write(`  partition ${p.name}: ${p.sessions} sessions, ${p.segments} segment(s), ${p.bytes} bytes\n`);
    process.stdout.write('  by protocol:\n');
    for (const r of rows) process.stdout.write(`    ${String(r.protocol).padEnd(8)} ${r.sessions}\n`);
  } finally {
    await store.close();
  }
}

/** The demo's `admin` user: created once with a random password kept beside the store (mode 600). */
async function demoAdmin(config: Config, passwordFile: string): Promise<string> {
  const control = await openControlStore(config);
  try {
    if (await control.getUser('admin') && existsSync(passwordFile)) return readFileSync(passwordFile, 'utf8').trim();
    const password = randomBytes(9).toString('base64url');
    if (await control.getUser('admin')) await control.deleteUser('admin');
    await control.createUser({ userId: 'admin', userName: 'Demo admin', passHash: await hashPassword(password, passwordHashCost(config)), roles: ['superAdmin'], enabled: true });
    writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
    return password;
  } finally {
    await control.close();
  }
}
