// pcap retention (`freeSpaceG`, reference section 6): when a device holding a node's pcapDirs
// has less free space than the bound, delete that node's oldest unlocked pcap files until it
// has enough, and drop their registry docs so the viewer shows their sessions as SPI-only
// ("Only have SPI data", as Arkime: the file doc goes, the session docs stay). The viewer runs
// this every 60 s; `packrat db expire-pcap` runs it from cron.
import { lstatSync, statSync, statfsSync, unlinkSync } from 'node:fs';
import { resolve } from 'node:path';
import { Config } from '../config.js';
import type { ControlStore, FileDoc } from '../backend/control-store.js';
import { openControlStore } from '../backend/open.js';
import { chooseExpiry, fileId, type ExpiryPolicy, type KeptReason } from './expiry-candidates.js';
import { DEFAULT_FREE_SPACE, parseFreeSpace, requiredFreeBytes, type FreeSpaceBound } from './free-space.js';

export interface DeviceSpace { freeBytes: number; totalBytes: number }

export interface PcapExpiryOptions {
  /** Report what would go; delete nothing. */
  dryRun?: boolean;
  /** An open control store (the viewer's); otherwise the config's is opened and closed. */
  control?: ControlStore;
  /** Free and total bytes of the device holding `dir` (tests); default statfs. */
  space?: (dir: string) => DeviceSpace;
}

export interface ExpiredFile { id: string; num: number; name: string; bytes: number }

export interface DeviceExpiry {
  /** The node's pcapDirs on this device. */
  dirs: string[];
  totalBytes: number;
  requiredBytes: number;
  freeBefore: number;
  /** Measured after deleting; estimated from file sizes in a dry run. */
  freeAfter: number;
  deleted: ExpiredFile[];
  kept: Record<KeptReason, number>;
  /** Still below the bound after deleting every file it may: the disk is too small. */
  shortfall: boolean;
}

export interface PcapExpiryReport {
  node: string;
  dryRun: boolean;
  freeSpaceG: string;
  devices: DeviceExpiry[];
  /** Problems that did not stop the run (a pcapDir that cannot be read, a file that cannot be deleted). */
  errors: string[];
}

export interface PcapExpirySettings {
  pcapDirs: string[];
  bound: FreeSpaceBound;
  boundText: string;
  policy: ExpiryPolicy;
  dataDir: string;
}

/** The config as `node` sees it (its section overrides [default]), keeping -o overrides. */
export function configForNode(config: Config, node: string): Config {
  if (config.node === node) return config;
  const c = new Config(config.sections, node, config.file);
  for (const [k, v] of config.overrideList()) c.override(k, v);
  return c;
}

export function pcapExpirySettings(config: Config): PcapExpirySettings {
  const boundText = config.str('freeSpaceG', DEFAULT_FREE_SPACE);
  return {
    pcapDirs: config.list('pcapDir').map((d) => resolve(d)),
    bound: parseFreeSpace(boundText, `${config.file}: freeSpaceG (node ${config.node})`),
    boundText,
    policy: {
      expireImported: config.bool('pcapExpireImported', false),
      keepNewest: config.int('pcapKeepNewestFiles', 10, 0),
    },
    dataDir: resolve(config.str('dataDir', './data')),
  };
}

function statfsSpace(dir: string): DeviceSpace {
  const s = statfsSync(dir);
  return { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
}

/** Bytes a file occupies on disk (what deleting it frees), 0 when it is already gone. */
function allocatedBytes(name: string): number {
  try { return lstatSync(name).blocks * 512; } catch { return 0; }
}

/** Delete a file; true when it is gone afterwards (already missing counts as gone). */
function removeFile(name: string, errors: string[]): boolean {
  try { unlinkSync(name); return true; } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    errors.push(`cannot delete ${name}: ${code ?? (e as Error).message}`);
    return false;
  }
}

