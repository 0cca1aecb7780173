import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OuiTable, OuiFileError } from './oui.js';
import { asArray, corpusData, corpusSessions } from './testing-corpus.js';

const mac = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/[:-]/g, ''), 'hex'));

const SAMPLE = [
  '# comment line',
  '00:00:0C\tCisco\tCisco Systems, Inc',
  '00:00:13\tCamex',
  '00:00:18\tWebsterC\tWebster Computer Corporation\t# Appletalk/Ethernet Gateway',
  '00:1B:C5\tIeeeRegi\tIEEE Registration Authority',
  '00:1B:C5:00:00:00/36\tConvergi\tConverging Systems Inc.',
  '00:1B:C5:00:10:00/36\tOpenrbCo\tOpenRB.com, Direct SIA',
  '00-55-DA-00-00-00/28\tShinkoTe\tShinko Technos co.,ltd.',
  '00.55.DA.10.00.00/28\tNoLong\t\tTabbed Long Name',
  '01:80:C2:00:00:00/44\tSpanning\tSpanning-tree (for bridges)',
  '',
].join('\n');

test('manuf format: long name preferred, /28 and /36 prefixes, longest match first', () => {
  const t = OuiTable.parse(SAMPLE, 'sample');
  assert.equal(t.lookup(mac('00000c010203'), 0), 'Cisco Systems, Inc');
  assert.equal(t.lookup(mac('000013ffffff'), 0), 'Camex');
  assert.equal(t.lookup(mac('000018000001'), 0), 'Webster Computer Corporation');
  assert.equal(t.lookup(mac('001bc5000005'), 0), 'Converging Systems Inc.');
  assert.equal(t.lookup(mac('001bc50010ff'), 0), 'OpenRB.com, Direct SIA');
  assert.equal(t.lookup(mac('001bc5fff000'), 0), 'IEEE Registration Authority', '/36 miss falls back to /24');
  assert.equal(t.lookup(mac('0055da0fffff'), 0), 'Shinko Technos co.,ltd.');
  assert.equal(t.lookup(mac('0055da1abcde'), 0), 'Tabbed Long Name', 'empty 3rd column: take the 4th');
  assert.equal(t.lookup(mac('0180c200000e'), 0), 'Spanning-tree (for bridges)');
  assert.equal(t.lookup(mac('0180c2000010'), 0), undefined, '/44 does not cover ...10');
  assert.equal(t.lookup(mac('aabbccddeeff'), 0), undefined);
  // offset into a larger buffer
  const frame = mac('ffffffffffff00000c0a0b0c0800');
  assert.equal(t.lookup(frame, 6), 'Cisco Systems, Inc');
});

test('bad lines name the file and line', () => {
  assert.throws(() => OuiTable.parse('00:00:0C Cisco\n', 'x.txt'), (e: Error) => e instanceof OuiFileError && /x\.txt:1:/.test(e.message));
  assert.throws(() => OuiTable.parse('\n\nZZ:00:0C\tCisco\n', 'x.txt'), /x\.txt:3: bad MAC prefix 'ZZ:00:0C'/);
  assert.throws(() => OuiTable.parse('00:00:0C/99\tCisco\n', 'y'), /y:1: bad prefix length/);
  assert.throws(() => OuiTable.load('/nonexistent/oui.txt'), /cannot read ouiFile \/nonexistent\/oui.txt/);
});

test('corpus oui.txt: srcOui/dstOui of every recorded session', () => {
  const t = OuiTable.load(corpusData('oui.txt'));
  assert.ok(t.size > 35000, `entries: ${t.size}`);
  let checked = 0;
  const mismatches: string[] = [];
  for (const [file, b] of corpusSessions()) {
    for (const [side, field] of [['source', 'srcOui'], ['destination', 'dstOui']] as const) {
      const macs = asArray(b[side]?.mac);
      if (macs.length === 0) continue;
      const got = new Set<string>();
      for (const m of macs) { const v = t.lookup(mac(m), 0); if (v !== undefined) got.add(v); }
      const want = new Set(asArray(b[field]));
      checked++;
      if (got.size !== want.size || [...want].some((w) => !got.has(w))) {
        mismatches.push(`${file} ${side} ${macs.join(',')}: want ${[...want]} got ${[...got]}`);
      }
    }
  }
  assert.ok(checked > 500, `sides checked: ${checked}`);
  assert.deepEqual(mismatches, []);
});
