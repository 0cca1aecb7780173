import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from './lexer.js';
import { parseExpression, parseSyntax } from './parser.js';
import { ExpressionError } from './errors.js';
import { testRegistry } from './test-fields.js';
import type { Expr } from './ast.js';

const registry = testRegistry();

/** Compact text form: (and …), (or …), (not …), field op value, field EXISTS!. */
function show(e: Expr): string {
  switch (e.type) {
    case 'and': case 'or': return `(${e.type} ${e.children.map(show).join(' ')})`;
    case 'not': return `(not ${show(e.child)})`;
    case 'exists': return `${e.field} ${e.negated ? '!=' : '=='} EXISTS!`;
    case 'cmp': return `${e.field} ${e.op} ${e.value.kind}:${e.value.text}`;
  }
}

test('lexer: longest match wins, ties go to the earlier rule', () => {
  const types = (s: string) => tokenize(s).map((t) => `${t.type}:${t.text}`);
  assert.deepEqual(types('/fred/'), ['REGEXSTR:/fred/', 'EOF:']);
  assert.deepEqual(types('/js/xxx/'), ['STR:/js/xxx/', 'EOF:']);
  assert.deepEqual(types('/a b/'), ['REGEXSTR:/a b/', 'EOF:']);
  assert.deepEqual(types('EXISTS!'), ['EXISTS:EXISTS!', 'EOF:']);
  assert.deepEqual(types('EXISTS'), ['STR:EXISTS', 'EOF:']);
  assert.deepEqual(types('a<=b'), ['STR:a', 'lte:<=', 'STR:b', 'EOF:']);
  assert.deepEqual(types('a=b&c|d'), ['STR:a', 'eq:=', 'STR:b', 'and:&', 'STR:c', 'or:|', 'STR:d', 'EOF:']);
  assert.deepEqual(types('"a\\"b" x'), ['QUOTEDSTR:"a\\"b"', 'STR:x', 'EOF:']);
  assert.deepEqual(types('[a\\],b] ]1,2['), ['LIST:[a\\],b]', 'LIST:]1,2[', 'EOF:']);
  assert.deepEqual(types('ip.dst:port==1.2.3.4:80'), ['STR:ip.dst:port', 'eq:==', 'STR:1.2.3.4:80', 'EOF:']);
  assert.deepEqual(types('a#'), ['STR:a', 'INVALID:#', 'EOF:']);
});

test('parser: precedence, grouping, lists, values', () => {
  const p = (s: string) => show(parseExpression(s, registry));
  assert.equal(p('ip.src == 1.2.3.4'), 'ip.src eq str:1.2.3.4');
  assert.equal(p('tags==a && tags==b || tags==c'), '(or (and tags eq str:a tags eq str:b) tags eq str:c)');
  assert.equal(p('tags==a || tags==b && tags==c'), '(or tags eq str:a (and tags eq str:b tags eq str:c))');
  assert.equal(p('tags==a && (tags==b || tags==c)'), '(and tags eq str:a (or tags eq str:b tags eq str:c))');
  assert.equal(p('!tags==a && tags==b'), '(and (not tags eq str:a) tags eq str:b)');
  assert.equal(p('!(tags==a && tags==b)'), '(not (and tags eq str:a tags eq str:b))');
  assert.equal(p('!!tags==a'), '(not (not tags eq str:a))');
  assert.equal(p('tags == EXISTS! & tags != EXISTS!'), '(and tags == EXISTS! tags != EXISTS!)');
  assert.equal(p('tags = [a, "b c"]'), 'tags eq list:[a, "b c"]');
  assert.equal(p('tags != ]a,b['), 'tags ne list:]a,b[');
  assert.equal(p('http.uri == /a\\/b/'), 'http.uri eq regex:/a\\/b/');
  assert.equal(p('packets >= 10 && packets < 20 && packets <= 3 && packets > 1'),
    '(and packets gte str:10 packets lt str:20 packets lte str:3 packets gt str:1)');
  assert.equal(p('starttime == "2014/02/26 10:27:57"'), 'starttime eq quoted:"2014/02/26 10:27:57"');
  assert.equal(p('host.http.cnt == 1-5'), 'host.http.cnt eq str:1-5');
  assert.equal(p('db:source.ip == 1.2.3.4 && source.port == 80 && http.host == x'),
    '(and db:source.ip eq str:1.2.3.4 source.port eq str:80 http.host eq str:x)');
  assert.equal(p('file == */a.pcap'), 'file eq str:*/a.pcap');
});

test('parser: nodes carry source spans', () => {
  const e = parseExpression('tags == a || ip.src != 1.2.3.4', registry);
  assert.equal(e.type, 'or');
  if (e.type !== 'or') return;
  const right = e.children[1];
  assert.equal(right.type, 'cmp');
  if (right.type !== 'cmp') return;
  assert.deepEqual(right.fieldSpan, { start: 13, end: 19 });
  assert.deepEqual(right.value.span, { start: 23, end: 30 });
  assert.deepEqual(right.span, { start: 13, end: 30 });
  assert.deepEqual(e.span, { start: 0, end: 30 });
});

test('parser: errors name the token and its position', () => {
  const msg = (s: string) => {
    try { parseExpression(s, registry); } catch (e) {
      assert.ok(e instanceof ExpressionError, String(e));
      return e.message;
    }
    assert.fail(`no error for ${s}`);
  };
  assert.equal(msg('htp.host == x'), "Unknown field 'htp.host' at position 0");
  assert.equal(msg('tags == a && fred.ip == 1'), "Unknown field 'fred.ip' at position 13");
  assert.equal(msg('db:noSuchField=10.0.0.2'), "Unknown field 'db:noSuchField' at position 0");
  assert.equal(msg('ip.src == [1.2.3.4 ]] x'), "Unexpected ']' at position 20");
  assert.equal(msg('tags == a ] tags == b'), "Unexpected ']' at position 10");
  assert.equal(msg('tags =='), 'Unexpected end of expression at position 7');
  assert.equal(msg('(tags == a'), 'Unexpected end of expression at position 10');
  assert.equal(msg('tags == a)'), "Unexpected ')' at position 9");
  assert.equal(msg('tags a'), "Unexpected 'a' at position 5");
  assert.equal(msg('tags < EXISTS!'), "Unexpected 'EXISTS!' at position 7");
  assert.equal(msg('"tags" == a'), `Unexpected '"tags"' at position 0`);
  assert.equal(msg('tags == a && && tags == b'), "Unexpected '&&' at position 13");
  assert.equal(msg('tags == a # b'), "Unexpected '#' at position 10");
  assert.equal(msg(''), 'Unexpected end of expression at position 0');
  assert.equal(msg('tags == a b'), "Unexpected 'b' at position 10");
});

test('parseSyntax does not look fields up', () => {
  assert.equal(show(parseSyntax('nosuch == 1')), 'nosuch eq str:1');
});
