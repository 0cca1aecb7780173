// DCE/RPC connection-oriented PDUs over TCP (Arkime's dcerpc.c): message types, interface
// UUIDs and versions from binds (well-known interfaces also named, and added to protocol[]),
// operation numbers from requests.
import { defineField } from '../../db/fields/registry.js';
import type { ProtocolParser, SessionApi } from './api.js';

const f = (exp: string, friendly: string, help: string, kind: 'termfield' | 'integer' = 'termfield') =>
  defineField({ exp, db: exp, kind, group: 'dcerpc', friendly, help, cnt: true });

export const dcerpcFields = {
  uuid: f('dcerpc.uuid', 'UUID', 'DCE/RPC interface UUID'),
  iface: f('dcerpc.interface', 'Interface', 'DCE/RPC interface name'),
  msgType: f('dcerpc.msgType', 'Message Type', 'DCE/RPC message type'),
  opnum: f('dcerpc.opnum', 'Opnum', 'DCE/RPC operation number', 'integer'),
  version: f('dcerpc.version', 'Version', 'DCE/RPC interface version'),
};

const MSG_TYPES: (string | undefined)[] = [];
Object.assign(MSG_TYPES, {
  0: 'request', 2: 'response', 3: 'fault', 11: 'bind', 12: 'bind-ack', 13: 'bind-nak',
  14: 'alter-context', 15: 'alter-context-resp', 17: 'shutdown', 18: 'co-cancel', 19: 'orphaned',
});

/** Well-known interfaces: UUID → name (also added as a protocol). */
export const DCERPC_INTERFACES: ReadonlyMap<string, string> = new Map([
  ['e3514235-4b06-11d1-ab04-00c04fc2dcd2', 'drsuapi'], ['12345778-1234-abcd-ef00-0123456789ac', 'samr'],
  ['12345678-1234-abcd-ef00-01234567cffb', 'netlogon'], ['367abb81-9844-35f1-ad32-98f038001003', 'svcctl'],
  ['4b324fc8-1670-01d3-1278-5a47bf6ee188', 'srvsvc'], ['1ff70682-0a51-30e8-076d-740be8cee98b', 'atsvc'],
  ['338cd001-2244-31f1-aaaa-900038001003', 'winreg'], ['c681d488-d850-11d0-8c52-00c04fd90f7e', 'efsrpc'],
  ['df1941c5-fe89-4e79-bf10-463657acf44d', 'efsr'], ['12345778-1234-abcd-ef00-0123456789ab', 'lsarpc'],
  ['6bffd098-a112-3610-9833-46c3f87e345a', 'wkssvc'], ['3919286a-b10c-11d0-9ba8-00c04fd92ef5', 'dssetup'],
  ['e1af8308-5d1f-11c9-91a4-08002b14a0fa', 'epmapper'], ['86d35949-83c9-4044-b424-db363231fd0c', 'itaskscheduler'],
  ['00000131-0000-0000-c000-000000000046', 'ioxidresolver'], ['00000134-0000-0000-c000-000000000046', 'iremunknown'],
  ['000001a0-0000-0000-c000-000000000046', 'iremunknown2'], ['ccd8c074-d0e5-4a40-92b4-d074faa6ba28', 'witness'],
  ['afa8bd80-7d8a-11c9-bef4-08002b102989', 'mgmt'], ['f5cc5a18-4264-101a-8c59-08002b2f8426', 'nspi'],
]);

const MAX_FRAG = 8192;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

const u16 = (b: Uint8Array, i: number, le: boolean) => (le ? b[i] | (b[i + 1] << 8) : (b[i] << 8) | b[i + 1]);

/** A 16-byte UUID in wire order (first three groups in the PDU's byte order). */
export function formatUuid(b: Uint8Array, i: number, le: boolean): string {
  const order = le ? [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15]
    : [0, 1, 2, 3, -1, 4, 5, -1, 6, 7, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
  let s = '';
  for (const k of order) s += k < 0 ? '-' : HEX[b[i + k]];
  return s;
}

/** BIND / ALTER_CONTEXT: context items with abstract syntax UUID and version. */
function bind(s: SessionApi, b: Uint8Array, p: number, end: number, le: boolean): void {
  if (p + 12 > end) return;
  const numCtx = b[p + 8];
  p += 12;
  for (let i = 0; i < numCtx && end - p >= 44; i++) {
    const numTrans = b[p + 2];
    const uuid = formatUuid(b, p + 4, le);
    const ver = u16(b, p + 20, le);
    s.addString(dcerpcFields.uuid, uuid);
    const name = DCERPC_INTERFACES.get(uuid);
    if (name) { s.addString(dcerpcFields.iface, name); s.addProtocol(name); }
    s.addString(dcerpcFields.version, String(ver));
    p += 24 + numTrans * 20;
  }
}

function pdu(s: SessionApi, b: Uint8Array, p: number, len: number): void {
  const type = b[p + 2];
  const le = (b[p + 4] & 0x10) !== 0;
  const name = MSG_TYPES[type];
  if (name) s.addString(dcerpcFields.msgType, name);
  if (type === 11 || type === 14) bind(s, b, p + 16, p + len, le);
  else if (type === 0 && len >= 24) s.addInt(dcerpcFields.opnum, u16(b, p + 22, le));
}

export const dcerpcParser: ProtocolParser<object> = {
  name: 'dcerpc',
  tcpPrefixes: [{ bytes: [5, 0, 0x0b] }, { bytes: [5, 0, 0x00] }, { bytes: [5, 0, 0x02] }, { bytes: [5, 0, 0x0c] }],

  classify(s, _dir, b, off, len) {
    if (len < 16 || b[off] !== 5 || b[off + 1] !== 0 || b[off + 2] > 19) return undefined;
    if (s.hasProtocol('dcerpc')) return undefined;
    s.addProtocol('dcerpc');
    return {};
  },

  parse(_st, s, _dir, b, off, len) {
    let p = off;
    const end = off + len;
    while (end - p >= 16) {
      const fragLen = u16(b, p + 8, (b[p + 4] & 0x10) !== 0);
      if (fragLen < 16 || fragLen > MAX_FRAG) return len;   // not a PDU boundary: drop what we have
      if (end - p < fragLen) break;
      pdu(s, b, p, fragLen);
      p += fragLen;
    }
    return p - off;
  },
};
