// BACnet/IP over UDP (Arkime's bacnet.c): BVLC function, APDU type, the service of confirmed
// and unconfirmed requests, and object names from I-Am/I-Have/Who-Has requests and
// ReadProperty(Multiple) acks. Classified on the BVLC type byte (0x81 IPv4, 0x82 IPv6).
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';
import { bytesToText } from './text.js';

export const bacnetFields = {
  function: defineField({ linked: false, group: 'bacnet', kind: 'termfield', cnt: true, exp: 'bacnet.function', db: 'bacnet.function', friendly: 'Function', help: 'BACnet BVLC function' }),
  service: defineField({ linked: false, group: 'bacnet', kind: 'termfield', cnt: true, exp: 'bacnet.service', db: 'bacnet.service', friendly: 'Service', help: 'BACnet APDU service' }),
  apduType: defineField({ linked: false, group: 'bacnet', kind: 'termfield', cnt: true, exp: 'bacnet.apdu-type', db: 'bacnet.apduType', friendly: 'APDU Type', help: 'BACnet APDU type' }),
  objectName: defineField({ linked: false, group: 'bacnet', kind: 'termfield', cnt: true, exp: 'bacnet.object-name', db: 'bacnet.objectName', friendly: 'Object Name', help: 'BACnet object name' }),
};

const FUNCTIONS = ['result', 'write-bdt', 'read-bdt', 'read-bdt-ack', 'forwarded-npdu', 'register-foreign-device',
  'read-fdt', 'read-fdt-ack', 'delete-fdt-entry', 'distribute-broadcast', 'original-unicast', 'original-broadcast',
  'secured-bvll'];
const APDU_TYPES = ['confirmed-request', 'unconfirmed-request', 'simple-ack', 'complex-ack', 'segment-ack', 'error',
  'reject', 'abort'];
const CONFIRMED = ['acknowledge-alarm', 'confirmed-cov-notification', 'confirmed-event-notification',
  'get-alarm-summary', 'get-enrollment-summary', 'subscribe-cov', 'atomic-read-file', 'atomic-write-file',
  'add-list-element', 'remove-list-element', 'create-object', 'delete-object', 'read-property',
  'read-property-conditional', 'read-property-multiple', 'write-property', 'write-property-multiple',
  'device-communication-control', 'confirmed-private-transfer', 'confirmed-text-message', 'reinitialize-device',
  'vt-open', 'vt-close', 'vt-data', 'authenticate', 'request-key', 'read-range', 'life-safety-operation',
  'subscribe-cov-property', 'get-event-information'];
const UNCONFIRMED = ['i-am', 'i-have', 'unconfirmed-cov-notification', 'unconfirmed-event-notification',
  'unconfirmed-private-transfer', 'unconfirmed-text-message', 'time-synchronization', 'who-has', 'who-is',
  'utc-time-synchronization'];

/** The first CharacterString (application tag 7 or context tag 7) from `p` on, as Arkime scans for it. */
function objectName(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  while (end - p >= 3) {
    const tag = b[p++];
    if ((tag & 0xf8) !== 0x70 && (tag & 0xf8) !== 0x38) continue;
    const lenBits = tag & 0x07;
    let n: number;
    if (lenBits < 5) n = lenBits;
    else if (lenBits === 5) {
      if (end - p < 1) return;
      n = b[p++];
      if (n === 254) { if (end - p < 2) return; n = (b[p] << 8) | b[p + 1]; p += 2; }
      else if (n === 255) { if (end - p < 4) return; n = ((b[p] << 24) | (b[p + 1] << 16) | (b[p + 2] << 8) | b[p + 3]) >>> 0; p += 4; }
    } else continue; // opening/closing tag
    if (n < 1 || end - p < n) return;
    if (n > 1) s.addString(bacnetFields.objectName, bytesToText(b, p + 1, n - 1)); // first byte: character set
    return;
  }
}

function parseBvlc(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  if (len < 4) return;
  const type = b[off], fn = b[off + 1], blen = (b[off + 2] << 8) | b[off + 3];
  if (blen < 4 || blen > len || (type !== 0x81 && type !== 0x82)) return;
  if (fn < FUNCTIONS.length) s.addString(bacnetFields.function, FUNCTIONS[fn]);
  const end = off + len;
  let p = off + 4;
  if (fn === 0x04) p += type === 0x81 ? 6 : 18; // forwarded NPDU: originating address
  if (fn !== 0x0a && fn !== 0x0b && fn !== 0x04 && fn !== 0x09) return;
  if (end - p < 2 || b[p] !== 1) return;
  const ctrl = b[p + 1];
  p += 2;
  if (ctrl & 0x20) { if (end - p < 3) return; p += 3 + b[p + 2]; }
  if (ctrl & 0x08) { if (end - p < 3) return; p += 3 + b[p + 2]; }
  if (ctrl & 0x20) p++; // hop count
  if (ctrl & 0x80 || end - p < 1) return; // network layer message: no APDU
  const first = b[p++];
  const apdu = first >> 4;
  if (apdu < APDU_TYPES.length) s.addString(bacnetFields.apduType, APDU_TYPES[apdu]);
  if (apdu === 0) {
    p += 2 + (first & 0x08 ? 2 : 0);
    if (end - p >= 1 && b[p] < CONFIRMED.length) s.addString(bacnetFields.service, CONFIRMED[b[p]]);
  } else if (apdu === 1) {
    if (end - p < 1) return;
    const svc = b[p++];
    if (svc < UNCONFIRMED.length) s.addString(bacnetFields.service, UNCONFIRMED[svc]);
    if (svc <= 1 || svc === 7) objectName(s, b, p, end);
  } else if (apdu === 3) {
    p += 1 + (first & 0x08 ? 2 : 0);
    if (end - p < 1) return;
    const svc = b[p++];
    if (svc === 12 || svc === 14) objectName(s, b, p, end);
  }
}

export const bacnetParser: ProtocolParser<object> = {
  name: 'bacnet',
  udpPrefixes: [{ bytes: [0x81] }, { bytes: [0x82] }],
  classify(s, _dir, b, off, len) {
    if (s.hasProtocol('bacnet') || len < 4) return undefined;
    const blen = (b[off + 2] << 8) | b[off + 3];
    if (blen < 4 || blen > len || b[off + 1] > 0x0c) return undefined;
    s.addProtocol('bacnet');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    parseBvlc(s, b, off, len);
    return len;
  },
};
