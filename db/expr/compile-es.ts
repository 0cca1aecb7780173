// Expression → Elasticsearch query DSL, exactly what Arkime's /api/buildquery puts in
// `esquery.query.bool.filter[0]`: the parser's query (build-dsl.ts), collapsed as Arkime
// collapses it, with `file` terms resolved to node + fileId when a resolver is given.
import type { Expr } from './ast.js';
import { buildDsl, type BuildContext, type Dsl } from './build-dsl.js';
import { collapse } from './collapse.js';
import { ExpressionError } from './errors.js';
import { parseExpression } from './parser.js';

export interface PcapFileRef { node: string; num: number }

export interface EsContext extends BuildContext {
  /**
   * Files whose name matches a `file` term value: an exact name, a name with `*` wildcards or a
   * `/regex/` (see fileNameMatcher). Without a resolver `{fileand: name}` is left in the query.
   */
  resolveFile?: (name: string) => PcapFileRef[];
}

export function compileToEs(input: string | Expr, ctx: EsContext): Dsl {
  const ast = typeof input === 'string' ? parseExpression(input, ctx.registry) : input;
  // Collapse works on the filter array, so a single top-level should is not unwrapped.
  const filter = [buildDsl(ast, ctx)];
  collapse(filter);
  if (ctx.resolveFile) resolveFiles(filter, ctx.resolveFile);
  return filter[0];
}

function resolveFiles(obj: Dsl, resolve: (name: string) => PcapFileRef[]): void {
  if (obj === null || typeof obj !== 'object') return;
  for (const key of Object.keys(obj)) {
    if (key === 'fileand' && typeof obj.fileand === 'string') {
      const name: string = obj.fileand;
      delete obj.fileand;
      const files = resolve(name);
      if (files.length === 0) throw new ExpressionError(`File '${name}' not found`, name, 0, `File '${name}' not found`);
      const one = (f: PcapFileRef) => ({ bool: { filter: [{ term: { node: f.node } }, { term: { fileId: f.num } }] } });
      obj.bool = files.length === 1 ? one(files[0]).bool : { should: files.map(one) };
    } else {
      resolveFiles(obj[key], resolve);
    }
  }
}

export { fileNameMatcher } from './file-match.js';
