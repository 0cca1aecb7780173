// Partition (index) names and document ids, as Arkime's capture computes them (db.c): the
// suffix comes from the session's lastPacket in UTC, the id is `<suffix>-<url-safe base64 of
// 2 bytes pid + 16 random bytes>`.
import { randomFillSync } from 'node:crypto';

export type RotateIndex = 'daily' | 'hourly' | 'weekly' | 'monthly' | `hourly${number}`;

export const PARTITION_PREFIX = 'sessions3-';

const p2 = (n: number) => (n < 10 ? '0' : '') + n;

/** Hours per partition for hourly/hourlyN, 0 for the other rotations. */
export function hoursPerPartition(rotate: RotateIndex): number {
  if (rotate === 'hourly') return 1;
  const m = /^hourly(\d+)$/.exec(rotate);
  return m ? Number(m[1]) : 0;
}

export function checkRotateIndex(rotate: string): RotateIndex {
  if (rotate === 'daily' || rotate === 'hourly' || rotate === 'weekly' || rotate === 'monthly') return rotate;
  const m = /^hourly(\d+)$/.exec(rotate);
  if (m && [2, 3, 4, 6, 8, 12].includes(Number(m[1]))) return rotate as RotateIndex;
  throw new Error(`rotateIndex '${rotate}' is not one of daily, hourly, hourly2/3/4/6/8/12, weekly, monthly`);
}

/** Index suffix for a time in ms: daily YYMMDD, hourly YYMMDDhHH, weekly YYwWW, monthly YYmMM. */
export function partitionSuffix(ms: number, rotate: RotateIndex): string {
  const d = new Date(ms);
  const yy = p2(d.getUTCFullYear() % 100);
  switch (rotate) {
    case 'daily': return yy + p2(d.getUTCMonth() + 1) + p2(d.getUTCDate());
    case 'monthly': return `${yy}m${p2(d.getUTCMonth() + 1)}`;
    case 'weekly': {
      const day0 = Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000);
      return `${yy}w${p2(Math.floor(day0 / 7))}`;
    }
    default: {
      const n = hoursPerPartition(rotate);
      const h = d.getUTCHours() - (d.getUTCHours() % n);
      return yy + p2(d.getUTCMonth() + 1) + p2(d.getUTCDate()) + 'h' + p2(h);
    }
  }
}

export function partitionName(ms: number, rotate: RotateIndex): string {
  return PARTITION_PREFIX + partitionSuffix(ms, rotate);
}

/**
 * Time range [start, end) in ms a partition covers, parsed from its name alone. Hourly
 * partitions last `hours` hours (the viewer guesses this from rotateIndex, as Arkime does).
 * Undefined when the name does not parse.
 */
export function partitionRange(name: string, hours = 1): { start: number; end: number } | undefined {
  const s = name.startsWith(PARTITION_PREFIX) ? name.slice(PARTITION_PREFIX.length) : name;
  const year = (yy: string) => (Number(yy) >= 70 ? 1900 : 2000) + Number(yy);
  let m = /^(\d\d)(\d\d)(\d\d)h(\d\d)$/.exec(s);
  if (m) {
    const start = Date.UTC(year(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
    return { start, end: start + hours * 3600000 };
  }
  m = /^(\d\d)(\d\d)(\d\d)$/.exec(s);
  if (m) {
    const start = Date.UTC(year(m[1]), Number(m[2]) - 1, Number(m[3]));
    return { start, end: start + 86400000 };
  }
  m = /^(\d\d)w(\d\d)$/.exec(s);
  if (m) {
    const start = Date.UTC(year(m[1]), 0, 1) + Number(m[2]) * 7 * 86400000;
    return { start, end: start + 7 * 86400000 };
  }
  m = /^(\d\d)m(\d\d)$/.exec(s);
  if (m) {
    const y = year(m[1]); const mo = Number(m[2]) - 1;
    return { start: Date.UTC(y, mo, 1), end: Date.UTC(y, mo + 1, 1) };
  }
  return undefined;
}

/** Ids are made in batches: one random fill per 4096 ids instead of one per id. */
const ID_BATCH = 4096;
const idBytes = Buffer.alloc(18 * ID_BATCH);
let idLeft = 0;

/** Arkime's default `_id` (autoGenerateId=false): `<suffix>-` + 24 url-safe base64 chars. */
export function newSessionId(suffix: string): string {
  if (idLeft === 0) { randomFillSync(idBytes); idLeft = ID_BATCH; }
  const off = (ID_BATCH - idLeft--) * 18;
  idBytes.writeUInt16BE(process.pid & 0xffff, off);
  return suffix + '-' + idBytes.toString('base64url', off, off + 18);
}
