// Loads the live capture addon (build/Release/packrat_capture.node, built from capture/native by
// `node capture/native/build.mjs`). Only live capture needs it: everything else runs without it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Block event: index >= 0. -1: non-fatal warning (message). -2: the reader thread ended (message). */
export type BlockCallback = (block: number, message?: string) => void;

export interface NativeOpenOptions {
  interface: string;
  blockSize: number;
  numBlocks: number;
  snapLen: number;
  /** PACKET_FANOUT group id (hash mode); 0 = none. tpacketv3 only. */
  fanoutGroup?: number;
  promisc?: number;
  /** tpacketv3: block retire timeout; libpcap: read timeout (ms). */
  timeoutMs?: number;
  /** libpcap kernel buffer bytes. */
  bufferSize?: number;
  /** tpacketv3: compiled filter from compileBpf(). */
  filter?: Buffer;
  /** libpcap: filter expression. */
  bpf?: string;
}

export interface NativeRing {
  handle: unknown;
  /** The whole ring: numBlocks blocks of blockSize bytes, in TPACKET_V3 block layout. */
  buffer: ArrayBuffer;
  blockSize: number;
  numBlocks: number;
  linktype: number;
  kind: string;
}

export interface NativeStats {
  packets: number;
  drops: number;
  freezeCount: number;
  ifDrops: number;
  warnings: number;
  lastWarning: string;
}

export interface NativeSendOptions {
  /** Ethernet pcap, loaded into memory whole (or its first maxLoad records) before sending. */
  file: string;
  interface: string;
  /** Frames per second; the file loops when it runs out. */
  pps: number;
  seconds: number;
  /** Frames per sendmmsg() at most (default 64). */
  batch?: number;
  /** Stop after this many frames (default: run for `seconds`). */
  maxPackets?: number;
  maxLoad?: number;
  qdiscBypass?: number;
}

export interface NativeSendResult {
  loaded: number;
  loadedBytes: number;
  /** Records that do not fit a 1500-byte MTU (or are shorter than 14 bytes): never sent. */
  skipped: number;
  loadSeconds: number;
  sent: number;
  /** Frame bytes sent (no preamble, FCS or inter-frame gap). */
  bytes: number;
  seconds: number;
  retries: number;
  /** Most frames ever due and not yet sent: how far the sender fell behind its schedule. */
  maxLagPackets: number;
  cpuUser: number;
  cpuSystem: number;
}

export interface NativeCapture {
  readonly hasLibpcap: boolean;
  open(kind: string, opts: NativeOpenOptions, cb: BlockCallback): NativeRing;
  release(handle: unknown, block: number): void;
  stats(handle: unknown): NativeStats;
  close(handle: unknown): void;
  /** struct sock_filter[] for `expr`; throws naming libpcap-dev when built without libpcap. */
  compileBpf(expr: string, linktype: number, snapLen: number): Buffer;
  /** Paced replay of a pcap into an interface; blocks the calling thread for `seconds`. Absent in older builds. */
  sendPcap?: (opts: NativeSendOptions) => NativeSendResult;
}

export class LiveCaptureError extends Error {}

function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

export const addonPath = join(findRepoRoot(), 'build', 'Release', 'packrat_capture.node');

let cached: NativeCapture | undefined;
let loadError: string | undefined;

/** The addon, or a LiveCaptureError that says how to build it. */
export function loadNativeCapture(): NativeCapture {
  if (cached) return cached;
  if (loadError === undefined) {
    if (!existsSync(addonPath)) {
      loadError = `live capture addon missing: ${addonPath} was not built. ` +
        'Run `node capture/native/build.mjs --strict` (needs make, a C compiler, python3; libpcap-dev for libpcap and bpf=).';
    } else {
      try {
        cached = createRequire(import.meta.url)(addonPath) as NativeCapture;
        return cached;
      } catch (e) {
        loadError = `live capture addon ${addonPath} failed to load: ${(e as Error).message}. Rebuild it with \`node capture/native/build.mjs --strict\`.`;
      }
    }
  }
  throw new LiveCaptureError(loadError);
}

export function nativeCaptureAvailable(): boolean {
  try { loadNativeCapture(); return true; } catch { return false; }
}
