// Child process for live tests: runs inside a network namespace, captures with LiveSource, writes
// pcap with PcapWriter when `pcapDir` is given. Protocol on stdio (one JSON object per line):
//   out {"event":"ready","linktypes":[..]}   in "stop"   out {"event":"done",...}
// On "stop" it waits until every packet the kernel accepted was delivered, then closes.
import { createInterface } from 'node:readline';
import { PacketBatch } from '../../capture/readers/types.js';
import { LiveSource } from '../../capture/live/live-source.js';
import { LiveCaptureOptions } from '../../capture/live/options.js';
import { PcapFileClosed, PcapWriter } from '../../capture/live/pcap-writer.js';

interface ProbeOptions extends Partial<LiveCaptureOptions> {
  interfaces: string[];
  pcapDir?: string;
  node?: string;
  firstFileNum?: number;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as ProbeOptions;
const out = (o: object): void => { process.stdout.write(JSON.stringify(o) + '\n'); };

let src: LiveSource;
try {
  src = new LiveSource(opts);
} catch (e) {
  out({ event: 'error', message: (e as Error).message });
  process.exit(0);
}
const warnings: string[] = [];
src.onWarning = (iface, m) => { warnings.push(`${iface}: ${m}`); };

let nextNum = opts.firstFileNum ?? 1;
const files: PcapFileClosed[] = [];
const writeErrors: string[] = [];
const writer = opts.pcapDir ? new PcapWriter({
  node: opts.node ?? 'probe',
  pcapDirs: [opts.pcapDir],
  snapLen: opts.snapLen ?? 16384,
  nextFileNum: () => nextNum++,
  onFileClose: (f) => files.push(f),
  onError: (e) => writeErrors.push(e.message),
}) : undefined;

const batch = new PacketBatch(new Uint8Array(0), 4096);
const fileNums = new Float64Array(4096);
let packets = 0;
let bytes = 0;
let stopping = false;

function drain(): void {
  while (src.next(batch) && batch.count > 0) {
    packets += batch.count;
    for (let i = 0; i < batch.count; i++) bytes += batch.meta[i * 8 + 1];
    if (writer) writer.writeBatch(batch, fileNums);
  }
}

async function loop(): Promise<void> {
  while (await src.ready()) drain();
}

async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  // The last, partly filled block reaches us after the block retire timeout.
  for (let i = 0; i < 100; i++) {
    drain();
    const s = src.stats();
    const seen = s.reduce((a, x) => a + x.packets - x.drops, 0);
    if (packets >= seen) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  drain();
  const stats = src.stats();
  src.close();
  if (writer) await writer.close();
  out({ event: 'done', packets, bytes, stats, warnings, files, writer: writer?.stats, writeErrors, error: src.error?.message });
  process.exit(0);
}

out({ event: 'ready', linktypes: src.linktypes() });
void loop();
createInterface({ input: process.stdin }).on('line', (l) => { if (l.trim() === 'stop') void stop(); });
process.stdin.on('end', () => { void stop(); });
