// ARP (Arkime's arp.c): every frame's opcode, and from replies the binding they announce,
// the sender's IP and MAC. The session itself (keyed by the IP asked about, named `arp`) is
// made by the session layer; this reads one frame's ARP payload through the ether hook.
import { defineField } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';
import { registerEtherParser, ETHER_ARP } from '../session/ether-sessions.js';

export const arpFields = {
  opcode: defineField({ group: 'arp', kind: 'termfield', cnt: true, exp: 'arp.opcode', db: 'arp.opcode', friendly: 'Opcode', help: 'ARP opcode (1 request, 2 reply)' }),
  ip: defineField({ group: 'arp', kind: 'ip', cnt: true, exp: 'arp.ip', db: 'arp.ip', friendly: 'IP', help: 'IP address an ARP reply binds to a MAC' }),
  mac: defineField({ group: 'arp', kind: 'lotermfield', cnt: true, exp: 'arp.mac', db: 'arp.mac', friendly: 'MAC', help: 'MAC address an ARP reply binds to an IP' }),
};

/** Ethernet/IPv4 ARP: 8-byte header, then sender MAC, sender IP, target MAC, target IP. */
const ARP_LEN = 28;
const OP_REPLY = 2;
const OPCODES = ['0', '1', '2'];

export function dottedQuad(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function macAt(b: Uint8Array, o: number): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + (b[o + i] < 16 ? '0' : '') + b[o + i].toString(16);
  return s;
}

/** One ARP frame's payload (starting at the hardware type). Frames too short are ignored. */
export function parseArpFrame(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  if (len < ARP_LEN) return;
  const op = (b[off + 6] << 8) | b[off + 7];
  s.addString(arpFields.opcode, op < OPCODES.length ? OPCODES[op] : String(op));
  // A reply announces "sender IP is at sender MAC"; a request's sender fields are only the asker's.
  if (op !== OP_REPLY) return;
  s.addIp(arpFields.ip, dottedQuad(b, off + 14));
  s.addString(arpFields.mac, macAt(b, off + 8));
}

registerEtherParser(ETHER_ARP, parseArpFrame);
