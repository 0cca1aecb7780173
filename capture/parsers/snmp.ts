// SNMP over UDP 161/162/8161 (Arkime's snmp.c): version, community, PDU type, error status,
// variable OIDs and trap OIDs for v1/v2c; for v3 the USM user, authoritative engine id and
// security level (the PDU itself may be encrypted and is not read).
import { core } from '../../db/fields/core.js';
import { defineField, type FieldSpec } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser, type SessionApi } from './api.js';
import { latin1ToText, latin1 } from './text.js';

const f = (s: Omit<FieldSpec, 'group' | 'cnt'>) => defineField({ group: 'snmp', cnt: true, ...s });

export const snmpFields = {
  version: f({ exp: 'snmp.version', db: 'snmp.version', kind: 'integer', friendly: 'Version', help: 'SNMP Version' }),
  community: f({ exp: 'snmp.community', db: 'snmp.community', kind: 'termfield', friendly: 'Community', help: 'SNMP Community String' }),
  error: f({ exp: 'snmp.error', db: 'snmp.error', kind: 'termfield', friendly: 'Error', help: 'SNMP Error' }),
  variable: f({ exp: 'snmp.variable', db: 'snmp.variable', kind: 'termfield', friendly: 'Variable', help: 'SNMP Variable OID' }),
  type: f({ exp: 'snmp.type', db: 'snmp.type', kind: 'termfield', friendly: 'Type', help: 'SNMP PDU Type' }),
  trapOid: f({ exp: 'snmp.trap-oid', db: 'snmp.trapOid', kind: 'termfield', friendly: 'Trap OID', help: 'SNMP Trap OID' }),
  engineId: f({ exp: 'snmp.engine-id', db: 'snmp.engineId', kind: 'termfield', friendly: 'Engine ID', help: 'SNMPv3 authoritative engine id' }),
  secLevel: f({ exp: 'snmp.sec-level', db: 'snmp.secLevel', kind: 'termfield', friendly: 'Security Level', help: 'SNMPv3 security level' }),
};

const TYPES = ['GetRequest', 'GetNextRequest', 'GetResponse', 'SetRequest', 'Trap', 'GetBulkRequest', 'InformRequest', 'SNMPv2-Trap'];
const ERRORS = [
  'noError', 'tooBig', 'noSuchName', 'badValue', 'readOnly', 'genErr', 'noAccess', 'wrongType', 'wrongLength',
  'wrongEncoding', 'wrongValue', 'noCreation', 'inconsistentValue', 'resourceUnavailable', 'commitFailed',
  'undoFailed', 'authorizationError', 'notWritable', 'inconsistentName',
];
const SEC_LEVELS = ['noAuthNoPriv', 'authNoPriv', 'noAuthPriv', 'authPriv'];
const PORTS = [161, 162, 8161];

/** A BER reader over [pos, end) with Arkime's arkime_parsers_asn_get_tlv rules. */
export class Ber {
  pos: number;
  /** Of the last element read: constructed bit, tag number, value offset and length. */
  pc = 0;
  /** Class bits (2 = context-specific). */
  cls = 0;
  tag = 0;
  value = -1;
  len = 0;

  constructor(readonly buf: Uint8Array, off: number, readonly end: number) { this.pos = off; }

  /** Read one element: its tag, or -1 (and tag/len 0) when there is none. Lengths are clipped to what is left. */
  next(): number {
    const b = this.buf;
    if (this.end - this.pos < 2) return this.fail();
    let ch = b[this.pos++];
    this.pc = (ch >> 5) & 1;
    this.cls = ch >> 6;
    this.tag = 0;
    if ((ch & 0x1f) === 0x1f) {
      while (this.pos < this.end) {
        ch = b[this.pos++];
        this.tag = ((this.tag << 7) | (ch & 0x7f)) >>> 0;
        if ((ch & 0x80) === 0) break;
      }
    } else {
      this.tag = ch & 0x1f;
      ch = b[this.pos++];
    }
    if (ch === 0x80) return this.fail();
    let len: number;
    if (ch & 0x80) {
      let cnt = ch & 0x7f;
      if (cnt > 4) return this.fail();
      len = 0;
      while (cnt > 0 && this.pos < this.end) { len = len * 256 + b[this.pos++]; cnt--; }
      if (cnt > 0) return this.fail();
    } else {
      len = ch;
    }
    if (len > this.end - this.pos) len = this.end - this.pos;
    this.value = this.pos;
    this.len = len;
    this.pos += len;
    return this.tag;
  }

  /** A reader over the value of the last element. */
  inner(): Ber { return new Ber(this.buf, this.value, this.value + this.len); }

  private fail(): -1 { this.pc = 0; this.tag = 0; this.len = 0; this.value = -1; return -1; }
}

