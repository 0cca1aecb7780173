// Where the coverage fuzzer keeps things (repository-relative, from dist/fuzz/cov).
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Seed and grown inputs, kept in the repository, one folder per target. */
export const CORPUS_DIR = resolve(REPO, 'fuzz/corpus');
/** Inputs that once crashed a target, replayed by every run. */
export const REGRESSIONS_DIR = resolve(REPO, 'fuzz/regressions');
/** fuzz:deep's working corpora, crashes and progress (resumable; not in git: build/ is ignored). */
export const DEEP_DIR = resolve(REPO, 'build/fuzz-deep');
export const HARNESS = resolve(REPO, 'dist/fuzz/cov/harness.js');
export const ADDON_BUILD = resolve(REPO, 'fuzz/libfuzzer/build.mjs');
/** Where libFuzzer writes a crashing input (kept after the run; build/ is not in git). */
export const CRASH_DIR = resolve(REPO, 'build/fuzz-crashes');
/** Target dictionaries as libFuzzer reads them (written by the harness from each target's `dict`). */
export const DICT_DIR = resolve(REPO, 'build/fuzz-dict');
