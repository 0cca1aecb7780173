// Capture requests in the embedded control store (the cluster runs the same contract in test/es/).
import { test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteControlStore } from '../../db/store/sqlite-control-store.js';
import { captureRequestContract } from '../support/capture-request-contract.js';

test('capture requests in control.sqlite: add, list, conditional updates (claim, cancel)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-capreq-store-'));
  const cs = SqliteControlStore.open(dir);
  try {
    await captureRequestContract(cs);
  } finally {
    await cs.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
