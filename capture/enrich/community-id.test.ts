import { test } from 'node:test';
import assert from 'node:assert/strict';
import { communityId, communityIdFromText } from './community-id.js';
import { parseIp } from './ip-addr.js';
import { asArray, corpusSessions } from './testing-corpus.js';

test('spec baseline vector, both directions give the same id', () => {
  assert.equal(communityIdFromText('128.232.110.120', '66.35.250.204', 6, 34855, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityIdFromText('66.35.250.204', '128.232.110.120', 6, 80, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
});

test('ICMP echo request and reply share an id; byte views equal text input', () => {
  const req = communityIdFromText('10.0.0.1', '10.0.0.2', 1, 8, 0);
  assert.equal(communityIdFromText('10.0.0.2', '10.0.0.1', 1, 0, 0), req);
  const s = parseIp('2001:db8::1')!, d = parseIp('2001:db8::2')!;
  const frame = new Uint8Array(40); frame.set(s, 8); frame.set(d, 24);
  assert.equal(communityId(16, frame, 8, frame, 24, 17, 5353, 53),
    communityIdFromText('2001:db8::1', '2001:db8::2', 17, 5353, 53));
});

test('spec mode: one-way ICMP keeps direction, portless protocols hash no ports', () => {
  // destination unreachable (type 3) is one-way: reversing endpoints changes the id in spec mode
  const a = communityIdFromText('10.0.0.2', '10.0.0.1', 1, 3, 1, 'spec');
  const b = communityIdFromText('10.0.0.1', '10.0.0.2', 1, 3, 1, 'spec');
  assert.notEqual(a, b);
  // Arkime orders them like any flow
  assert.notEqual(communityIdFromText('10.0.0.2', '10.0.0.1', 1, 3, 1), a);
  assert.notEqual(communityIdFromText('10.0.0.1', '10.0.0.2', 50, 0, 0, 'spec'),
    communityIdFromText('10.0.0.1', '10.0.0.2', 50, 0, 0, 'arkime'));
});

test('corpus: network.community_id of every recorded session recomputes from its fields', () => {
  let checked = 0;
  const bad: string[] = [];
  for (const [file, b] of corpusSessions()) {
    const want = b.network?.community_id;
    if (!want) continue;
    checked++;
    const proto: number = b.ipProtocol;
    const candidates: Array<[number, number]> = [];
    if (proto === 1 || proto === 58) {
      // the id uses the first packet's type/code; the document lists all of them
      for (const t of asArray(b.icmp?.type)) for (const c of asArray(b.icmp?.code)) candidates.push([+t, +c]);
    } else candidates.push([b.source.port ?? 0, b.destination.port ?? 0]);
    const got = candidates.map(([sp, dp]) => communityIdFromText(b.source.ip, b.destination.ip, proto, sp, dp));
    if (!got.includes(want)) bad.push(`${file} ${proto} ${b.source.ip} -> ${b.destination.ip}: want ${want} got ${got}`);
  }
  assert.ok(checked > 500, `sessions checked: ${checked}`);
  assert.deepEqual(bad, []);
});
