#!/usr/bin/env node
// Builds build/Release/packrat_capture.node with the node-gyp that ships inside npm, against the
// Node headers already on the machine (never a download). A failed build is reported but does not
// fail `npm install`: only live capture needs the addon, and it says so when it is missing.
// Usage: node capture/native/build.mjs [--strict]   (--strict: exit 1 when the build fails)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const strict = process.argv.includes('--strict');

function fail(msg) {
  console.error(`packrat: live capture addon not built: ${msg}`);
  process.exit(strict ? 1 : 0);
}

if (process.platform !== 'linux') fail('live capture needs Linux (AF_PACKET)');

// node-gyp: the copy inside npm's own node_modules (npm_execpath points into npm when run by npm).
const candidates = [];
if (process.env.npm_execpath) candidates.push(join(dirname(process.env.npm_execpath), '../node_modules/node-gyp/bin/node-gyp.js'));
const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout?.trim();
if (npmRoot) candidates.push(join(npmRoot, 'npm/node_modules/node-gyp/bin/node-gyp.js'));
candidates.push(join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'));
const gyp = candidates.find((p) => existsSync(p));
if (!gyp) fail(`node-gyp not found (looked in ${candidates.join(', ')})`);

// Node's headers: npm's nodedir setting, else the prefix Node itself was installed under.
const nodedirs = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')].filter(Boolean);
const nodedir = nodedirs.find((d) => existsSync(join(d, 'include/node/node_api.h')));
if (!nodedir) fail(`Node headers (include/node/node_api.h) not found under ${nodedirs.join(', ')}`);

const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`], { cwd: repoRoot, stdio: 'inherit' });
if (r.status !== 0) fail(`node-gyp exited with ${r.status} (needs make, a C compiler and python3)`);
const hasPcap = spawnSync('sh', ['-c', 'printf "#include <pcap/pcap.h>\\n" | ${CC:-cc} -E -x c - >/dev/null 2>&1'])
  .status === 0;
console.error(`packrat: live capture addon built (tpacketv3${hasPcap ? ', libpcap, bpf' : '; no libpcap-dev: libpcap reader and bpf= disabled'})`);
