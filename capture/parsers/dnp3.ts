// DNP3 (IEEE 1815) link frames over TCP or UDP (Arkime's dnp3.c): link-layer source and
// destination addresses and the application function code of each frame. Classified on the
// 05 64 start bytes whatever the port.
import { defineField } from '../../db/fields/registry.js';
import { type ProtocolParser, type SessionApi } from './api.js';

export const dnp3Fields = {
  src: defineField({ linked: false, group: 'dnp3', kind: 'integer', cnt: true, exp: 'dnp3.src', db: 'dnp3.src', friendly: 'DNP3 Source Address', help: 'DNP3 Source Addresses' }),
  dst: defineField({ linked: false, group: 'dnp3', kind: 'integer', cnt: true, exp: 'dnp3.dst', db: 'dnp3.dst', friendly: 'DNP3 Destination Address', help: 'DNP3 Destination Addresses' }),
  func: defineField({ linked: false, group: 'dnp3', kind: 'integer', cnt: true, exp: 'dnp3.func', db: 'dnp3.func', friendly: 'DNP3 Function Code', help: 'DNP3 Function Codes' }),
  funcName: defineField({ linked: false, group: 'dnp3', kind: 'termfield', cnt: true, exp: 'dnp3.funcName', db: 'dnp3.funcName', friendly: 'DNP3 Function Name', help: 'DNP3 Function Code Names (Read, Write, DirectOperate, Response, etc)' }),
};

const FUNC_NAMES = [
  'Confirm', 'Read', 'Write', 'Select', 'Operate', 'DirectOperate', 'DirectOperateNoAck', 'ImmediateFreeze',
  'ImmediateFreezeNoAck', 'FreezeClear', 'FreezeClearNoAck', 'FreezeAtTime', 'FreezeAtTimeNoAck', 'ColdRestart',
  'WarmRestart', 'InitializeData', 'InitializeApplication', 'StartApplication', 'StopApplication',
  'SaveConfiguration', 'EnableUnsolicited', 'DisableUnsolicited', 'AssignClass', 'DelayMeasure',
  'RecordCurrentTime', 'OpenFile', 'CloseFile', 'DeleteFile', 'GetFileInfo', 'AuthenticateFile', 'AbortFile',
  'ActivateConfig', 'AuthenticateRequest', 'AuthenticateError',
];

export function dnp3FuncName(code: number): string | undefined {
  if (code < FUNC_NAMES.length) return FUNC_NAMES[code];
  return code === 129 ? 'Response' : code === 130 ? 'UnsolicitedResponse' : code === 131 ? 'AuthenticateResponse' : undefined;
}

const MIN_FRAME = 10; // start(2) len(1) ctrl(1) dst(2) src(2) crc(2)

/** Bytes a frame whose length byte is `pduLen` occupies: header + user data + a CRC per 16 bytes. */
function frameLength(pduLen: number): number {
  const user = pduLen - 5;
  return 10 + user + Math.ceil(user / 16) * 2;
}

/** One complete frame at `p` (start bytes and length already checked). */
function parseFrame(s: SessionApi, b: Uint8Array, p: number, frameLen: number): void {
  s.addInt(dnp3Fields.src, b[p + 6] | (b[p + 7] << 8));
  s.addInt(dnp3Fields.dst, b[p + 4] | (b[p + 5] << 8));
  if (frameLen - 10 >= 3) {
    const fc = b[p + 12];
    s.addInt(dnp3Fields.func, fc);
    const name = dnp3FuncName(fc);
    if (name) s.addString(dnp3Fields.funcName, name);
  }
}

function looksLikeDnp3(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  return len >= MIN_FRAME && b[off] === 0x05 && b[off + 1] === 0x64 && b[off + 2] >= 5 && !s.hasProtocol('dnp3');
}

export const dnp3Tcp: ProtocolParser<object> = {
  name: 'dnp3',
  tcpPrefixes: [{ bytes: [0x05, 0x64] }],
  classify(s, _dir, b, off, len) {
    if (!looksLikeDnp3(s, b, off, len)) return undefined;
    s.addProtocol('dnp3');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= MIN_FRAME) {
      if (b[p] !== 0x05 || b[p + 1] !== 0x64) { p++; continue; } // lost sync: look for the next start
      if (b[p + 2] < 5) { p += 2; continue; }
      const flen = frameLength(b[p + 2]);
      if (flen > end - p) break;
      parseFrame(s, b, p, flen);
      p += flen;
    }
    return p - off;
  },
};

export const dnp3Udp: ProtocolParser<object> = {
  name: 'dnp3',
  udpPrefixes: [{ bytes: [0x05, 0x64] }],
  classify(s, _dir, b, off, len) {
    if (!looksLikeDnp3(s, b, off, len)) return undefined;
    s.addProtocol('dnp3');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    if (len >= MIN_FRAME && b[off] === 0x05 && b[off + 1] === 0x64 && b[off + 2] >= 5) {
      const flen = frameLength(b[off + 2]);
      if (flen <= len) parseFrame(s, b, off, flen);
    }
    return len;
  },
};