/** Arkime's arkime_parsers_asn_decode_oid (the first byte gives two arcs only when above 40). */
export function decodeOid(buf: Uint8Array, off: number, len: number): string {
  let out = '';
  let first = true;
  let value = 0;
  for (let i = 0; i < len; i++) {
    const c = buf[off + i];
    value = ((value << 7) | (c & 0x7f)) >>> 0;
    if (c & 0x80) continue;
    if (first) {
      first = false;
      out = value > 40 ? `${Math.floor(value / 40)}.${value % 40}` : `${value}`;
    } else {
      out += `.${value}`;
    }
    value = 0;
  }
  return out.length > 99 ? out.slice(0, 99) : out;
}

const HEX2 = Array.from({ length: 256 }, (_, i) => (i < 16 ? '0' : '') + i.toString(16));

/** The version INTEGER inside the outer SEQUENCE, or -1 when this is not SNMP. */
function readVersion(buf: Uint8Array, off: number, len: number): { version: number; body: Ber } | undefined {
  const outer = new Ber(buf, off, off + len);
  if (outer.next() !== 16 || outer.len < 16) return undefined;
  const body = outer.inner();
  if (body.next() !== 2 || body.len !== 1 || buf[body.value] > 3 || buf[body.value] === 2) return undefined;
  const v = buf[body.value];
  return { version: v === 3 ? 3 : v + 1, body };
}

function parseV3(s: SessionApi, b: Ber): void {
  const buf = b.buf;
  if (b.next() !== 16) return; // msgGlobalData: msgID, msgMaxSize, msgFlags, msgSecurityModel
  const g = b.inner();
  if (g.next() >= 0 && g.next() >= 0 && g.next() === 4 && g.len >= 1) s.addString(snmpFields.secLevel, SEC_LEVELS[buf[g.value] & 3]);
  if (b.next() !== 4 || b.len < 2) return; // msgSecurityParameters holds the USM sequence
  const usmOuter = b.inner();
  if (usmOuter.next() !== 16) return;
  const usm = usmOuter.inner();
  if (usm.next() < 0) return; // msgAuthoritativeEngineID
  if (usm.tag === 4 && usm.len > 0) {
    let hex = '';
    for (let i = 0; i < usm.len; i++) hex += HEX2[buf[usm.value + i]];
    s.addString(snmpFields.engineId, hex);
  }
  if (usm.next() < 0 || usm.next() < 0) return; // engine boots, engine time
  if (usm.next() === 4 && usm.len > 0) s.addString(core.user, latin1ToText(latin1(buf, usm.value, usm.len)));
}

/** One SNMP message. Returns false when it turned out not to be SNMP. */
export function parseSnmp(s: SessionApi, buf: Uint8Array, off: number, len: number): boolean {
  const v = readVersion(buf, off, len);
  if (!v) return false;
  s.addInt(snmpFields.version, v.version);
  const b = v.body;
  if (v.version === 3) { parseV3(s, b); return true; }

  if (b.next() !== 4 || b.pc !== 0 || b.len === 0) return false;
  s.addString(snmpFields.community, latin1ToText(latin1(buf, b.value, b.len)));
  const dataType = b.next();
  if (dataType < 0 || dataType >= TYPES.length || b.cls !== 2) return false; // PDUs are context-specific [0]..[7]
  s.addString(snmpFields.type, TYPES[dataType]);
  if (!b.pc || !b.len) return true;

  const pdu = b.inner();
  if (dataType === 4) { // v1 Trap: enterprise OID first
    if (pdu.next() === 6 && pdu.len > 0) s.addString(snmpFields.trapOid, decodeOid(buf, pdu.value, pdu.len));
    return true;
  }
  if (pdu.next() < 0) return true; // request id
  if (pdu.next() < 0) return true; // error status, or non-repeaters for GetBulk
  if (dataType !== 5) {
    const e = buf[pdu.value];
    if (pdu.len >= 1 && e > 0 && e < ERRORS.length) s.addString(snmpFields.error, ERRORS[e]);
  }
  if (pdu.next() < 0) return true; // error index / max repetitions
  if (pdu.next() < 0 || pdu.pc !== 1) return true; // variable bindings
  const list = pdu.inner();
  while (list.pos < list.end) {
    if (list.next() < 0 || list.pc !== 1) return true;
    const vb = list.inner();
    if (vb.next() !== 6 || vb.pc !== 0) return true;
    const oid = decodeOid(buf, vb.value, vb.len);
    s.addString(snmpFields.variable, oid);
    if (dataType === 7 && oid === '1.3.6.1.6.3.1.1.4.1.0' && vb.next() === 6 && vb.len > 0) {
      s.addString(snmpFields.trapOid, decodeOid(buf, vb.value, vb.len));
    }
  }
  return true;
}

export const snmpParser: ProtocolParser<object> = {
  name: 'snmp',
  udpPrefixes: [{ bytes: [0x30] }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('snmp') || len < 12) return undefined;
    if (!PORTS.includes(s.srcPort) && !PORTS.includes(s.dstPort)) return undefined;
    if (!readVersion(buf, off, len)) return undefined;
    s.addProtocol('snmp');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    return parseSnmp(s, buf, off, len) ? len : PARSE_DONE;
  },
};
