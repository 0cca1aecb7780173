// A parser that throws (in classify, parse or save) is detached from that session and counted
// in parserErrors; the session, its other parsers and the capture go on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../db/config.js';
import { DecodedPacket } from '../decode/packet.js';
import { decodePacket } from '../decode/decode.js';
import type { ProtocolParser } from '../parsers/api.js';
import { Classifiers } from '../parsers/classify.js';
import { captureSettings } from '../pipeline/setup.js';
import { ipv4Frame, tcpSegment, udpDatagram, type Endpoint } from '../synth/traffic.js';
import type { Session } from './session.js';
import { SessionTable } from './session-table.js';
import { parserErrors } from './tcp.js';

const C: Endpoint = { ip: [10, 1, 1, 1], port: 40001, mac: [0, 1, 2, 3, 4, 5] };
const S: Endpoint = { ip: [192, 0, 2, 80], port: 7777, mac: [0, 6, 7, 8, 9, 10] };
const SYN = 0x02, ACK = 0x10, PSH = 0x08;
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

interface Calls { parse: number; bytes: number; saves: number }

/** A parser on port 7777 that throws in `phase` on its first call there; counts what it got. */
function parserThatThrows(name: string, phase: 'classify' | 'parse' | 'save' | 'never', calls: Calls): ProtocolParser<object> {
  return {
    name,
    tcpPorts: [7777],
    udpPorts: [7777],
    classify() { if (phase === 'classify') throw new RangeError(`${name}: bad classify`); return {}; },
    parse(_st, _s, _dir, _buf, _off, len) {
      calls.parse++;
      if (phase === 'parse') throw new RangeError(`${name}: offset out of bounds`);
      calls.bytes += len;
      return len;
    },
    save() { calls.saves++; if (phase === 'save') throw new TypeError(`${name}: cannot read properties of undefined`); },
  };
}

function tableWith(list: ProtocolParser<any>[], saved: Session[]): SessionTable {
  const settings = captureSettings(Config.fromText('[default]\n'));
  return new SessionTable({ ...settings.table, classifiers: new Classifiers(list) }, (s) => { saved.push(s); });
}

const p = new DecodedPacket();
function feed(table: SessionTable, frame: Uint8Array, us: number): void {
  decodePacket(p, frame, 0, frame.length, 1);
  p.wireLen = frame.length; p.tsSec = Math.floor(us / 1e6); p.tsUsec = us % 1e6; p.filePos = 0;
  table.packet(p);
}

const T0 = 1_700_000_000_000_000;
function tcpSession(table: SessionTable): void {
  const seg = (from: Endpoint, to: Endpoint, us: number, seq: number, ack: number, flags: number, data?: Uint8Array) =>
    feed(table, ipv4Frame(from, to, 6, tcpSegment(from.port, to.port, seq, ack, flags, data)), T0 + us);
  seg(C, S, 0, 100, 0, SYN);
  seg(S, C, 10, 500, 101, SYN | ACK);
  seg(C, S, 20, 101, 501, ACK);
  seg(C, S, 30, 101, 501, PSH | ACK, bytes('first'));
  seg(C, S, 40, 106, 501, PSH | ACK, bytes('second'));
}

test('a parser that throws in parse is detached and counted; the other parser goes on', () => {
  const bad: Calls = { parse: 0, bytes: 0, saves: 0 }, good: Calls = { parse: 0, bytes: 0, saves: 0 };
  const saved: Session[] = [];
  const table = tableWith([parserThatThrows('bad', 'parse', bad), parserThatThrows('good', 'never', good)], saved);
  const before = parserErrors.count;
  tcpSession(table);
  table.closeAll();
  assert.equal(parserErrors.count - before, 1);
  assert.equal(bad.parse, 1, 'the throwing parser gets no bytes after its throw');
  assert.equal(good.parse, 2);
  assert.equal(good.bytes, 11);
  assert.equal(saved.length, 1);
  assert.equal(saved[0].dataBytes[0], 11);
  assert.deepEqual(saved[0].parsers.map((a) => [a.parser.name, a.done]), [['bad', true], ['good', false]]);
});

