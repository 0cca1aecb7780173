// Helpers for writing Arkime expressions from the UI: quoting a clicked value, adding a clause,
// and finding the word under the cursor for field autocomplete.

const BARE = /^[A-Za-z0-9_.:\-/*]+$/;

/** A value as Arkime's lexer reads it: bare when safe, else a quoted string with escapes. */
export function quoteValue(v) {
  const s = String(v);
  if (s !== '' && BARE.test(s) && !/^(EXISTS!|&&|\|\|)$/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** `expr && field op value`, parenthesising an existing expression that has a top-level `||`. */
export function addClause(expr, exp, value, op = '==') {
  const clause = `${exp} ${op} ${quoteValue(value)}`;
  const cur = (expr || '').trim();
  if (!cur) return clause;
  const wrapped = /\|\|/.test(cur) && !/^\(.*\)$/.test(cur) ? `(${cur})` : cur;
  return `${wrapped} && ${clause}`;
}

/**
 * The word being typed at `pos` if it is in a field position (start, or after `(`, `!`, `&&`,
 * `||`): returns {start, end, prefix} or null.
 */
export function fieldWordAt(text, pos) {
  let start = pos;
  while (start > 0 && /[A-Za-z0-9_.\-]/.test(text[start - 1])) start--;
  let end = pos;
  while (end < text.length && /[A-Za-z0-9_.\-]/.test(text[end])) end++;
  const before = text.slice(0, start).trimEnd();
  if (before !== '' && !/(\(|!|&&|\|\|)$/.test(before)) return null;
  if (/^!/.test(before.slice(-1)) && /!=$/.test(before)) return null;
  return { start, end, prefix: text.slice(start, pos) };
}

/** The character position an API error names (`... at position 12`), or -1. */
export function errorPosition(text) {
  const m = /position (\d+)/.exec(text || '');
  return m ? Number(m[1]) : -1;
}
