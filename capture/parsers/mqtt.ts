// MQTT 3.1, 3.1.1 and 5.0 (Arkime's mqtt.c): packet types, protocol version, client id, connect
// flags, will topic, user, QoS levels, topics of PUBLISH/SUBSCRIBE/UNSUBSCRIBE, CONNACK code.
// Classified on a CONNECT packet (first byte 0x10 and protocol name MQTT or MQIsdp).
import { core } from '../../db/fields/core.js';
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';

const str = (exp: string, friendly: string, help: string) =>
  defineField({ linked: false, group: 'mqtt', kind: 'termfield', cnt: true, exp: `mqtt.${exp}`, db: `mqtt.${exp}`, friendly, help });

export const mqttFields = {
  clientId: str('clientId', 'Client ID', 'MQTT client identifier'),
  topic: str('topic', 'Topic', 'MQTT topic'),
  version: str('version', 'Version', 'MQTT protocol version'),
  type: str('type', 'Type', 'MQTT packet type'),
  willTopic: str('willTopic', 'Will Topic', 'MQTT last will topic'),
  flags: str('flags', 'Flags', 'MQTT connection flags'),
  qos: defineField({ linked: false, group: 'mqtt', kind: 'integer', cnt: true, exp: 'mqtt.qos', db: 'mqtt.qos', friendly: 'QoS', help: 'MQTT Quality of Service level' }),
  connackCode: defineField({ linked: false, group: 'mqtt', kind: 'integer', cnt: true, exp: 'mqtt.connackCode', db: 'mqtt.connackCode', friendly: 'CONNACK Code', help: 'MQTT CONNACK return / reason code' }),
};

const TYPES = ['Reserved', 'CONNECT', 'CONNACK', 'PUBLISH', 'PUBACK', 'PUBREC', 'PUBREL', 'PUBCOMP',
  'SUBSCRIBE', 'SUBACK', 'UNSUBSCRIBE', 'UNSUBACK', 'PINGREQ', 'PINGRESP', 'DISCONNECT', 'AUTH'];

/** A packet larger than this is not waited for whole: its head is parsed and the rest skipped. */
const MAX_WAIT = 32768;
/** A topic longer than this is not kept; the session is tagged instead. */
const MAX_STRING = 4096;

export interface MqttState { version: number; skip: [number, number] }

const text = (b: Uint8Array, p: number, n: number) => Buffer.from(b.buffer, b.byteOffset + p, n).toString('utf8');

/** Variable byte integer at p: [value, bytes] or [-1, 0] when incomplete or malformed. */
function varint(b: Uint8Array, p: number, end: number): [number, number] {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    if (p + i >= end) return [-1, 0];
    const c = b[p + i];
    v += (c & 0x7f) * 2 ** (7 * i);
    if ((c & 0x80) === 0) return [v, i + 1];
  }
  return [-1, 0];
}

/** Length-prefixed string at p, or undefined past end. Returns [start, len]. */
function lstr(b: Uint8Array, p: number, end: number): [number, number] | undefined {
  if (p + 2 > end) return undefined;
  const n = (b[p] << 8) | b[p + 1];
  return p + 2 + n > end ? undefined : [p + 2, n];
}

function isConnect(b: Uint8Array, off: number, len: number): boolean {
  if (len < 10 || (b[off] & 0xf0) !== 0x10) return false;
  const [, n] = varint(b, off + 1, off + len);
  if (!n) return false;
  const s = lstr(b, off + 1 + n, off + len);
  if (!s) return false;
  const name = Buffer.from(b.buffer, b.byteOffset + s[0], s[1]).toString('latin1');
  return name === 'MQTT' || name === 'MQIsdp';
}

