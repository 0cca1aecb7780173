// IS-IS PDUs, built here from the NLPID byte on: each PDU type named as Arkime names it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestSession } from './testing.js';
import { parseIsisFrame } from './isis.js';
import { etherParser, ETHER_ISIS } from '../session/ether-sessions.js';

/** NLPID 0x83, length indicator, version/protocol id extension, ID length, PDU type, ... */
const pdu = (type: number) => new Uint8Array([0x83, 0x1b, 0x01, 0x00, type, 0x01, 0x00, 0x00]);

function types(...pdus: Uint8Array[]): unknown {
  const s = new TestSession();
  for (const p of pdus) parseIsisFrame(s, p, 0, p.length);
  return s.doc();
}

test('hello, LSP and CSNP PDUs of level 2, in first-seen order; reserved high bits ignored', () => {
  assert.deepEqual(types(pdu(16), pdu(20), pdu(25), pdu(0xe0 | 20)), { isis: { msgType: ['lan-l2-hello', 'l2-lsp', 'l2-csnp'] } });
});

test('level 1, point-to-point and PSNP names; unknown types and short PDUs are named too', () => {
  assert.deepEqual(types(pdu(15), pdu(17), pdu(18), pdu(24), pdu(26), pdu(27)),
    { isis: { msgType: ['lan-l1-hello', 'p2p-hello', 'l1-lsp', 'l1-csnp', 'l1-psnp', 'l2-psnp'] } });
  assert.deepEqual(types(pdu(9), new Uint8Array([0x83, 0x1b, 0x01])), { isis: { msgType: ['unk-9', 'err-len-2'] } });
});

test('the IS-IS parser is registered on the ether hook', () => {
  assert.equal(etherParser(ETHER_ISIS), parseIsisFrame);
});
