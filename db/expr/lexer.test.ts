// The quoted-string and regex rules of the lexer replace jison's backtracking regexes
// (`"(?:\\?.)*?"`, `/(?:\\?.)*?/`) with a one-pass scan: same tokens, linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './lexer.js';

const JISON = [/"(?:\\?.)*?"/y, /\/(?:\\?.)*?\//y];

function jisonLen(re: RegExp, text: string, i: number): number {
  re.lastIndex = i;
  return re.exec(text)?.[0].length ?? -1;
}

test('lexer: quoted strings and regexes match exactly what the jison regexes match', () => {
  const alphabet = ['"', '/', '\\', 'a', ' ', '\n', '='];
  let seed = 12345;
  const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let k = 0; k < 20000; k++) {
    let text = '';
    const len = 1 + rnd(12);
    for (let j = 0; j < len; j++) text += alphabet[rnd(alphabet.length)];
    const want: string[] = [];
    // The token the regex would start at position 0 of `text` for each rule, compared via tokenize.
    for (const re of JISON) want.push(String(jisonLen(re, text, 0)));
    const tok = tokenize(text)[0];
    const got = [tok.type === 'QUOTEDSTR' ? tok.end - tok.start : -1, tok.type === 'REGEXSTR' ? tok.end - tok.start : -1];
    // Only when that rule won the longest-match contest can its length be read off the token.
    if (text.trimStart() !== text) continue;
    if (tok.type === 'QUOTEDSTR') assert.equal(String(got[0]), want[0], JSON.stringify(text));
    if (tok.type === 'REGEXSTR') assert.equal(String(got[1]), want[1], JSON.stringify(text));
    if (text[0] === '"' && want[0] === '-1') assert.notEqual(tok.type, 'QUOTEDSTR', JSON.stringify(text));
    if (text[0] === '"' && want[0] !== '-1' && tok.type !== 'QUOTEDSTR') assert.fail(`lost a quoted string: ${JSON.stringify(text)}`);
  }
});

test('lexer: a run of backslashes with no closing quote is tokenized at once', () => {
  const text = `tags == "${'\\'.repeat(5000)}`;
  const t0 = Date.now();
  tokenize(text);
  tokenize(`x == /${'\\'.repeat(5000)}`);
  assert.ok(Date.now() - t0 < 1000);
});
