// Arkime's expression language: parse once into an AST, compile it for the embedded store (SQL)
// or for Elasticsearch (query DSL).
export type { Expr, CmpNode, ExistsNode, AndNode, OrNode, NotNode, Value, Span, CmpOp } from './ast.js';
export { ExpressionError } from './errors.js';
export { parseExpression, parseSyntax } from './parser.js';
export { compileToEs, fileNameMatches, filesMatching, type EsContext, type PcapFileRef } from './compile-es.js';
export { compileToSql, type SqlContext, type SqlQuery, type SqlParam } from './compile-sql.js';
export type { BuildContext, Shortcut, Dsl } from './build-dsl.js';
export { parseSeconds, formatLocalIso } from './dates.js';
