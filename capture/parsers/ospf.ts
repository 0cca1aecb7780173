// OSPF (IP protocol 89, Arkime's ospf.c): from the first packets of a session, the message
// type, router id and area id of the common OSPF header, and for OSPFv2 a tag naming a null or
// simple-password authentication. Packets arrive through the IP-protocol hook.
import { defineField } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';
import { registerIpProtoParser } from '../session/ip-proto-sessions.js';
import { dottedQuad } from './arp.js';

export const ospfFields = {
  msgType: defineField({ group: 'ospf', kind: 'lotermfield', exp: 'ospf.msgType', db: 'ospf.msgType', friendly: 'OSPF Msg Type', help: 'OSPF packet type' }),
  routerId: defineField({ group: 'ospf', kind: 'termfield', exp: 'ospf.routerId', db: 'ospf.routerId', friendly: 'Router ID', help: 'OSPF Router ID' }),
  areaId: defineField({ group: 'ospf', kind: 'termfield', exp: 'ospf.areaId', db: 'ospf.areaId', friendly: 'Area ID', help: 'OSPF Area ID' }),
};

const IPPROTO_OSPF = 89;
/** Identifiers settle quickly: Arkime reads a packet while at most 10 came before it. */
const PACKETS_READ = 11;
const HEADER = 12;
const TYPES = ['unk-0', 'Hello', 'DBDesc', 'LSReq', 'LSUpdate', 'LSAck'];

/** One OSPF packet (version, type, length, router id, area id, checksum, AuType, ...). */
export function parseOspfPacket(s: SessionApi, b: Uint8Array, off: number, len: number, packetNum: number): void {
  if (packetNum > PACKETS_READ || len < HEADER) return;
  const version = b[off], type = b[off + 1];
  if (version !== 2 && version !== 3) return;
  s.addString(ospfFields.msgType, type < TYPES.length ? TYPES[type] : `unk-${type}`);
  s.addString(ospfFields.routerId, dottedQuad(b, off + 4));
  s.addString(ospfFields.areaId, dottedQuad(b, off + 8));
  if (version === 2 && len >= 16) {
    const auType = (b[off + 14] << 8) | b[off + 15];
    if (auType === 0) s.addTag('ospf:auth-null');
    else if (auType === 1) s.addTag('ospf:auth-simple');
  }
}

registerIpProtoParser(IPPROTO_OSPF, parseOspfPacket);
