// IEEE C37.118.2 synchrophasor frames over TCP or UDP (Arkime's synchrophasor.c): frame type
// and stream id of every frame, command codes, and from configuration frames the PMU count,
// station names and data rate. Classified on the 0xAA sync byte with a valid version/type.
import { defineField } from '../../db/fields/registry.js';
import { PARSE_DONE, type ProtocolParser, type SessionApi } from './api.js';
import { bytesToText } from './text.js';

const int = (name: string, friendly: string, help: string) =>
  defineField({ linked: false, group: 'synchrophasor', kind: 'integer', cnt: true, exp: `synchrophasor.${name}`, db: `synchrophasor.${name}`, friendly, help });

export const synchrophasorFields = {
  frameType: defineField({ linked: false, group: 'synchrophasor', kind: 'lotermfield', cnt: true, exp: 'synchrophasor.frameType', db: 'synchrophasor.frameType', friendly: 'Frame Type', help: 'Synchrophasor frame types' }),
  idcode: int('idcode', 'ID Code', 'Synchrophasor data stream ID codes'),
  cmd: int('cmd', 'Command', 'Synchrophasor command codes'),
  station: defineField({ linked: false, group: 'synchrophasor', kind: 'termfield', cnt: true, exp: 'synchrophasor.station', db: 'synchrophasor.station', friendly: 'Station Name', help: 'Synchrophasor PMU station names' }),
  dataRate: int('dataRate', 'Data Rate', 'Synchrophasor data rate (frames/sec)'),
  numPMU: int('numPMU', 'Number of PMUs', 'Number of PMUs in synchrophasor config'),
};

const SYNC = 0xaa;
const MIN_FRAME = 16; // sync(2) framesize(2) idcode(2) soc(4) fracsec(4) chk(2)
const FRAME_TYPES = ['data', 'header', 'cfg1', 'cfg2', 'command', 'cfg3'];

const u16 = (b: Uint8Array, p: number) => (b[p] << 8) | b[p + 1];

/** CFG-1/2/3 body from `p` (after SOC/FRACSEC): PMU count, station names, data rate. */
function parseConfig(s: SessionApi, b: Uint8Array, p: number, end: number, type: number): void {
  if (type === 5) p += 2; // CONT_IDX
  if (end - p < 6) return;
  p += 4; // TIME_BASE
  const numPmu = u16(b, p);
  p += 2;
  s.addInt(synchrophasorFields.numPMU, numPmu);
  for (let i = 0; i < numPmu; i++) {
    if (type === 5) {
      if (end - p < 1) return;
      const n = b[p++];
      if (end - p < n) return;
      s.addString(synchrophasorFields.station, bytesToText(b, p, n));
      p += n;
    } else {
      if (end - p < 16) return;
      let n = 16;
      while (n > 0 && b[p + n - 1] === 0x20) n--;
      if (n > 0) s.addString(synchrophasorFields.station, bytesToText(b, p, n));
      p += 16;
    }
    p += 2 + (type === 5 ? 16 : 0) + 2; // IDCODE, global PMU id (CFG-3), FORMAT
    if (end - p < 6) return;
    const ph = u16(b, p), an = u16(b, p + 2), dg = u16(b, p + 4);
    p += 6;
    if (type === 5) {
      for (let j = 0; j < ph + an + dg; j++) {
        if (p >= end) return;
        p += 1 + b[p];
      }
      p += 8 * ph + 8 * an + 4 * dg + 21;
    } else {
      p += 16 * ph + 16 * an + 256 * dg + 4 * (ph + an + dg);
    }
    p += 4; // FNOM, CFGCNT
    if (p > end) return;
  }
  if (end - p >= 2) s.addInt(synchrophasorFields.dataRate, u16(b, p));
}

/** One frame of `len` bytes at `off`. */
function parseFrame(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  if (len < MIN_FRAME || b[off] !== SYNC) return;
  const type = (b[off + 1] >> 4) & 0x07;
  if (type < FRAME_TYPES.length) s.addString(synchrophasorFields.frameType, FRAME_TYPES[type]);
  const frameSize = u16(b, off + 2);
  s.addInt(synchrophasorFields.idcode, u16(b, off + 4));
  const payload = frameSize - MIN_FRAME;
  const p = off + 14, end = off + len;
  if (payload <= 0 || end - p < payload + 2) return;
  if (type === 4) s.addInt(synchrophasorFields.cmd, u16(b, p));
  else if (type === 2 || type === 3 || type === 5) parseConfig(s, b, p, end, type);
}

function looksLikeFrame(s: SessionApi, b: Uint8Array, off: number, len: number): boolean {
  if (len < MIN_FRAME || s.hasProtocol('synchrophasor')) return false;
  const version = b[off + 1] & 0x0f, type = (b[off + 1] >> 4) & 0x07;
  return version >= 1 && version <= 2 && type <= 5 && u16(b, off + 2) >= MIN_FRAME;
}

export const synchrophasorTcp: ProtocolParser<object> = {
  name: 'synchrophasor',
  tcpPrefixes: [{ bytes: [SYNC] }],
  classify(s, _dir, b, off, len) {
    if (!looksLikeFrame(s, b, off, len)) return undefined;
    s.addProtocol('synchrophasor');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    const end = off + len;
    let p = off;
    while (end - p >= MIN_FRAME) {
      if (b[p] !== SYNC) { // lost sync: skip to the next 0xAA
        while (p < end && b[p] !== SYNC) p++;
        if (p >= end) return PARSE_DONE;
        continue;
      }
      const size = u16(b, p + 2);
      if (size < MIN_FRAME) { p++; continue; }
      if (size > end - p) break;
      parseFrame(s, b, p, size);
      p += size;
    }
    return p - off;
  },
};

export const synchrophasorUdp: ProtocolParser<object> = {
  name: 'synchrophasor',
  udpPrefixes: [{ bytes: [SYNC] }],
  classify(s, _dir, b, off, len) {
    if (s.srcPort === 53 || s.dstPort === 53) return undefined;
    if (!looksLikeFrame(s, b, off, len) || u16(b, off + 2) > len) return undefined;
    s.addProtocol('synchrophasor');
    return {};
  },
  parse(_st, s, _dir, b, off, len) {
    if (len < MIN_FRAME || b[off] !== SYNC) return PARSE_DONE;
    parseFrame(s, b, off, len);
    return len;
  },
};
