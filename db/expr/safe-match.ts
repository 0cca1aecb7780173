// Matching user-written patterns in JavaScript without letting one pattern stall the process.
// Expressions compile `/regex/` and wildcard values to the store (DuckDB's RE2 and LIKE, or
// Elasticsearch's automata: linear in the input), but a few are matched here against names we
// hold: pcap file names (`file == ...`) and shortcut names (`$name*`). V8's backtracking engine
// takes exponential time on patterns like /(a+)+$/, and `*` turned into `.*` costs n^k with k
// stars, so: wildcards use a glob matcher that never backtracks more than one star, and regexes
// run inside a vm context with a time bound (V8 interrupts a running regex when it expires).
import vm from 'node:vm';
import { ExpressionError } from './errors.js';

/**
 * Whether `text` matches a wildcard pattern in full (`*` any run, `?` one character, the rest
 * literal; `?` too when
 * `questionMark` is false). The classic two-pointer walk: on a mismatch it only ever returns to the last `*`,
 * so the cost is at most |pattern| x |text|.
 */
export function globMatch(pattern: string, text: string, questionMark = true): boolean {
  let p = 0, t = 0, star = -1, mark = 0;
  while (t < text.length) {
    if (p < pattern.length && ((questionMark && pattern[p] === '?') || (pattern[p] !== '*' && pattern[p] === text[t]))) { p++; t++; }
    else if (p < pattern.length && pattern[p] === '*') { star = p++; mark = t; }
    else if (star >= 0) { p = star + 1; t = ++mark; }
    else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** Most time one regex may take over all the names it is tried on. */
export const REGEX_TIME_MS = 250;
/** Longest regex accepted (a longer one is no search someone types). */
export const MAX_REGEX_LENGTH = 4096;

/**
 * Which of `texts` the regex `source` matches in full, run with a time bound: a pattern that
 * takes longer than `timeMs` over all of them is an ExpressionError, not a stalled viewer.
 */
export function regexMatchAll(source: string, texts: readonly string[], timeMs = REGEX_TIME_MS): boolean[] {
  if (source.length > MAX_REGEX_LENGTH) throw new ExpressionError(`regular expression longer than ${MAX_REGEX_LENGTH} characters`, source.slice(0, 40), 0);
  let re: RegExp;
  try { re = new RegExp(`^(?:${source})$`); } catch (e) { throw new ExpressionError(`bad regular expression: ${(e as Error).message}`, source, 0); }
  if (texts.length === 0) return [];
  const sandbox = vm.createContext({ re, texts, out: [] as boolean[] });
  try {
    vm.runInContext('for (let i = 0; i < texts.length; i++) out.push(re.test(texts[i]))', sandbox, { timeout: timeMs });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') {
      throw new ExpressionError(`regular expression /${source}/ took longer than ${timeMs} ms (it backtracks too much: simplify it)`, source, 0);
    }
    throw e;
  }
  return (sandbox as { out: boolean[] }).out;
}
