// `freeSpaceG`: how much of a pcap device must stay free, as gigabytes (GiB, like maxFileSizeG)
// or as a percentage of the device (`5%`, Arkime's default). Reference section 6.
import { ConfigError } from '../config.js';

export type FreeSpaceBound = { kind: 'gigabytes'; value: number } | { kind: 'percent'; value: number };

export const DEFAULT_FREE_SPACE = '5%';
const GiB = 2 ** 30;

/** Parse `freeSpaceG`; `where` names the config file and key in the error. */
export function parseFreeSpace(text: string, where = 'freeSpaceG'): FreeSpaceBound {
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)\s*(%?)$/.exec(t);
  if (!m) throw new ConfigError(`${where}=${text} is not a number of gigabytes or a percentage like 5%`);
  const value = Number(m[1]);
  if (m[2] === '%') {
    if (value > 100) throw new ConfigError(`${where}=${text}: a percentage cannot exceed 100%`);
    return { kind: 'percent', value };
  }
  return { kind: 'gigabytes', value };
}

/** Bytes that must be free on a device of `totalBytes`. */
export function requiredFreeBytes(bound: FreeSpaceBound, totalBytes: number): number {
  return bound.kind === 'percent' ? Math.ceil(totalBytes * bound.value / 100) : Math.ceil(bound.value * GiB);
}

export function formatFreeSpace(bound: FreeSpaceBound): string {
  return bound.kind === 'percent' ? `${bound.value}%` : `${bound.value}G`;
}
