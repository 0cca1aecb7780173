// Arkime's query collapsing (BuildQuery.#collapseQuery): nested bool.should inside should and
// bool.filter inside filter are flattened, `must_not: {bool: {should: [...]}}` becomes
// `must_not: [...]`, and a should-list inside a must_not array is spliced into it.
//
// Arkime also splices a child's must_not into a parent must_not, which silently drops a double
// negation (`!(a != 1 || b)` would lose the inner `!`). We do not copy that: it changes the
// meaning, and the uncollapsed queries we build never rely on it.
import type { Dsl } from './build-dsl.js';

function spliced(items: Dsl[], kind: 'should' | 'filter'): Dsl[] {
  const out: Dsl[] = [];
  for (const it of items) {
    const inner = it?.bool?.[kind];
    if (Array.isArray(inner) && Object.keys(it.bool).length === 1 && Object.keys(it).length === 1) out.push(...inner);
    else out.push(it);
  }
  return out;
}

export function collapse(query: Dsl): void {
  if (query === null || typeof query !== 'object') return;
  // A one-item should is left as it is; only its item is collapsed (Arkime does the same).
  if (Array.isArray(query.bool?.should) && query.bool.should.length === 1) query = query.bool.should[0];
  if (query === null || typeof query !== 'object') return;
  for (const prop of Object.keys(query)) {
    if (prop !== 'bool') {
      collapse(query[prop]);
      continue;
    }
    const b = query.bool;
    if (b.must_not && !Array.isArray(b.must_not) && Array.isArray(b.must_not.bool?.should) &&
        Object.keys(b.must_not.bool).length === 1) {
      b.must_not = b.must_not.bool.should;
      collapse(query);
    } else if (Array.isArray(b.must_not) && b.must_not.length > 0) {
      collapseList(b, 'must_not', 'should', query);
    } else if (Array.isArray(b.should) && b.should.length > 0) {
      collapseList(b, 'should', 'should', query);
    } else if (Array.isArray(b.filter) && b.filter.length > 0) {
      collapseList(b, 'filter', 'filter', query);
    } else {
      collapse(b);
    }
  }
}

function collapseList(b: Dsl, key: string, kind: 'should' | 'filter', query: Dsl): void {
  const len = b[key].length;
  b[key] = spliced(b[key], kind);
  if (b[key].length !== len) collapse(query);
  else collapse(b[key]);
}