function parseConnect(st: MqttState, s: SessionApi, b: Uint8Array, p: number, end: number): void {
  const name = lstr(b, p, end);
  if (!name || (name[1] !== 4 && name[1] !== 6)) return;
  p = name[0] + name[1];
  if (p + 4 > end) return;
  const version = b[p], flags = b[p + 1];
  st.version = version;
  s.addString(mqttFields.version, version === 3 ? '3.1' : version === 4 ? '3.1.1' : version === 5 ? '5.0' : 'unknown');
  const hasWill = (flags & 0x04) !== 0;
  if (hasWill) {
    s.addString(mqttFields.flags, 'hasWill');
    s.addInt(mqttFields.qos, (flags >> 3) & 3);
    if (flags & 0x20) s.addString(mqttFields.flags, 'willRetain');
  }
  if (flags & 0x02) s.addString(mqttFields.flags, 'cleanSession');
  if (flags & 0x40) s.addString(mqttFields.flags, 'hasPassword');
  p += 4; // version, flags, keep alive
  if (version === 5) { const [v, n] = varint(b, p, end); if (!n) return; p += n + v; }
  const id = lstr(b, p, end);
  if (!id) return;
  if (id[1] > 0) s.addString(mqttFields.clientId, text(b, id[0], id[1]));
  p = id[0] + id[1];
  if (hasWill) {
    if (version === 5) { const [v, n] = varint(b, p, end); if (!n) return; p += n + v; }
    const wt = lstr(b, p, end);
    if (!wt) return;
    if (wt[1] > 0) s.addString(mqttFields.willTopic, text(b, wt[0], wt[1]));
    const wm = lstr(b, wt[0] + wt[1], end);
    if (!wm) return;
    p = wm[0] + wm[1];
  }
  if (flags & 0x80) {
    const u = lstr(b, p, end);
    if (u && u[1] > 0) s.addString(core.user, text(b, u[0], u[1]).toLowerCase());
  }
}

function parseSubscribe(st: MqttState, s: SessionApi, b: Uint8Array, p: number, end: number, unsub: boolean): void {
  p += 2; // packet id
  if (st.version === 5) { const [v, n] = varint(b, p, end); if (!n) return; p += n + v; }
  while (end - p > 2) {
    const t = lstr(b, p, end);
    if (!t) break;
    if (t[1] > 0) s.addString(mqttFields.topic, text(b, t[0], t[1]));
    p = t[0] + t[1] + (unsub ? 0 : 1);
  }
}

export const mqttParser: ProtocolParser<MqttState> = {
  name: 'mqtt',
  tcpPrefixes: [{ bytes: [0x10] }],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('mqtt') || !isConnect(buf, off, len)) return undefined;
    s.addProtocol('mqtt');
    return { version: 0, skip: [0, 0] };
  },
  parse(st, s, dir: Dir, buf, off, len) {
    const end = off + len;
    let p = off;
    if (st.skip[dir] > 0) {
      const n = Math.min(st.skip[dir], len);
      st.skip[dir] -= n;
      p += n;
    }
    while (end - p >= 2) {
      const type = buf[p] >> 4, flags = buf[p] & 0x0f;
      const [rl, n] = varint(buf, p + 1, end);
      if (rl < 0) { if (end - p > 5) return -1; break; }
      const body = p + 1 + n;
      let bodyEnd = body + rl;
      if (bodyEnd > end) {
        if (rl <= MAX_WAIT) break; // wait for the whole packet
        st.skip[dir] = bodyEnd - end;
        bodyEnd = end;
      }
      s.addString(mqttFields.type, TYPES[type]);
      if (type === 1) parseConnect(st, s, buf, body, bodyEnd);
      else if (type === 2 && rl >= 2) s.addInt(mqttFields.connackCode, buf[body + 1]);
      else if (type === 3) {
        const t = lstr(buf, body, bodyEnd);
        if (t && t[1] > MAX_STRING) s.addTag('mqtt:message-too-long');
        else {
          const qos = (flags >> 1) & 3;
          if (qos <= 2) s.addInt(mqttFields.qos, qos);
          if (t && t[1] > 0) s.addString(mqttFields.topic, text(buf, t[0], t[1]));
        }
      } else if (type === 8 || type === 10) parseSubscribe(st, s, buf, body, bodyEnd, type === 10);
      p = bodyEnd;
    }
    return p - off;
  },
};