test('a throwing classify attaches nothing and a throwing save still saves the session', () => {
  const calls: Calls = { parse: 0, bytes: 0, saves: 0 };
  const saved: Session[] = [];
  let table = tableWith([parserThatThrows('bad', 'classify', calls)], saved);
  let before = parserErrors.count;
  tcpSession(table);
  table.closeAll();
  assert.equal(parserErrors.count - before, 1, 'one throw: classify runs once per direction with data');
  assert.equal(calls.parse, 0);
  assert.equal(saved[0].parsers.length, 0);

  table = tableWith([parserThatThrows('bad', 'save', calls)], saved);
  before = parserErrors.count;
  tcpSession(table);
  table.closeAll();
  assert.equal(parserErrors.count - before, 1);
  assert.equal(calls.saves, 1);
  assert.equal(saved.length, 2);
});

test('a UDP parser that throws is detached for the rest of its session', () => {
  const calls: Calls = { parse: 0, bytes: 0, saves: 0 };
  const saved: Session[] = [];
  const table = tableWith([parserThatThrows('bad', 'parse', calls)], saved);
  const before = parserErrors.count;
  for (let i = 0; i < 3; i++) feed(table, ipv4Frame(C, S, 17, udpDatagram(C.port, S.port, bytes(`datagram ${i}`))), T0 + i * 10);
  table.closeAll();
  assert.equal(parserErrors.count - before, 1);
  assert.equal(calls.parse, 1);
  assert.equal(saved.length, 1);
  assert.equal(saved[0].packets[0], 3);
});

test('a DHCP or ARP parser that throws loses its packet, not the capture: counted, the session saved', async () => {
  const { dhcpParser } = await import('../parsers/dhcp.js');
  const { registerEtherParser, etherParser, ETHER_ARP } = await import('./ether-sessions.js');
  const { etherFrame } = await import('../synth/traffic.js');
  const dhcpParse = dhcpParser.parse, arpParse = etherParser(ETHER_ARP);
  dhcpParser.parse = () => { throw new RangeError('dhcp: offset out of bounds'); };
  registerEtherParser(ETHER_ARP, () => { throw new RangeError('arp: offset out of bounds'); });
  try {
    const saved: Session[] = [];
    const table = tableWith([], saved);
    const before = parserErrors.count;
    // A DHCPDISCOVER (BOOTP request with the magic cookie), client 68 -> server 67, twice.
    const bootp = new Uint8Array(300);
    bootp.set([1, 1, 6, 0, 0x12, 0x34, 0x56, 0x78]);
    bootp.set(C.mac, 28);
    bootp.set([0x63, 0x82, 0x53, 0x63, 53, 1, 1, 255], 236);
    const client: Endpoint = { ...C, ip: [0, 0, 0, 0], port: 68 }, server: Endpoint = { ...S, ip: [255, 255, 255, 255], port: 67 };
    for (let i = 0; i < 2; i++) feed(table, ipv4Frame(client, server, 17, udpDatagram(68, 67, bootp)), T0 + i * 10);
    // An ARP request for 192.0.2.80.
    const arp = new Uint8Array([0, 1, 8, 0, 6, 4, 0, 1, ...C.mac, ...C.ip, 0, 0, 0, 0, 0, 0, ...S.ip]);
    feed(table, etherFrame([255, 255, 255, 255, 255, 255], C.mac, 0x0806, arp), T0 + 20);
    table.closeAll();
    assert.equal(parserErrors.count - before, 3);
    assert.deepEqual(saved.map((s) => [s.packets[0] + s.packets[1]]).sort(), [[1], [2]]);
  } finally {
    dhcpParser.parse = dhcpParse;
    if (arpParse) registerEtherParser(ETHER_ARP, arpParse);
  }
});
