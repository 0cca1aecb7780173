// Tokenizer for Arkime's expression language (viewer/arkimeparser.jison, flex mode): at each
// position every rule is tried and the longest match wins; on a tie the earlier rule wins.
// Whitespace is skipped. Anything no rule matches is a one-character INVALID token.

export type TokenType =
  | 'STR' | 'QUOTEDSTR' | 'REGEXSTR' | 'LIST' | 'EXISTS'
  | 'lt' | 'lte' | 'gt' | 'gte' | 'eq' | 'ne'
  | 'and' | 'or' | 'lparen' | 'rparen' | 'not'
  | 'INVALID' | 'EOF';

export interface Token {
  type: TokenType;
  text: string;
  start: number;
  end: number;
}

interface Rule { re: RegExp | ((text: string, i: number) => number); type: TokenType }

const isLineEnd = (c: string): boolean => c === '\n' || c === '\r' || c === '\u2028' || c === '\u2029';

/**
 * Length of jison's `"(?:\\?.)*?"` (or with `/`) at `i`, or -1. The regex itself backtracks
 * exponentially on a run of backslashes with no closing quote (a 100-character expression took
 * minutes: found by the coverage fuzzer), so this gives its result in one pass: the first
 * unescaped quote before a line end; failing that, the last quote before it (where the
 * regex's backtracking ends up, reading that quote's backslash as a plain character).
 */
function delimited(q: string): (text: string, i: number) => number {
  return (text, i) => {
    if (text[i] !== q) return -1;
    let j = i + 1;
    for (; j < text.length && !isLineEnd(text[j]); j++) {
      if (text[j] === q) return j + 1 - i;
      if (text[j] === '\\' && j + 1 < text.length && !isLineEnd(text[j + 1])) j++;
    }
    const last = text.lastIndexOf(q, j - 1);
    return last > i ? last + 1 - i : -1;
  };
}

// Same patterns, same order as the jison lexer. Sticky regexes match at lastIndex only.
const RULES: Rule[] = [
  { re: delimited('"'), type: 'QUOTEDSTR' },
  { re: delimited('/'), type: 'REGEXSTR' },
  { re: /[-+a-zA-Z0-9_.@:*?/$]+/y, type: 'STR' },
  { re: /\[[^\]\\]*(?:\\.[^\]\\]*)*\]/y, type: 'LIST' },
  { re: /\][^[\\]*(?:\\.[^[\\]*)*\[/y, type: 'LIST' },
  { re: /EXISTS!/y, type: 'EXISTS' },
  { re: /<=/y, type: 'lte' },
  { re: /</y, type: 'lt' },
  { re: />=/y, type: 'gte' },
  { re: />/y, type: 'gt' },
  { re: /!=/y, type: 'ne' },
  { re: /==/y, type: 'eq' },
  { re: /=/y, type: 'eq' },
  { re: /\|\|/y, type: 'or' },
  { re: /\|/y, type: 'or' },
  { re: /&&/y, type: 'and' },
  { re: /&/y, type: 'and' },
  { re: /\(/y, type: 'lparen' },
  { re: /\)/y, type: 'rparen' },
  { re: /!/y, type: 'not' },
];

const WS = /\s+/y;

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  for (;;) {
    WS.lastIndex = i;
    if (WS.test(text)) i = WS.lastIndex;
    if (i >= text.length) {
      out.push({ type: 'EOF', text: '', start: i, end: i });
      return out;
    }
    let best: Rule | undefined;
    let bestLen = 0;
    for (const r of RULES) {
      let len: number;
      if (typeof r.re === 'function') len = r.re(text, i);
      else { r.re.lastIndex = i; len = r.re.exec(text)?.[0].length ?? -1; }
      if (len > bestLen) { best = r; bestLen = len; }
    }
    if (!best) {
      // One code point, so a surrogate pair is reported whole.
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      out.push({ type: 'INVALID', text: ch, start: i, end: i + ch.length });
      i += ch.length;
      continue;
    }
    out.push({ type: best.type, text: text.slice(i, i + bestLen), start: i, end: i + bestLen });
    i += bestLen;
  }
}
