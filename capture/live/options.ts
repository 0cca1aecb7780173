// Live capture settings, with Arkime's key names and defaults (reference 5.7, 5.9).
import type { Config } from '../../db/config.js';

export type ReadMethod = 'tpacketv3' | 'libpcap';

export interface LiveCaptureOptions {
  /** `interface=eth1;eth2` */
  interfaces: string[];
  /** `pcapReadMethod`: tpacketv3 (afpacketv3 is an alias) or libpcap. */
  readMethod: ReadMethod;
  snapLen: number;
  /** `bpf=`: compiled with libpcap, attached to every socket. */
  bpf: string;
  /** `tpacketv3BlockSize`; also the size of one libpcap batch. */
  blockSize: number;
  /** `tpacketv3NumBlocks`: blocks per socket. */
  numBlocks: number;
  /** `tpacketv3NumThreads`: sockets per interface, joined in one fanout hash group. */
  numThreads: number;
  /** `tpacketv3ClusterId`: fanout group of the first interface; the next ones use +1, +2... */
  clusterId: number;
  /** `pcapBufferSize` for libpcap. */
  bufferSize: number;
  /** Block retire timeout / libpcap read timeout: how long a quiet link holds a partial block. */
  timeoutMs: number;
  promisc: boolean;
  /** Join the sockets of an interface in a fanout group (the main capture); off for a capture request's own socket, which must see every packet beside it. */
  fanout: boolean;
}

export const liveDefaults: LiveCaptureOptions = {
  interfaces: [],
  readMethod: 'tpacketv3',
  snapLen: 16384,
  bpf: '',
  blockSize: 1 << 21,
  numBlocks: 64,
  numThreads: 2,
  clusterId: 8005,
  bufferSize: 300_000_000,
  timeoutMs: 100,
  promisc: true,
  fanout: true,
};

export class LiveConfigError extends Error {}

/** Read the live capture keys from a node's config. */
export function liveOptionsFromConfig(cfg: Config): LiveCaptureOptions {
  const d = liveDefaults;
  const method = cfg.str('pcapReadMethod', 'libpcap');
  let readMethod: ReadMethod;
  if (method === 'tpacketv3' || method === 'afpacketv3') readMethod = 'tpacketv3';
  else if (method === 'libpcap') readMethod = 'libpcap';
  else throw new LiveConfigError(`${cfg.file}: pcapReadMethod=${method} is not supported (tpacketv3, afpacketv3, libpcap)`);
  return {
    interfaces: cfg.list('interface'),
    readMethod,
    snapLen: cfg.int('snapLen', d.snapLen, 64, 65535),
    bpf: cfg.str('bpf', ''),
    blockSize: cfg.int('tpacketv3BlockSize', d.blockSize, 1 << 16, 2 ** 31 - 1),
    numBlocks: cfg.int('tpacketv3NumBlocks', d.numBlocks, 2, 65536),
    numThreads: cfg.int('tpacketv3NumThreads', d.numThreads, 1, 6),
    clusterId: cfg.int('tpacketv3ClusterId', d.clusterId, 1, 0xffff),
    bufferSize: cfg.int('pcapBufferSize', d.bufferSize, 0, 2 ** 31 - 1),
    timeoutMs: cfg.int('tpacketv3BlockTimeoutMs', d.timeoutMs, 1, 10_000),
    promisc: cfg.bool('promisc', true),
    fanout: true,
  };
}