/** The node's pcapDirs grouped by the device (st_dev) they live on; unreadable dirs are reported. */
function groupByDevice(dirs: string[], errors: string[]): string[][] {
  const byDev = new Map<number, string[]>();
  for (const d of dirs) {
    let dev: number;
    try { dev = statSync(d).dev; } catch (e) {
      errors.push(`pcapDir ${d}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      continue;
    }
    const l = byDev.get(dev) ?? [];
    l.push(d);
    byDev.set(dev, l);
  }
  return [...byDev.values()];
}

/**
 * Free each device holding `node`'s pcapDirs down to `freeSpaceG`. Files of other nodes,
 * files outside the pcapDirs, locked (offline-imported) files unless `pcapExpireImported`,
 * the file being written and the `pcapKeepNewestFiles` newest files are never deleted.
 */
export async function runPcapExpiry(config: Config, node: string, o: PcapExpiryOptions = {}): Promise<PcapExpiryReport> {
  const cfg = configForNode(config, node);
  const s = pcapExpirySettings(cfg);
  const report: PcapExpiryReport = { node, dryRun: o.dryRun ?? false, freeSpaceG: s.boundText, devices: [], errors: [] };
  if (s.pcapDirs.length === 0) return report;
  const space = o.space ?? statfsSpace;
  const control = o.control ?? await openControlStore(cfg);
  try {
    const nodeFiles = await control.listFiles(node);
    for (const dirs of groupByDevice(s.pcapDirs, report.errors)) {
      report.devices.push(await expireDevice(control, nodeFiles, dirs, s, space, report));
    }
  } finally {
    if (!o.control) await control.close();
  }
  return report;
}

async function expireDevice(control: ControlStore, nodeFiles: FileDoc[], dirs: string[], s: PcapExpirySettings,
                            space: (dir: string) => DeviceSpace, report: PcapExpiryReport): Promise<DeviceExpiry> {
  const before = space(dirs[0]);
  const requiredBytes = requiredFreeBytes(s.bound, before.totalBytes);
  const choice = chooseExpiry(nodeFiles, dirs, s.pcapDirs, s.policy);
  const kept: Record<KeptReason, number> = { locked: 0, writing: 0, newest: 0 };
  for (const k of choice.kept) kept[k.reason]++;
  const dev: DeviceExpiry = { dirs, totalBytes: before.totalBytes, requiredBytes, freeBefore: before.freeBytes,
    freeAfter: before.freeBytes, deleted: [], kept, shortfall: false };
  for (const f of choice.candidates) {
    if (dev.freeAfter >= requiredBytes) break;
    const bytes = allocatedBytes(f.name);
    if (report.dryRun) {
      dev.freeAfter += bytes;
    } else {
      if (!removeFile(f.name, report.errors)) continue;
      if (typeof f.indexFilename === 'string') removeFile(f.indexFilename, report.errors);
      await control.deleteFile(fileId(f));
      dev.freeAfter = space(dirs[0]).freeBytes;
    }
    dev.deleted.push({ id: fileId(f), num: f.num, name: f.name, bytes });
  }
  dev.shortfall = dev.freeAfter < requiredBytes;
  return dev;
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

/** Lines for the command line and the viewer's log. */
export function formatPcapExpiry(r: PcapExpiryReport): string[] {
  const out: string[] = [];
  const verb = r.dryRun ? 'would delete' : 'deleted';
  for (const d of r.devices) {
    out.push(`node ${r.node} ${d.dirs.join(';')}: free ${mb(d.freeBefore)} of ${mb(d.totalBytes)}, freeSpaceG=${r.freeSpaceG} needs ${mb(d.requiredBytes)}`);
    for (const f of d.deleted) out.push(`${verb} ${f.name} (${f.bytes} bytes)`);
    out.push(`${verb} ${d.deleted.length} files; free ${r.dryRun ? 'would be' : 'now'} ${mb(d.freeAfter)}; kept ${d.kept.locked} locked, ${d.kept.writing} being written, ${d.kept.newest} newest`);
    if (d.shortfall) {
      out.push(`warning: ${d.dirs.join(';')} stays below freeSpaceG=${r.freeSpaceG}: no more files of node ${r.node} may go (the newest, the one being written and locked ones stay); the disk is too small for this bound or holds other data`);
    }
  }
  for (const e of r.errors) out.push(`error: ${e}`);
  return out;
}

export const PCAP_EXPIRY_INTERVAL_MS = 60_000;

/**
 * Run pcap expiry every 60 s on the viewer's control store (Arkime's viewer does the same);
 * returns the function that stops it. Logs deletions and errors, and a shortfall once when it
 * begins rather than every minute. A run still busy when the next is due is not doubled.
 */
export function schedulePcapExpiry(config: Config, node: string, control: ControlStore, log: (line: string) => void,
                                   o: { intervalMs?: number; onReport?: (r: PcapExpiryReport) => void } = {}): () => void {
  let busy = false;
  let short = false;
  const tick = (): void => {
    if (busy) return;
    busy = true;
    runPcapExpiry(config, node, { control }).then((r) => {
      const nowShort = r.devices.some((d) => d.shortfall);
      for (const l of formatPcapExpiry(r)) {
        const deletion = l.startsWith('deleted /') || l.startsWith('error:');
        if (deletion || (l.startsWith('warning:') && !short)) log(`pcap expiry: ${l}`);
      }
      short = nowShort;
      o.onReport?.(r);
    }, (e: Error) => log(`pcap expiry failed: ${e.message}`)).finally(() => { busy = false; });
  };
  const timer = setInterval(tick, o.intervalMs ?? PCAP_EXPIRY_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
