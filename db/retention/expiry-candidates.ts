// Which pcap files of a node may be deleted to free a device, in which order, and why the
// others stay. Pure: the file registry and directory list in, a decision out.
import { resolve, sep } from 'node:path';
import type { FileDoc } from '../backend/control-store.js';

export interface ExpiryPolicy {
  /** Expire files that offline import locked (`pcapExpireImported`, default false). */
  expireImported: boolean;
  /** Unlocked files of the device always kept, newest first (`pcapKeepNewestFiles`, default 10). */
  keepNewest: number;
}

export type KeptReason = 'locked' | 'writing' | 'newest';

export interface ExpiryChoice {
  /** Deletable files of the device, oldest first. */
  candidates: FileDoc[];
  kept: { file: FileDoc; reason: KeptReason }[];
}

/** Whether `name` lies inside `dir` (or a sub-folder of it, as pcapDirTemplate makes). */
export function isUnder(name: string, dir: string): boolean {
  const d = resolve(dir);
  return resolve(name).startsWith(d.endsWith(sep) ? d : d + sep);
}

/**
 * The files the capture may still be writing: per pcapDir the highest-numbered live (unlocked)
 * file of the node in it, and the highest-numbered file with no finishTimestamp (the open one, wherever
 * it is). File numbers come from one sequence per node, so the highest is the newest even
 * when packet clocks disagree.
 */
export function filesBeingWritten(nodeFiles: FileDoc[], allDirs: string[]): Set<string> {
  const ids = new Set<string>();
  let open: FileDoc | undefined;
  for (const dir of allDirs) {
    let top: FileDoc | undefined;
    for (const f of nodeFiles) if (f.locked !== 1 && isUnder(f.name, dir) && (!top || f.num > top.num)) top = f;
    if (top) ids.add(fileId(top));
  }
  for (const f of nodeFiles) if (f.finishTimestamp === undefined && f.locked !== 1 && (!open || f.num > open.num)) open = f;
  if (open) ids.add(fileId(open));
  return ids;
}

export function fileId(f: FileDoc): string { return f.id ?? `${f.node}-${f.num}`; }

/**
 * Choose among `nodeFiles` (the node's registry) those under `deviceDirs`.
 *
 * The small-disk rule (Arkime issue #3396): Arkime meant to skip the 10 newest files but its
 * query skipped the 10 *oldest* (`from: 10` on an ascending sort), so on a disk those old
 * files nearly fill it deleted everything newer, the newest included. Here the newest files
 * are taken out of the list before anything else happens, and the rest is ordered oldest
 * first; when deleting every remaining candidate still leaves too little free space, the
 * newest files and the one being written stay and the caller reports the shortfall.
 */
export function chooseExpiry(nodeFiles: FileDoc[], deviceDirs: string[], allDirs: string[], policy: ExpiryPolicy): ExpiryChoice {
  const writing = filesBeingWritten(nodeFiles, allDirs);
  const kept: ExpiryChoice['kept'] = [];
  const eligible: FileDoc[] = [];
  for (const f of nodeFiles) {
    if (!deviceDirs.some((d) => isUnder(f.name, d))) continue;
    if (f.locked === 1 && !policy.expireImported) kept.push({ file: f, reason: 'locked' });
    else if (writing.has(fileId(f))) kept.push({ file: f, reason: 'writing' });
    else eligible.push(f);
  }
  // Ordered by num, not `first`: imported files have first=0 and packet clocks can be wrong.
  eligible.sort((a, b) => a.num - b.num);
  const keepFromHere = Math.max(0, eligible.length - Math.max(0, policy.keepNewest - countWriting(kept)));
  for (const f of eligible.slice(keepFromHere)) kept.push({ file: f, reason: 'newest' });
  return { candidates: eligible.slice(0, keepFromHere), kept };
}

/** The file being written counts among the newest kept, as in Arkime (it is in the files index). */
function countWriting(kept: ExpiryChoice['kept']): number {
  let n = 0;
  for (const k of kept) if (k.reason === 'writing') n++;
  return n;
}
