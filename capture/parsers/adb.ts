// Android Debug Bridge (Arkime's adb.c): the device transport (24-byte little-endian message
// headers on 5555: commands, version, max payload, system type and serial from CNXN, services
// and stream ids from OPEN/OKAY, auth types, file-sync operations and paths, shell v2 exit
// codes, port forwards, STLS hand-off to TLS) and the host client-server protocol on 5037
// (4 hex digits of length, then a service request).
import { defineField } from '../../db/fields/registry.js';
import type { Dir, ProtocolParser, SessionApi } from './api.js';
import { latin1 } from './text.js';

const f = (exp: string, kind: 'termfield' | 'lotermfield', friendly: string, help: string) =>
  defineField({ linked: false, group: 'adb', kind, cnt: true, exp: `adb.${exp}`, db: `adb.${exp}`, friendly, help });

export const adbFields = {
  version: f('version', 'termfield', 'Version', 'ADB Protocol Version'),
  serial: f('serial', 'lotermfield', 'Serial', 'ADB Device Serial Number'),
  systemtype: f('systemtype', 'lotermfield', 'System Type', 'ADB System Type (device, host, bootloader, etc.)'),
  command: f('command', 'lotermfield', 'Command', 'ADB Command Type'),
  service: f('service', 'lotermfield', 'Service', 'ADB Service Name'),
  maxpayload: f('maxpayload', 'termfield', 'Max Payload', 'ADB Maximum Payload Size'),
  authtype: f('authtype', 'lotermfield', 'Auth Type', 'ADB Authentication Type'),
  streamid: f('streamid', 'termfield', 'Stream ID', 'ADB Stream Identifier'),
  syncOperation: f('sync.operation', 'lotermfield', 'Sync Operation', 'ADB File Sync Operation (SEND, RECV, LIST, STAT)'),
  syncPath: f('sync.path', 'lotermfield', 'Sync Path', 'ADB File Sync Path'),
  shellExitcode: f('shell.exitcode', 'termfield', 'Shell Exit Code', 'ADB Shell Command Exit Code'),
  forwardLocal: f('forward.local', 'lotermfield', 'Forward Local', 'ADB Port Forward Local Endpoint'),
  forwardRemote: f('forward.remote', 'lotermfield', 'Forward Remote', 'ADB Port Forward Remote Endpoint'),
  forwardDirection: f('forward.direction', 'lotermfield', 'Forward Direction', 'ADB Port Forward Direction (forward or reverse)'),
};

const COMMANDS: Record<number, string> = {
  0x434e5953: 'sync', 0x4e584e43: 'cnxn', 0x4e45504f: 'open', 0x59414b4f: 'okay',
  0x45534c43: 'clse', 0x45545257: 'wrte', 0x48545541: 'auth', 0x534c5453: 'stls',
};
const A_CNXN = 0x4e584e43, A_OPEN = 0x4e45504f, A_OKAY = 0x59414b4f, A_WRTE = 0x45545257, A_AUTH = 0x48545541, A_STLS = 0x534c5453;
const SYNC_IDS = new Set(['STAT', 'LIST', 'SEND', 'RECV', 'DATA', 'DONE', 'OKAY', 'FAIL', 'DENT', 'QUIT']);
const AUTH_TYPES = ['unknown', 'token', 'signature', 'rsapublickey'];
/** Arkime's parser buffer bound: a bigger message is dropped. */
const MAX_MSG = 0x10000;

export interface AdbState { clientServer: [boolean, boolean]; tls: [boolean, boolean]; sync: boolean; shellV2: boolean }

