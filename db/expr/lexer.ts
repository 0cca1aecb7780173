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

interface Rule { re: RegExp; type: TokenType }

// Same patterns, same order as the jison lexer. Sticky regexes match at lastIndex only.
const RULES: Rule[] = [
  { re: /"(?:\\?.)*?"/y, type: 'QUOTEDSTR' },
  { re: /\/(?:\\?.)*?\//y, type: 'REGEXSTR' },
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
      r.re.lastIndex = i;
      const m = r.re.exec(text);
      if (m && m[0].length > bestLen) { best = r; bestLen = m[0].length; }
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
