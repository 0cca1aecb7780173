// The expression AST: a handful of plain node types. Every node carries the span of source text
// it came from so that compilers can point at the offending part of the expression.

export interface Span {
  /** 0-based offset of the first character. */
  start: number;
  /** Offset just past the last character. */
  end: number;
}

export type CmpOp = 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte';

export type ValueKind =
  | 'str'    // bare run of [-+a-zA-Z0-9_.@:*?/$]
  | 'quoted' // "…" (text keeps the quotes, as Arkime does)
  | 'regex'  // /…/ (text keeps the slashes)
  | 'list';  // […] OR list or ]…[ AND list (text keeps the brackets)

export interface Value {
  kind: ValueKind;
  /** Raw token text exactly as written, quotes/slashes/brackets included. */
  text: string;
  span: Span;
}

export interface AndNode { type: 'and'; children: Expr[]; span: Span }
export interface OrNode { type: 'or'; children: Expr[]; span: Span }
export interface NotNode { type: 'not'; child: Expr; span: Span }

/** `field OP value`. */
export interface CmpNode {
  type: 'cmp';
  field: string;
  fieldSpan: Span;
  op: CmpOp;
  value: Value;
  span: Span;
}

/** `field == EXISTS!` (negated: `field != EXISTS!`). */
export interface ExistsNode {
  type: 'exists';
  field: string;
  fieldSpan: Span;
  negated: boolean;
  span: Span;
}

export type Expr = AndNode | OrNode | NotNode | CmpNode | ExistsNode;

/** True for an OR list `[a,b]` or an AND list `]a,b[` spanning the whole value. */
export function isListText(v: string): boolean {
  return (v[0] === '[' && v[v.length - 1] === ']') || (v[0] === ']' && v[v.length - 1] === '[');
}
