// Passwords (native bcrypt, old bcryptjs hashes, the configured cost) and HTTP basic auth under
// the login limiter: basic and the login form share counters, and a cached basic success never
// outlives a lockout, a password change or a disabled user.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Config } from '../db/config.js';
import { SqliteControlStore } from '../db/store/sqlite-control-store.js';
import { Authenticator, checkPassword, hashPassword, passwordHashCost, type AuthOutcome } from './auth.js';

// Made by bcryptjs 3.0.3 (`hashSync('legacy-pw', salt)`, the salt's prefix set to each variant),
// as stores written before the move to the native package hold them.
const BCRYPTJS_HASHES = [
  '$2a$04$n6iNUTBwuCTrjox9fqChFeKXrrOBGlJ3WieUq/ovaJ.2VirzhL5Tu',
  '$2b$04$NvuTEbYdsnH/gpzNvGn6ReRgIecLoI/vdk8WYUEMt9Axq3TmG0JTa',
  '$2y$04$0l9GMW73fIGttcbgU0qEIOaaFzVDUH9DH1Uapot49iBvel5sh19hq',
];

let dir: string;
let control: SqliteControlStore;
let clock = 1_700_000_000_000;
const now = () => clock;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'packrat-auth-'));
  control = SqliteControlStore.open(dir);
});
after(async () => {
  await control.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const outcome = (r: AuthOutcome) => ('user' in r ? `ok:${r.user.userId}` : r.error);

test('bcryptjs hashes ($2a$, $2b$, $2y$) verify with the native bcrypt', async () => {
  for (const passHash of BCRYPTJS_HASHES) {
    const user = { userId: 'old', passHash, roles: ['arkimeUser'] };
    assert.equal(await checkPassword(user, 'legacy-pw'), true, passHash.slice(0, 4));
    assert.equal(await checkPassword(user, 'legacy-pw!'), false, passHash.slice(0, 4));
  }
  assert.equal(await checkPassword({ userId: 'x', passHash: 'not a bcrypt hash', roles: [] }, 'x'), false);
  assert.equal(await checkPassword(undefined, 'x'), false);
  assert.equal(await checkPassword({ userId: 'x', passHash: BCRYPTJS_HASHES[0], roles: [], enabled: false }, 'legacy-pw'), false, 'disabled');
});

test('passwordHashCost sets the cost of new hashes, held to 4..15', async () => {
  const cost = (text: string) => passwordHashCost(Config.fromText(`[default]\n${text}\n`, 'n'));
  assert.equal(cost(''), 10);
  assert.equal(cost('passwordHashCost=6'), 6);
  assert.equal(cost('passwordHashCost=1'), 4);
  assert.equal(cost('passwordHashCost=40'), 15);
  const h = await hashPassword('pw', 5);
  assert.match(h, /^\$2b\$05\$/);
  assert.equal(await checkPassword({ userId: 'u', passHash: h, roles: [] }, 'pw'), true);
  await assert.rejects(hashPassword(''), /empty/);
  const a = new Authenticator(control, { hashCost: 4 });
  assert.match(await a.hashPassword('pw'), /^\$2b\$04\$/);
});

test('basic auth and the login form share the limiter counters', async () => {
  await control.createUser({ userId: 'shared', passHash: await hashPassword('right', 4), roles: ['arkimeUser'] });
  const a = new Authenticator(control, { maxLoginFailures: 3, loginWindowMs: 60_000, now });
  for (let i = 0; i < 3; i++) assert.equal(outcome(await a.authenticate({ authorization: basic('shared', 'wrong') }, undefined, '10.0.0.1')), 'bad');
  assert.equal(outcome(await a.login('shared', 'right', '10.0.0.2')), 'limited', 'form login after basic failures (per user)');
  clock += 61_000;
  for (let i = 0; i < 3; i++) assert.equal(outcome(await a.login('shared', 'wrong', '10.0.0.3')), 'bad');
  assert.equal(outcome(await a.authenticate({ authorization: basic('shared', 'right') }, undefined, '10.0.0.4')), 'limited', 'basic after form failures (per user)');
  assert.equal(outcome(await a.authenticate({ authorization: basic('nobody', 'right') }, undefined, '10.0.0.3')), 'limited', 'basic after form failures (per address)');
  clock += 61_000;
  assert.equal(outcome(await a.authenticate({ authorization: basic('shared', 'right') }, undefined, '10.0.0.4')), 'ok:shared', 'after the window');
});

test('a cached basic success does not outlive a lockout', async () => {
  await control.createUser({ userId: 'cached', passHash: await hashPassword('right', 4), roles: ['arkimeUser'] });
  const a = new Authenticator(control, { maxLoginFailures: 3, loginWindowMs: 60_000, now });
  const good = { authorization: basic('cached', 'right') };
  assert.equal(outcome(await a.authenticate(good, undefined, '10.0.1.1')), 'ok:cached');
  assert.equal(outcome(await a.authenticate(good, undefined, '10.0.1.1')), 'ok:cached', 'from the cache');
  // someone else hammers the account from another address until it locks
  for (let i = 0; i < 3; i++) await a.login('cached', 'guess', '10.0.1.66');
  assert.equal(outcome(await a.authenticate(good, undefined, '10.0.1.1')), 'limited', 'the cached credential is locked out too');
  clock += 61_000;
  // after the lockout the credential is checked again, not served from before it
  const slow = a as unknown as { basicOk: Map<string, unknown> };
  assert.equal(slow.basicOk.size, 0, 'the lockout dropped the cached success');
  assert.equal(outcome(await a.authenticate(good, undefined, '10.0.1.1')), 'ok:cached');
});

test('a cached basic success does not outlive a password change or a disabled user', async () => {
  await control.createUser({ userId: 'changes', passHash: await hashPassword('old', 4), roles: ['arkimeUser'] });
  const a = new Authenticator(control, { now });
  const old = { authorization: basic('changes', 'old') };
  assert.equal(outcome(await a.authenticate(old, undefined, '10.0.2.1')), 'ok:changes');
  await control.updateUser('changes', { passHash: await hashPassword('new', 4) });
  assert.equal(outcome(await a.authenticate(old, undefined, '10.0.2.1')), 'bad', 'old password after the change');
  const fresh = { authorization: basic('changes', 'new') };
  assert.equal(outcome(await a.authenticate(fresh, undefined, '10.0.2.1')), 'ok:changes');
  await control.updateUser('changes', { enabled: false });
  assert.equal(outcome(await a.authenticate(fresh, undefined, '10.0.2.1')), 'bad', 'disabled');
  await control.updateUser('changes', { enabled: true });
  assert.equal(outcome(await a.authenticate(fresh, undefined, '10.0.2.1')), 'ok:changes', 'enabled again');
  await control.deleteUser('changes');
  assert.equal(outcome(await a.authenticate(fresh, undefined, '10.0.2.1')), 'bad', 'deleted');
});

test('a browser session ends after its idle time (injected clock)', async () => {
  await control.createUser({ userId: 'idle', passHash: await hashPassword('pw', 4), roles: ['arkimeUser'] });
  const a = new Authenticator(control, { sessionIdleMs: 1000, now });
  const s = a.sessions.create('idle');
  clock += 900;
  assert.equal(outcome(await a.authenticate({}, s.sid, 'c')), 'ok:idle', 'use extends it');
  clock += 900;
  assert.equal(outcome(await a.authenticate({}, s.sid, 'c')), 'ok:idle');
  clock += 1001;
  assert.equal(outcome(await a.authenticate({}, s.sid, 'c')), 'none');
});