const u32 = (b: Uint8Array, p: number) => (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

function forward(s: SessionApi, service: string): void {
  let endpoints: string;
  if (service.startsWith('reverse:forward:')) { s.addString(adbFields.forwardDirection, 'reverse'); endpoints = service.slice(16); }
  else if (service.startsWith('forward:')) { s.addString(adbFields.forwardDirection, 'forward'); endpoints = service.slice(8); }
  else if (service.startsWith('reverse:')) { s.addString(adbFields.forwardDirection, 'reverse'); return; }
  else return;
  const semi = endpoints.indexOf(';');
  if (semi >= 0) {
    s.addString(adbFields.forwardLocal, endpoints.slice(0, semi));
    s.addString(adbFields.forwardRemote, endpoints.slice(semi + 1));
  }
}

function syncPayload(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  while (end - p >= 8) {
    const id = latin1(b, p, 4), arg = u32(b, p + 4);
    p += 8;
    if (SYNC_IDS.has(id)) s.addString(adbFields.syncOperation, id);
    if ((id === 'SEND' || id === 'RECV' || id === 'STAT' || id === 'LIST') && arg > 0 && arg < 4096) {
      if (end - p < arg) break;
      let path = latin1(b, p, Math.min(arg, 1023));
      const nul = path.indexOf('\0'); if (nul >= 0) path = path.slice(0, nul);
      const comma = path.indexOf(','); if (comma >= 0) path = path.slice(0, comma);
      s.addString(adbFields.syncPath, path);
      p += arg;
    } else if (id === 'DATA' && arg > 0) {
      if (end - p < arg) break;
      p += arg;
    } else if (id === 'FAIL' && arg > 0 && arg < 256) {
      p += Math.min(arg, end - p);
    }
  }
}

function shellV2Payload(s: SessionApi, b: Uint8Array, p: number, end: number): void {
  while (end - p >= 5) {
    const id = b[p], n = u32(b, p + 1);
    p += 5;
    if (n > end - p) break;
    if (id === 3 && n >= 1) s.addString(adbFields.shellExitcode, String(b[p]));
    p += n;
  }
}

function open(st: AdbState, s: SessionApi, localId: number, service: string): void {
  s.addString(adbFields.streamid, String(localId));
  if (service.startsWith('sync:')) { st.sync = true; s.addTag('adb:sync'); }
  if (/^shell,[vV]2[:,]/.test(service)) { st.shellV2 = true; s.addTag('adb:shell-v2'); }
  if (service.startsWith('forward:') || service.startsWith('reverse:')) forward(s, service);
  const m = /[:,]/.exec(service);
  s.addString(adbFields.service, (m && m.index > 0 ? service.slice(0, Math.min(m.index, 63)) : service).toLowerCase());
}

/** One transport message at p (header already validated, whole message present). */
function message(st: AdbState, s: SessionApi, dir: Dir, b: Uint8Array, p: number, dataLen: number): void {
  const cmd = u32(b, p), arg0 = u32(b, p + 4), arg1 = u32(b, p + 8);
  const data = p + 24;
  s.addString(adbFields.command, COMMANDS[cmd] ?? 'unknown');
  switch (cmd) {
    case A_CNXN: {
      s.addString(adbFields.version, '0x' + arg0.toString(16).padStart(8, '0'));
      s.addString(adbFields.maxpayload, String(arg1));
      if (dataLen > 0) {
        let banner = latin1(b, data, Math.min(dataLen, 1023));
        const nul = banner.indexOf('\0'); if (nul >= 0) banner = banner.slice(0, nul);
        const c1 = banner.indexOf(':');
        if (c1 >= 0) {
          s.addString(adbFields.systemtype, banner.slice(0, c1).toLowerCase());
          const c2 = banner.indexOf(':', c1 + 1);
          if (c2 > c1 + 1) s.addString(adbFields.serial, banner.slice(c1 + 1, c2));
        }
      }
      break;
    }
    case A_OPEN: {
      let service = latin1(b, data, Math.min(dataLen, 511));
      const nul = service.indexOf('\0'); if (nul >= 0) service = service.slice(0, nul);
      if (dataLen > 0) open(st, s, arg0, service); else s.addString(adbFields.streamid, String(arg0));
      break;
    }
    case A_AUTH: s.addString(adbFields.authtype, AUTH_TYPES[arg0] ?? 'unknown'); break;
    case A_STLS:
      st.tls[dir] = true;
      s.addTag('adb:tls');
      if (st.tls[0] && st.tls[1]) s.addTag('adb:tls-encrypted');
      break;
    case A_OKAY: s.addString(adbFields.streamid, `${arg0}-${arg1}`); break;
    case A_WRTE:
      if (dataLen > 0) {
        if (st.sync) syncPayload(s, b, data, data + dataLen);
        if (st.shellV2) shellV2Payload(s, b, data, data + dataLen);
      }
      break;
  }
}

/** Host client-server requests: `<hex4><service>`. */
function clientServer(s: SessionApi, b: Uint8Array, p: number, end: number): number {
  const start = p;
  while (end - p >= 4) {
    let ok = true;
    for (let i = 0; i < 4; i++) if (!isHex(b[p + i])) ok = false;
    if (!ok) return end - start; // not a request: drop it
    const n = parseInt(latin1(b, p, 4), 16);
    if (n > 4096) return end - start;
    if (end - p - 4 < n) break;
    const service = latin1(b, p + 4, Math.min(n, 511));
    if (/^(forward:|reverse:|host:forward:|host:reverse:)/.test(service)) {
      let i = service.indexOf('forward:');
      if (i < 0) i = service.indexOf('reverse:');
      if (i >= 0) forward(s, service.slice(i));
    }
    const c = service.indexOf(':');
    s.addString(adbFields.service, (c > 0 ? service.slice(0, Math.min(c, 63)) : service).toLowerCase());
    p += 4 + n;
  }
  return p - start;
}

function validHeader(b: Uint8Array, off: number, len: number): boolean {
  if (len < 24) return false;
  const cmd = u32(b, off);
  return u32(b, off + 20) === (cmd ^ 0xffffffff) >>> 0 && COMMANDS[cmd] !== undefined;
}

const newState = (): AdbState => ({ clientServer: [false, false], tls: [false, false], sync: false, shellV2: false });

export const adbParser: ProtocolParser<AdbState> = {
  name: 'adb',
  tcpPorts: [5037, 5555],
  tcpPrefixes: [{ bytes: 'CNXN' }, { bytes: 'AUTH' }],
  classify(s, dir, buf, off, len) {
    if (s.hasProtocol('adb')) return undefined;
    if (validHeader(buf, off, len)) { s.addProtocol('adb'); return newState(); }
    if ((s.srcPort === 5037 || s.dstPort === 5037) && len >= 4) {
      for (let i = 0; i < 4; i++) if (!isHex(buf[off + i])) return undefined;
      const n = parseInt(latin1(buf, off, 4), 16);
      if (n === 0 || n > 4096) return undefined;
      s.addProtocol('adb');
      const st = newState();
      st.clientServer[dir] = true;
      return st;
    }
    return undefined;
  },
  parse(st, s, dir, buf, off, len) {
    if (st.tls[0] && st.tls[1]) { s.reclassify(0); s.reclassify(1); return -2; }
    const end = off + len;
    if (!st.clientServer[dir] && len >= 4 && !validHeader(buf, off, len)) {
      let hex = true;
      for (let i = 0; i < 4; i++) if (!isHex(buf[off + i])) hex = false;
      if (hex) st.clientServer[dir] = true;
    }
    if (st.clientServer[dir]) return clientServer(s, buf, off, end);
    let p = off;
    while (end - p >= 24) {
      const cmd = u32(buf, p), dataLen = u32(buf, p + 12);
      if (u32(buf, p + 20) !== (cmd ^ 0xffffffff) >>> 0 || dataLen > MAX_MSG - 24) return len; // garbage: drop
      if (end - p < 24 + dataLen) break;
      message(st, s, dir, buf, p, dataLen);
      p += 24 + dataLen;
      if (st.tls[0] && st.tls[1]) { s.reclassify(0); s.reclassify(1); return -2; }
    }
    return p - off;
  },
};
