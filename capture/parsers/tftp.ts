// TFTP (RFC 1350) on UDP 69, as Arkime's tftp.c: opcodes and the requested file name.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser } from './api.js';

export const tftpFields = {
  opcode: defineField({ group: 'tftp', kind: 'termfield', cnt: true, exp: 'tftp.opcode', db: 'tftp.opcode', friendly: 'Opcode', help: 'TFTP opcode (rrq, wrq, data, ack, error)' }),
  filename: defineField({ group: 'tftp', kind: 'termfield', cnt: true, exp: 'tftp.filename', db: 'tftp.filename', friendly: 'Filename', help: 'TFTP filename' }),
};

const OPCODES = ['', 'rrq', 'wrq', 'data', 'ack', 'error'];

/** Index of the first NUL in [from, end), or -1. */
function nul(buf: Uint8Array, from: number, end: number): number {
  for (let i = from; i < end; i++) if (buf[i] === 0) return i;
  return -1;
}

export const tftp: ProtocolParser<object> = {
  name: 'tftp',
  udpPorts: [69],
  classify(s, _dir, buf, off, len) {
    if (s.hasProtocol('tftp') || len < 4) return undefined;
    const op = (buf[off] << 8) | buf[off + 1];
    if (op < 1 || op > 5) return undefined;
    if (op <= 2) { // file name and mode, both non-empty and NUL-terminated
      const f = nul(buf, off + 2, off + len);
      if (f < off + 3) return undefined;
      const m = nul(buf, f + 1, off + len);
      if (m <= f + 1) return undefined;
    }
    s.addProtocol('tftp');
    return {};
  },
  parse(_st, s, _dir, buf, off, len) {
    if (len < 4) return len;
    const op = (buf[off] << 8) | buf[off + 1];
    if (op >= 1 && op <= 5) s.addString(tftpFields.opcode, OPCODES[op]);
    if (op === 1 || op === 2) {
      let e = nul(buf, off + 2, off + len);
      if (e < 0) e = off + len;
      if (e > off + 2) s.addString(tftpFields.filename, Buffer.from(buf.buffer, buf.byteOffset + off + 2, e - off - 2).toString('utf8'));
    }
    return len;
  },
};
