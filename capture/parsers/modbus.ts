// Modbus/TCP on port 502 (Arkime's modbus.c): MBAP transaction ids and function codes of
// requests, exception codes of responses, unit id and protocol id from each direction's first
// delivery. Classified when the first payload is exactly one well-formed MBAP frame.
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser } from './api.js';

export const modbusFields = {
  unitid: defineField({ linked: false, group: 'modbus', kind: 'integer', store: 'single', exp: 'modbus.unitid', db: 'modbus.unitid', friendly: 'Modbus Unit ID', help: 'Modbus Unit ID' }),
  transactionid: defineField({ linked: false, group: 'modbus', kind: 'integer', cnt: true, exp: 'modbus.transactionid', db: 'modbus.transactionid', friendly: 'Modbus Transaction IDs', help: 'Modbus Transaction IDs' }),
  protocolid: defineField({ linked: false, group: 'modbus', kind: 'integer', store: 'single', exp: 'modbus.protocolid', db: 'modbus.protocolid', friendly: 'Modbus Protocol ID', help: 'Modbus Protocol ID (should always be 0)' }),
  funccode: defineField({ linked: false, group: 'modbus', kind: 'integer', cnt: true, exp: 'modbus.funccode', db: 'modbus.funccode', friendly: 'Modbus Function Code', help: 'Modbus Function Codes' }),
  exccode: defineField({ linked: false, group: 'modbus', kind: 'integer', cnt: true, exp: 'modbus.exccode', db: 'modbus.exccode', friendly: 'Modbus Exception Code', help: 'Modbus Exception Codes' }),
};

export interface ModbusState { calls: [number, number] }

export const modbusParser: ProtocolParser<ModbusState> = {
  name: 'modbus',
  tcpPorts: [502],
  classify(s, _dir, buf, off, len) {
    if (len < 7) return undefined;
    const protocolId = (buf[off + 2] << 8) | buf[off + 3], mlen = (buf[off + 4] << 8) | buf[off + 5];
    if (protocolId !== 0 || mlen - 1 !== len - 7 || s.hasProtocol('modbus')) return undefined;
    s.addProtocol('modbus');
    return { calls: [0, 0] };
  },
  parse(st, s, dir: Dir, buf, off, len) {
    const first = ++st.calls[dir] === 1;
    // Requests come from the side that is not port 502, even on a flow that 502 opened.
    const fromServer = s.dstPort !== 502 && s.srcPort === 502 ? dir === 0 : dir === 1;
    const end = off + len;
    let p = off;
    while (end - p >= 7) {
      const tid = (buf[p] << 8) | buf[p + 1], pid = (buf[p + 2] << 8) | buf[p + 3], mlen = (buf[p + 4] << 8) | buf[p + 5];
      if (pid !== 0 || mlen < 2 || mlen > 255) return -2;
      if (mlen > end - p - 6) break;
      const unit = buf[p + 6];
      let fc = buf[p + 7];
      if (fromServer && fc & 0x80) {
        fc &= 0x7f;
        // An exception response too short to hold its code records none (arkime_synthetic.pcap).
        if (mlen >= 3) s.addInt(modbusFields.exccode, buf[p + 8]);
      }
      if (!fromServer) {
        s.addInt(modbusFields.transactionid, tid);
        s.addInt(modbusFields.funccode, fc);
      }
      if (first) {
        s.addInt(modbusFields.unitid, unit);
        s.addInt(modbusFields.protocolid, pid);
      }
      p += 6 + mlen;
    }
    return p - off;
  },
};
