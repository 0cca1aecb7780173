// IPFIX as tshark sees it: datagrams or a stream received by a test laid into a pcap, decoded by
// the cflow dissector, and compared record by record with the session documents.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { endpoint, ipv4Frame, udpDatagram, type Frame } from '../../capture/synth/traffic.js';

const run = promisify(execFile);

export interface Decoded { srcaddr: string; dstaddr: string; srcport: number; dstport: number; protocol: number; octets: number; packets: number; start: number; end: number; strings: string[] }

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** tshark's "Nov 21, 2025 04:40:00.229000000 UTC" to ms since the epoch. */
function tsharkTime(s: string): number {
  const m = /^(\w{3})\s+(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* UTC$/.exec(s);
  assert.ok(m, `tshark time ${s}`);
  return Date.UTC(Number(m[3]), MONTHS.indexOf(m[1]), Number(m[2]), Number(m[4]), Number(m[5]), Number(m[6]), Number(m[7]));
}
const arr = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Every flow record tshark finds in `pcap`, and the header fields of each message. */
export async function tsharkFlows(pcap: string, decodeAs: string) {
  const { stdout } = await run('tshark', ['-r', pcap, '-d', decodeAs, '-T', 'json', '--no-duplicate-keys'], { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 });
  const flows: Decoded[] = [];
  const headers: { sequence: number; domain: number; records: number; templates: boolean }[] = [];
  for (const pkt of JSON.parse(stdout)) {
    for (const cf of arr(pkt._source.layers.cflow) as Record<string, any>[]) {
      let records = 0, templates = false;
      for (const [k, set] of Object.entries(cf)) {
        if (!k.startsWith('Set ')) continue;
        if (set['cflow.flowset_id'] === '2') templates = true;
        for (const [fk, f] of Object.entries(set as Record<string, any>)) {
          if (!fk.startsWith('Flow ')) continue;
          records++;
          flows.push({
            srcaddr: f['cflow.srcaddr'] ?? f['cflow.srcaddrv6'], dstaddr: f['cflow.dstaddr'] ?? f['cflow.dstaddrv6'],
            srcport: Number(f['cflow.srcport']), dstport: Number(f['cflow.dstport']), protocol: Number(f['cflow.protocol']),
            octets: Number(f['cflow.octets']), packets: Number(f['cflow.packets']),
            start: tsharkTime(f['cflow.timedelta_tree']['cflow.abstimestart']), end: tsharkTime(f['cflow.timedelta_tree']['cflow.abstimeend']),
            strings: arr(f['cflow.enterprise_private_entry'] as string | string[]).map((h) => (h === '' ? '' : Buffer.from(h.replace(/:/g, ''), 'hex').toString('utf8'))),
          });
        }
      }
      headers.push({ sequence: Number(cf['cflow.sequence']), domain: Number(cf['cflow.od_id']), records, templates });
    }
  }
  return { flows, headers };
}

/** Every session has exactly one record, equal field by field; returns how many sessions. */
export function compareFlowsWithDocs(docs: Record<string, any>[], flows: Decoded[]): number {
  const key = (src: string, sp: number, dst: string, dp: number, p: number) => `${p} ${src}:${sp} ${dst}:${dp}`;
  const byKey = new Map(flows.map((f) => [key(f.srcaddr, f.srcport, f.dstaddr, f.dstport, f.protocol), f]));
  assert.equal(byKey.size, flows.length, 'one record per flow');
  assert.equal(flows.length, docs.length, 'a record for every session');
  for (const d of docs) {
    const k = key(d.source.ip, d.source.port ?? 0, d.destination.ip, d.destination.port ?? 0, d.ipProtocol);
    const f = byKey.get(k);
    assert.ok(f, `session ${k} exported`);
    assert.equal(f.octets, d.network.bytes, `${k} bytes`);
    assert.equal(f.packets, d.network.packets, `${k} packets`);
    assert.equal(f.start, d.firstPacket, `${k} start`);
    assert.equal(f.end, d.lastPacket, `${k} end`);
    assert.deepEqual(f.strings, [d.network.community_id ?? '', (d.protocol ?? []).join(',')], `${k} community id, protocols`);
  }
  return docs.length;
}

export const IPFIX_PORT = 4739;
export function udpFrames(datagrams: Uint8Array[]): Frame[] {
  const c = endpoint('127.0.0.1', 50000), s = endpoint('127.0.0.1', IPFIX_PORT, 'server');
  return datagrams.map((m, i) => ({ tsUs: 1_800_000_000e6 + i, data: ipv4Frame(c, s, 17, udpDatagram(50000, IPFIX_PORT, m)) }));
}

