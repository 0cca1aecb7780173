// IS-IS (Arkime's isis.c): the PDU type of every frame, as `isis.msgType`. All IS-IS frames
// form one session (keyed in ether-sessions.ts); the payload handed here starts at the 0x83
// NLPID byte, so the PDU type is 4 bytes in (after length indicator, version, ID length).
import { defineField } from '../../db/fields/registry.js';
import type { SessionApi } from './api.js';
import { registerEtherParser, ETHER_ISIS } from '../session/ether-sessions.js';

export const isisFields = {
  msgType: defineField({ group: 'isis', kind: 'lotermfield', exp: 'isis.msgType', db: 'isis.msgType', friendly: 'isis.msgType', help: 'ISIS Msg Type field' }),
};

const PDU_NAMES: (string | undefined)[] = [];
PDU_NAMES[15] = 'lan-l1-hello'; PDU_NAMES[16] = 'lan-l2-hello'; PDU_NAMES[17] = 'p2p-hello';
PDU_NAMES[18] = 'l1-lsp'; PDU_NAMES[20] = 'l2-lsp';
PDU_NAMES[24] = 'l1-csnp'; PDU_NAMES[25] = 'l2-csnp'; PDU_NAMES[26] = 'l1-psnp'; PDU_NAMES[27] = 'l2-psnp';

/** One IS-IS frame from its NLPID byte on. */
export function parseIsisFrame(s: SessionApi, b: Uint8Array, off: number, len: number): void {
  // Arkime counts from the byte after the NLPID; a PDU too short for its type is recorded.
  if (len - 1 < 4) { s.addString(isisFields.msgType, `err-len-${Math.max(0, len - 1)}`); return; }
  const type = b[off + 4] & 0x1f;
  s.addString(isisFields.msgType, PDU_NAMES[type] ?? `unk-${type}`);
}

registerEtherParser(ETHER_ISIS, parseIsisFrame);
