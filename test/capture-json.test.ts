// End to end: pcaps we generate → `packrat capture --json` → Arkime documents.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { pcapBytes, sampleTraffic, tcpConversation, ipv4Frame, udpDatagram, type Endpoint, type Frame } from '../capture/synth/traffic.js';
import { captureJson, packrat, tempFile } from './support/json-capture.js';

const capture = (frames: Frame[] | Uint8Array, config = '[default]\n') => captureJson(frames, config);

const C: Endpoint = { ip: [10, 1, 1, 1], port: 40001, mac: [0, 1, 2, 3, 4, 5] };
const S: Endpoint = { ip: [192, 0, 2, 80], port: 80, mac: [0, 6, 7, 8, 9, 10] };

test('one TCP conversation becomes one session with Arkime core fields', () => {
  const req = new Uint8Array(Buffer.from('GET / HTTP/1.1\r\nHost: a.example\r\n\r\n'));
  const res = new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
  const docs = capture(tcpConversation(C, S, 1_700_000_000_000_000, req, res));
  assert.equal(docs.length, 1);
  const d = docs[0];
  assert.equal(d.source.ip, '10.1.1.1');
  assert.equal(d.destination.port, 80);
  assert.equal(d.ipProtocol, 6);
  assert.equal(d.network.packets, 10);
  assert.equal(d.client.bytes, req.length);
  assert.equal(d.server.bytes, res.length);
  assert.equal(d.tcpflags.syn, 1);
  assert.equal(d.tcpflags['syn-ack'], 1);
  assert.equal(d.tcpflags.fin, 2);
  assert.equal(d.tcpSynValidated, true);
  assert.equal(d.srcPayload8, '474554202f204854');
  assert.deepEqual(d.protocol.sort(), ['http', 'tcp']);
  assert.deepEqual(d.http.host, ['a.example']);
  assert.equal(d.packetPos[0], 24, 'first record follows the 24-byte header');
  assert.match(d.network.community_id, /^1:/);
});

test('a session first seen on its SYN-ACK keeps the client as source', () => {
  const frames = tcpConversation(C, S, 1_700_000_000_000_000, new Uint8Array(4), new Uint8Array(4)).slice(1);
  const [d] = capture(frames);
  assert.equal(d.source.ip, '10.1.1.1');
  assert.equal(d.destination.ip, '192.0.2.80');
});

test('maxPackets splits a session into segments sharing rootId and firstPacket', () => {
  const frames: Frame[] = [];
  for (let i = 0; i < 25; i++) frames.push({ tsUs: 1_700_000_000_000_000 + i * 1000, data: ipv4Frame(C, S, 17, udpDatagram(5000, 6000, new Uint8Array(10))) });
  const docs = capture(frames, '[default]\nmaxPackets=10\n');
  assert.equal(docs.length, 3);
  assert.deepEqual(docs.map((d) => d.segmentCnt), [1, 2, 3]);
  assert.deepEqual(docs.map((d) => d.network.packets), [10, 10, 5]);
  assert.ok(docs.every((d) => d.rootId && d.rootId === docs[0].rootId));
  assert.ok(docs.every((d) => d.firstPacket === docs[0].firstPacket));
});

test('udpTimeout on packet time: sessions age against the previous packet\'s time, as in Arkime', () => {
  const pkt = (t: number, sport = 5000) => ({ tsUs: t, data: ipv4Frame(C, S, 17, udpDatagram(sport, 6000, new Uint8Array(4))) });
  const t0 = 1_700_000_000_000_000;
  // A at 0 s and 5 s; B at 100 s moves packet time on, so A is idle when its packet at 101 s
  // arrives and that packet starts a new session; A at 200 s is aged against 101 s and joins it.
  const docs = capture([pkt(t0), pkt(t0 + 5e6), pkt(t0 + 100e6, 5001), pkt(t0 + 101e6), pkt(t0 + 200e6)], '[default]\nudpTimeout=30\n');
  assert.deepEqual(docs.map((d) => `${d.source.port}:${d.network.packets}`).sort(), ['5000:2', '5000:2', '5001:1']);
});

test('a truncated pcap keeps the sessions before the fault and names the offset', () => {
  const full = pcapBytes(sampleTraffic(30));
  const cut = full.subarray(0, full.length - 7);
  const pcap = tempFile('cut.pcap');
  writeFileSync(pcap, cut);
  const r = spawnSync(packrat, ['capture', '-n', 'test', '-r', pcap, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 1, 'the documents are printed, and the status says the input was damaged');
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 30);
  assert.match(r.stderr, /cut\.pcap: .*offset \d+/);
});

test('a garbage file is refused with its name', () => {
  const pcap = tempFile('garbage.pcap');
  writeFileSync(pcap, 'this is not a capture file');
  const r = spawnSync(packrat, ['capture', '-n', 'test', '-r', pcap, '--json'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /garbage\.pcap: unknown capture file format/);
});

test('--json with packetThreads=2 ages sessions per Arkime thread: a time jump on one thread spares the other\'s', () => {
  // 12 idle TCP sessions, then one packet 1000 s later. One clock (packetThreads=1): the jump
  // idle-closes 10 sessions and mid-saves the other 2 (Arkime's per-call bounds), which end as
  // empty second segments. Two clocks: only the jump packet's thread sees the jump, and it holds
  // no more than 10 of the 12, so none is split (arkime_synthetic.pcap behaves this way).
  const T0 = 1_700_000_000_000_000;
  const frames: Frame[] = [];
  for (let i = 0; i < 12; i++) {
    const c: Endpoint = { ...C, port: 41000 + i };
    frames.push(...tcpConversation(c, S, T0 + i * 1000, new Uint8Array(4), new Uint8Array(4)).filter((_, k) => k < 5));
  }
  const far: Endpoint = { ip: [10, 7, 7, 7], port: 5000, mac: [0, 1, 2, 3, 4, 9] };
  // Two packets: a thread ages its sessions before each packet, against the one before it.
  for (const us of [1000e6, 1001e6]) frames.push({ tsUs: T0 + us, data: ipv4Frame(far, S, 17, udpDatagram(5000, 5001, new Uint8Array(4))) });
  const split = (docs: Record<string, any>[]) => docs.filter((d) => d.segmentCnt === 2).length;
  assert.equal(split(capture(frames)), 2);
  const two = capture(frames, '[default]\npacketThreads=2\n');
  assert.equal(two.length, 13);
  assert.equal(split(two), 0);
});

test('HTTP request counts belong to the segment that saw the requests', () => {
  // Split after 6 packets: the handshake and the GET and its answer fall in the first segment.
  const req = new Uint8Array(Buffer.from('GET / HTTP/1.1\r\nHost: a.example\r\n\r\n'));
  const res = new Uint8Array(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
  const docs = capture(tcpConversation(C, S, 1_700_000_000_000_000, req, res), '[default]\nmaxPackets=6\n')
    .sort((a, b) => a.segmentCnt - b.segmentCnt);
  assert.equal(docs.length, 2);
  assert.equal(docs[0].http['method-GET'], 1);
  assert.equal(docs[1].http?.['method-GET'], undefined, 'not counted again in the next segment');
});
