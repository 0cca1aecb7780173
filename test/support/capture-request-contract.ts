// What every control store must do with capture requests (both backends run it: SQLite in
// test/capture-requests/store.test.ts, the cluster in test/es/control-store.test.ts).
import assert from 'node:assert/strict';
import type { CaptureRequestDoc, ControlStore } from '../../db/backend/control-store.js';

export async function captureRequestContract(cs: ControlStore): Promise<void> {
  const base = { request: { node: 'n1', packets: 5, destination: { import: true } }, packets: 0, bytes: 0 };
  const a: CaptureRequestDoc = { ...base, id: 'cr-a', node: 'n1', state: 'queued', created: 1000 };
  const b: CaptureRequestDoc = { ...base, id: 'cr-b', node: 'n2', state: 'queued', created: 2000 };
  const c: CaptureRequestDoc = { ...base, id: 'cr-c', node: 'n1', state: 'done', created: 3000, stopReason: 'packets' };
  for (const d of [a, b, c]) await cs.addCaptureRequest(d);
  await assert.rejects(cs.addCaptureRequest(a), /capture request cr-a already exists/);
  assert.deepEqual(await cs.getCaptureRequest('cr-a'), a);
  assert.equal(await cs.getCaptureRequest('cr-none'), undefined);
  assert.deepEqual((await cs.listCaptureRequests()).map((d) => d.id), ['cr-c', 'cr-b', 'cr-a'], 'newest first');
  assert.deepEqual((await cs.listCaptureRequests({ node: 'n1' })).map((d) => d.id), ['cr-c', 'cr-a']);
  assert.deepEqual((await cs.listCaptureRequests({ node: 'n1', states: ['queued'] })).map((d) => d.id), ['cr-a']);
  assert.deepEqual((await cs.listCaptureRequests({ states: ['queued', 'done'] })).map((d) => d.id), ['cr-c', 'cr-b', 'cr-a']);

  // a claim succeeds once: the second finds it running
  const claimed = await cs.updateCaptureRequest('cr-a', { state: 'running', started: 1500 }, ['queued']);
  assert.equal(claimed?.state, 'running');
  assert.equal(claimed?.started, 1500);
  assert.deepEqual(claimed?.request, a.request, 'a patch keeps what it does not name');
  assert.equal(await cs.updateCaptureRequest('cr-a', { state: 'running' }, ['queued']), undefined);
  // counts while running; a cancel makes the next count update fail
  assert.equal((await cs.updateCaptureRequest('cr-a', { packets: 3, bytes: 400 }, ['running', 'paused']))?.packets, 3);
  assert.equal((await cs.updateCaptureRequest('cr-a', { state: 'cancelled', stopReason: 'cancel' }, ['queued', 'running', 'paused']))?.state, 'cancelled');
  assert.equal(await cs.updateCaptureRequest('cr-a', { packets: 4 }, ['running', 'paused']), undefined);
  const after = await cs.getCaptureRequest('cr-a');
  assert.equal(after?.packets, 3);
  assert.equal(after?.state, 'cancelled');
  // unconditional, and a request that does not exist
  assert.equal((await cs.updateCaptureRequest('cr-a', { delivered: { folder: '/x' } }))?.state, 'cancelled');
  assert.equal(await cs.updateCaptureRequest('cr-none', { packets: 1 }), undefined);
  assert.deepEqual((await cs.listCaptureRequests({ states: ['cancelled'] })).map((d) => [d.id, (d.delivered as { folder: string }).folder]), [['cr-a', '/x']]);
}
