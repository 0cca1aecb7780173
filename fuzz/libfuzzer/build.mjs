#!/usr/bin/env node
// Builds build/fuzz/libfuzzer.node: fuzz/libfuzzer/addon.c linked with Debian's libFuzzer
// (clang-14 and libclang-rt-14-dev; test/run-all.sh installs them). Skips the build when the
// addon is newer than its source. Exit 1 with the reason when it cannot be built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(repoRoot, 'fuzz/libfuzzer/addon.c');
const out = join(repoRoot, 'build/fuzz/libfuzzer.node');
const cc = process.env.FUZZ_CC ?? 'clang-14';

function fail(msg) { console.error(`fuzz: libFuzzer addon not built: ${msg}`); process.exit(1); }

if (existsSync(out) && statSync(out).mtimeMs >= statSync(src).mtimeMs) process.exit(0);
const res = spawnSync(cc, ['-print-resource-dir'], { encoding: 'utf8' });
if (res.status !== 0) fail(`${cc} not found (apt-get install clang-14 libclang-rt-14-dev)`);
const lib = join(res.stdout.trim(), 'lib/linux/libclang_rt.fuzzer_no_main-x86_64.a');
if (!existsSync(lib)) fail(`${lib} missing (apt-get install libclang-rt-14-dev)`);
const inc = resolve(dirname(process.execPath), '../include/node');
if (!existsSync(join(inc, 'node_api.h'))) fail(`Node headers not found at ${inc}`);
mkdirSync(dirname(out), { recursive: true });
// --whole-archive: libFuzzer's own symbols (the driver, the sanitizer hooks) must all be in.
const r = spawnSync(cc, ['-O2', '-fPIC', '-shared', '-DNODE_GYP_MODULE_NAME=libfuzzer', `-I${inc}`, src, '-o', out,
  '-Wl,--whole-archive', lib, '-Wl,--no-whole-archive', '-lstdc++', '-lpthread', '-lm'], { stdio: 'inherit' });
if (r.status !== 0) fail(`${cc} exited with ${r.status}`);
