// Parser for Arkime's expression grammar (viewer/arkimeparser.jison):
//   e := e '&&' e | e '||' e | '!' e | '(' e ')' | STR '==' EXISTS! | STR '!=' EXISTS! | STR OP VALUE
// `&&` binds tighter than `||`, `!` tighter than both. Runs of && (or ||) become one n-ary node,
// which is what Arkime's query collapsing makes of them anyway.
import type { FieldRegistry } from '../fields/registry.js';
import type { CmpOp, Expr, Span, Value, ValueKind } from './ast.js';
import { ExpressionError } from './errors.js';
import { fieldView } from './field-view.js';
import { tokenize, type Token } from './lexer.js';

const OPS: Partial<Record<Token['type'], CmpOp>> = { lt: 'lt', lte: 'lte', gt: 'gt', gte: 'gte', eq: 'eq', ne: 'ne' };
const VALUE_KINDS: Partial<Record<Token['type'], ValueKind>> = { STR: 'str', QUOTEDSTR: 'quoted', REGEXSTR: 'regex', LIST: 'list' };

function unexpected(t: Token): ExpressionError {
  if (t.type === 'EOF') return new ExpressionError('Unexpected end of expression', '', t.start);
  return new ExpressionError(`Unexpected '${t.text}'`, t.text, t.start);
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token { return this.toks[this.i]; }
  private next(): Token { return this.toks[this.i++]; }

  parse(): Expr {
    const e = this.or();
    const t = this.peek();
    if (t.type !== 'EOF') throw unexpected(t);
    return e;
  }

  private or(): Expr {
    const first = this.and();
    if (this.peek().type !== 'or') return first;
    const children = [first];
    while (this.peek().type === 'or') { this.next(); children.push(this.and()); }
    return { type: 'or', children, span: cover(first.span, children[children.length - 1].span) };
  }

  private and(): Expr {
    const first = this.unary();
    if (this.peek().type !== 'and') return first;
    const children = [first];
    while (this.peek().type === 'and') { this.next(); children.push(this.unary()); }
    return { type: 'and', children, span: cover(first.span, children[children.length - 1].span) };
  }

  private unary(): Expr {
    const t = this.next();
    if (t.type === 'not') {
      const child = this.unary();
      return { type: 'not', child, span: { start: t.start, end: child.span.end } };
    }
    if (t.type === 'lparen') {
      const e = this.or();
      const close = this.next();
      if (close.type !== 'rparen') throw unexpected(close);
      // Parentheses only group; the node keeps its own span.
      return e;
    }
    if (t.type !== 'STR') throw unexpected(t);
    const fieldSpan = { start: t.start, end: t.end };
    const opTok = this.next();
    const op = OPS[opTok.type];
    if (!op) throw unexpected(opTok);
    const v = this.next();
    if (v.type === 'EXISTS' && (op === 'eq' || op === 'ne')) {
      return { type: 'exists', field: t.text, fieldSpan, negated: op === 'ne', span: { start: t.start, end: v.end } };
    }
    const kind = VALUE_KINDS[v.type];
    if (!kind) throw unexpected(v);
    const value: Value = { kind, text: v.text, span: { start: v.start, end: v.end } };
    return { type: 'cmp', field: t.text, fieldSpan, op, value, span: { start: t.start, end: v.end } };
  }
}

function cover(a: Span, b: Span): Span { return { start: a.start, end: b.end }; }

/** Syntax only: no field is looked up. */
export function parseSyntax(text: string): Expr {
  if (typeof text !== 'string') throw new ExpressionError('Expression needs to be a string', '', 0);
  return new Parser(tokenize(text)).parse();
}

/** Visit every comparison and EXISTS node, left to right. */
export function forEachLeaf(e: Expr, fn: (leaf: Extract<Expr, { type: 'cmp' | 'exists' }>) => void): void {
  switch (e.type) {
    case 'and': case 'or': for (const c of e.children) forEachLeaf(c, fn); return;
    case 'not': forEachLeaf(e.child, fn); return;
    default: fn(e);
  }
}

/**
 * Parse an expression and check that every field it names exists in `registry` (by expression
 * name, alias, ECS name, `<exp>.cnt`, or `db:<path>`). Values are checked by the compilers.
 */
export function parseExpression(text: string, registry: FieldRegistry): Expr {
  const ast = parseSyntax(text);
  const view = fieldView(registry);
  forEachLeaf(ast, (leaf) => {
    if (!view.lookup(leaf.field)) {
      throw new ExpressionError(`Unknown field '${leaf.field}'`, leaf.field, leaf.fieldSpan.start, `Unknown field ${leaf.field}`);
    }
  });
  return ast;
}
