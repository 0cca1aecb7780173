// Elasticsearch/OpenSearch side of SessionSearchBackend: a SessionQuery becomes one
// `bool.filter` (expressions through compileToEs, the time range by bounding, ids, exact terms)
// and each viewer request one call: `_count`, `_search` with sort/from/size, date_histogram,
// terms and composite aggregations, scroll pages for exports, scroll + `_bulk` for tags.
import type { FieldRegistry } from '../fields/registry.js';
import { filesMatching, type PcapFileRef } from '../expr/compile-es.js';
import { ExpressionError } from '../expr/errors.js';
import { fieldView } from '../expr/field-view.js';
import {
  numberOf as num, QueryError, type ExportPage, type HistogramBucket, type HistogramRequest, type PacketRef, type PairBucket, type PairRequest,
  type SessionDoc, type SessionQuery, type SessionSearchBackend, type SortKey, type TermsResult,
} from '../backend/search-backend.js';
import type { EsApi } from './client.js';
import { buildSessionQuery } from './search-request.js';
import { sessionsIndexPattern } from './templates.js';

type Q = Record<string, any>;
const SCROLL = '2m';
/** ES's default index.max_result_window: the most `from + size` one search may ask for. */
const RESULT_WINDOW = 10000;
/** Least terms each shard returns for a terms aggregation (exact counts unless a shard holds more values). */
const TERMS_SHARD_SIZE = 10000;
/** Most composite buckets read for one connections request (each page is 1000). */
const MAX_PAIR_BUCKETS = 200000;

/** Text in code unit order (the embedded store's SQL byte order for the ASCII of addresses and names). */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Pairs by session count descending, then source and destination text ascending (as the embedded store). */
const byPair = (a: PairBucket, b: PairBucket): number => b.count - a.count || byText(a.src, b.src) || byText(a.dst, b.dst);

const getPath = (o: Q, f: string): unknown => {
  if (o[f] !== undefined) return o[f];
  return f.split('.').reduce<unknown>((x, k) => (x === undefined || x === null ? undefined : Array.isArray(x)
    ? x.flatMap((e) => (e && typeof e === 'object' ? [(e as Q)[k]].flat() : [])).filter((e) => e !== undefined) : (x as Q)[k]), o);
};

export interface EsBackendOptions {
  /** Pcap files for `file ==` terms (the files registry); read once per query that names `file`. */
  listFiles?: () => Promise<{ node: string; num: number; name: string }[]>;
}

export class EsSearchBackend implements SessionSearchBackend {
  private readonly target: string;
  private readonly openScrolls = new Set<string>();

  constructor(private readonly api: EsApi, private readonly registry: FieldRegistry, private readonly o: EsBackendOptions = {}) {
    this.target = '/' + sessionsIndexPattern(api.settings.prefix);
  }

  hasField(field: string): boolean {
    return field === '_id' || fieldView(this.registry).byDb(field) !== undefined;
  }

  private check(field: string): void {
    if (!this.hasField(field)) throw new QueryError(`Unknown field ${field}`);
  }

  private resolver(files: { node: string; num: number; name: string }[]): (name: string) => PcapFileRef[] {
    return (name) => {
      return filesMatching(name, files).map((f) => ({ node: f.node, num: f.num }));
    };
  }

  private async query(sq: SessionQuery): Promise<Q> {
    let base: Q;
    // the registry is read only when an expression may name a file (the compiler asks synchronously)
    const resolveFile = this.resolver(this.o.listFiles && sq.expressions.some((e) => /file/i.test(e)) ? await this.o.listFiles() : []);
    try {
      base = <Q>buildSessionQuery({ startTime: sq.segmentsAll ? undefined : sq.start, stopTime: sq.segmentsAll ? undefined : sq.stop, bounding: sq.bounding },
        { registry: this.registry, prefix: this.api.settings.prefix });
      for (const e of sq.expressions) {
        if (e.trim() === '') continue;
        base.bool.filter.push((buildSessionQuery({ expression: e }, { registry: this.registry, prefix: this.api.settings.prefix, resolveFile }) as Q).bool.filter[0]);
      }
    } catch (err) {
      if (err instanceof ExpressionError) throw new QueryError(err.message);
      throw err;
    }
    const filter = base.bool.filter as Q[];
    if (sq.ids) filter.push({ ids: { values: sq.ids } });
    for (const t of sq.terms ?? []) { this.check(t.field); filter.push({ term: { [t.field]: t.value } }); }
    if (sq.segmentsAll) {
      // Arkime segments=all: every segment sharing a rootId with a match, at any time
      const r = await this.esSearch({ query: base, size: 10000, _source: ['rootId'] });
      const roots = new Set<string>();
      for (const h of r.hits.hits) { if (h._source?.rootId) roots.add(h._source.rootId); }
      if (roots.size) return { bool: { should: [base, { terms: { rootId: [...roots] } }, { ids: { values: [...roots] } }], minimum_should_match: 1 } };
    }
    return base;
  }

  private esSearch(body: Q, query: Q = {}): Promise<Q> {
    return this.api.request({ method: 'POST', path: `${this.target}/_search`, body, query: { ignore_unavailable: true, allow_no_indices: true, ...query } });
  }

  private toDoc(h: Q): SessionDoc {
    const p = this.api.settings.prefix;
    const index = String(h._index).startsWith(p) ? String(h._index).slice(p.length) : String(h._index);
    return { id: String(h._id), index, doc: h._source ?? {} };
  }

  private sortFor(sort: SortKey[] | undefined): Q[] {
    const keys = sort && sort.length ? sort : [{ field: 'firstPacket', order: 'asc' as const }];
    return keys.map((s) => {
      if (s.order !== 'asc' && s.order !== 'desc') throw new QueryError(`sort order must be asc or desc, not '${String(s.order)}'`);
      this.check(s.field);
      const kind = fieldView(this.registry).byDb(s.field)?.kind;
      const unmapped = kind === 'ip' ? 'ip' : kind === 'integer' || kind === 'seconds' || kind === 'date' || kind === 'float' ? 'long' : 'keyword';
      return { [s.field]: { order: s.order, missing: s.order === 'asc' ? '_last' : '_first', unmapped_type: unmapped } };
    });
  }

  async total(): Promise<number> {
    const r = await this.api.request<{ count: number }>({ method: 'POST', path: `${this.target}/_count`, query: { ignore_unavailable: true, allow_no_indices: true } });
    return r.count;
  }

  async count(sq: SessionQuery): Promise<number> {
    const r = await this.api.request<{ count: number }>({ method: 'POST', path: `${this.target}/_count`, body: { query: await this.query(sq) }, query: { ignore_unavailable: true, allow_no_indices: true } });
    return r.count;
  }

  async search(sq: SessionQuery, o: { sort?: SortKey[]; start?: number; length: number }): Promise<SessionDoc[]> {
    const from = Math.max(0, Math.floor(o.start ?? 0)), size = Math.max(0, Math.floor(o.length));
    const body: Q = { query: await this.query(sq), sort: this.sortFor(o.sort), size, track_total_hits: false };
    if (from + size > RESULT_WINDOW) return this.searchPastWindow(body, from, size);
    if (from) body.from = from;
    const r = await this.esSearch(body, { preference: 'primaries' });
    return (r.hits.hits as Q[]).map((h) => this.toDoc(h));
  }

  /**
   * A page reaching past index.max_result_window (which refuses from + size above it, where the
   * embedded store answers): read the same sorted search through a scroll and keep [from, from+size).
   */
  private async searchPastWindow(body: Q, from: number, size: number): Promise<SessionDoc[]> {
    const out: SessionDoc[] = [];
    let seen = 0;
    const { track_total_hits: _t, ...scrolled } = body; // refused in a scroll context
    let r = await this.esSearch({ ...scrolled, size: RESULT_WINDOW }, { scroll: SCROLL, preference: 'primaries' });
    try {
      for (;;) {
        const hits = r.hits.hits as Q[];
        for (const h of hits) {
          if (seen++ >= from) out.push(this.toDoc(h));
          if (out.length >= size) return out;
        }
        if (hits.length < RESULT_WINDOW || !r._scroll_id) return out;
        r = await this.api.request({ method: 'POST', path: '/_search/scroll', body: { scroll: SCROLL, scroll_id: r._scroll_id } });
      }
    } finally {
      if (r._scroll_id) await this.clearScroll(r._scroll_id);
    }
  }

  async get(id: string, sq?: SessionQuery): Promise<SessionDoc | undefined> {
    const base: SessionQuery = sq ? { ...sq, start: undefined, stop: undefined } : { expressions: [] };
    const r = await this.esSearch({ query: await this.query({ ...base, ids: [id] }), size: 1 });
    const h = r.hits.hits[0];
    return h ? this.toDoc(h) : undefined;
  }

  async histogram(sq: SessionQuery, h: HistogramRequest): Promise<HistogramBucket[]> {
    h.sums.forEach((f) => this.check(f));
    const aggs: Q = {};
    h.sums.forEach((f, i) => { aggs[`s${i}`] = { sum: { field: f } }; });
    const r = await this.esSearch({
      query: await this.query(sq), size: 0,
      aggs: { dbHisto: { date_histogram: { field: h.timeField ?? 'lastPacket', fixed_interval: `${Math.max(1, Math.round(h.intervalSec))}s`, min_doc_count: 1 }, aggs } },
    });
    return ((r.aggregations?.dbHisto?.buckets ?? []) as Q[]).map((b) => ({ key: num(b.key), count: num(b.doc_count), sums: h.sums.map((_, i) => num(b[`s${i}`]?.value)) }));
  }

  async terms(sq: SessionQuery, field: string, size: number): Promise<TermsResult> {
    this.check(field);
    // shard_size: each shard's top (size*1.5+10 by default) undercounts a value spread over many
    // daily indices; the embedded store counts exactly, so ask every shard for far more
    const n = Math.max(1, Math.floor(size));
    const r = await this.esSearch({ query: await this.query(sq), size: 0, aggs: { t: { terms: { field, size: n, shard_size: Math.max(n, TERMS_SHARD_SIZE) } } } });
    const t = r.aggregations?.t ?? {};
    return {
      buckets: ((t.buckets ?? []) as Q[]).slice(0, Math.max(0, Math.floor(size))).map((b) => ({ key: b.key_as_string ?? b.key, doc_count: num(b.doc_count) })),
      sum_other_doc_count: num(t.sum_other_doc_count),
    };
  }

  /** Composite sources for one side of a pair; `destination.ip:port` uses two. */
  private pairSources(side: 's' | 'd', field: string): Q[] {
    if (field === 'destination.ip:port' || field === 'ip.dst:port') {
      return [{ [`${side}ip`]: { terms: { field: 'destination.ip' } } }, { [`${side}port`]: { terms: { field: 'destination.port' } } }];
    }
    this.check(field);
    return [{ [side]: { terms: { field } } }];
  }

  private static pairKey(side: 's' | 'd', key: Q): string | undefined {
    if (key[side] !== undefined && key[side] !== null) return String(key[side]);
    const ip = key[`${side}ip`], port = key[`${side}port`];
    if (ip === undefined || ip === null || port === undefined || port === null) return undefined;
    return String(ip).includes(':') ? `${ip}.${port}` : `${ip}:${port}`;
  }

  async pairs(sq: SessionQuery, p: PairRequest): Promise<PairBucket[]> {
    p.sums.forEach((f) => this.check(f));
    const query = await this.query(sq);
    if (p.sample) return this.samplePairs(query, p);
    const subs: Q = { nodes: { terms: { field: 'node', size: 100 } } };
    p.sums.forEach((f, i) => { subs[`s${i}`] = { sum: { field: f } }; });
    const sources = [...this.pairSources('s', p.src), ...this.pairSources('d', p.dst)];
    const out: PairBucket[] = [];
    let after: Q | undefined;
    for (let read = 0; read < MAX_PAIR_BUCKETS;) {
      const r = await this.esSearch({ query, size: 0, aggs: { pairs: { composite: { size: 1000, sources, ...(after ? { after } : {}) }, aggs: subs } } });
      const agg = r.aggregations?.pairs;
      const buckets = (agg?.buckets ?? []) as Q[];
      for (const b of buckets) {
        const src = EsSearchBackend.pairKey('s', b.key), dst = EsSearchBackend.pairKey('d', b.key);
        if (src === undefined || dst === undefined || b.doc_count < (p.minConn ?? 1)) continue;
        out.push({ src, dst, count: num(b.doc_count), nodes: ((b.nodes?.buckets ?? []) as Q[]).map((n) => String(n.key)), sums: p.sums.map((_, i) => num(b[`s${i}`]?.value)) });
      }
      read += buckets.length;
      if (!agg?.after_key || buckets.length === 0) break;
      after = agg.after_key;
    }
    out.sort(byPair);
    return out.slice(0, Math.max(0, Math.floor(p.limit)));
  }

  /** A pair side's document paths, and its values in one document (a list crossed as Arkime's loops do). */
  private static sideValues(field: string, src: Q): string[] {
    if (field === 'destination.ip:port' || field === 'ip.dst:port') {
      const ip = src.destination?.ip, port = src.destination?.port;
      if (ip === undefined || ip === null || port === undefined || port === null) return [];
      return [String(ip).includes(':') ? `${ip}.${port}` : `${ip}:${port}`];
    }
    const v = getPath(src, field);
    return (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]).map(String);
  }

  private static sidePaths(field: string): string[] {
    return field === 'destination.ip:port' || field === 'ip.dst:port' ? ['destination.ip', 'destination.port'] : [field];
  }

  /**
   * Arkime's connections: one page of the first `sample.size` matches in the sample's sort order
   * that have both fields (as its /api/connections reads one page of sessions), then every
   * (src, dst) value pair of those sessions, counted and summed here.
   */
  private async samplePairs(query: Q, p: PairRequest): Promise<PairBucket[]> {
    const size = Math.max(1, Math.floor(p.sample!.size));
    const paths = [...EsSearchBackend.sidePaths(p.src), ...EsSearchBackend.sidePaths(p.dst)];
    paths.forEach((f) => this.check(f));
    const body: Q = {
      query: { bool: { filter: [query, ...paths.map((f) => ({ exists: { field: f } }))] } },
      sort: this.sortFor(p.sample!.sort), size, track_total_hits: false, _source: [...new Set([...paths, 'node', ...p.sums])],
    };
    const hits = size > RESULT_WINDOW ? (await this.searchPastWindow(body, 0, size)).map((d) => d.doc)
      : ((await this.esSearch(body, { preference: 'primaries' })).hits.hits as Q[]).map((h) => (h._source ?? {}) as Q);
    const by = new Map<string, PairBucket>();
    for (const d of hits) {
      const dsts = EsSearchBackend.sideValues(p.dst, d);
      const node = d.node === undefined || d.node === null ? undefined : String(d.node);
      const vals = p.sums.map((f) => num(getPath(d, f)));
      for (const s of EsSearchBackend.sideValues(p.src, d)) {
        for (const t of dsts) {
          const k = `${s}\0${t}`;
          let b = by.get(k);
          if (!b) { b = { src: s, dst: t, count: 0, sums: p.sums.map(() => 0), nodes: [] }; by.set(k, b); }
          b.count++;
          vals.forEach((v, i) => { b!.sums[i] += v; });
          if (node !== undefined && !b.nodes.includes(node)) b.nodes.push(node);
        }
      }
    }
    const out = [...by.values()];
    for (const b of out) b.nodes.sort(byText);
    out.sort(byPair);
    return out.slice(0, Math.max(0, Math.floor(p.limit)));
  }

  async sums(sq: SessionQuery, fields: string[]): Promise<number[]> {
    if (fields.length === 0) return [];
    fields.forEach((f) => this.check(f));
    const aggs: Q = {};
    fields.forEach((f, i) => { aggs[`s${i}`] = { sum: { field: f } }; });
    const r = await this.esSearch({ query: await this.query(sq), size: 0, aggs });
    return fields.map((_, i) => num(r.aggregations?.[`s${i}`]?.value));
  }

  /**
   * Export pages in lastPacket order through a scroll (works on every ES and OpenSearch version,
   * as Arkime's exports do); `after` is the scroll id. The scroll is cleared on the last page.
   */
  private async page(sq: SessionQuery, source: string[] | true, limit: number, after: unknown): Promise<{ hits: Q[]; after?: string }> {
    const size = Math.max(1, Math.floor(limit));
    let r: Q;
    if (typeof after === 'string') {
      r = await this.api.request({ method: 'POST', path: '/_search/scroll', body: { scroll: SCROLL, scroll_id: after } });
    } else {
      const query = await this.query(sq);
      const body = { query, size, sort: [{ lastPacket: { order: 'asc', missing: '_first', unmapped_type: 'long' } }], _source: source };
      // One page holds every match (one session's pcap, an export by ids, a small query): no
      // scroll. A scroll holds a search context on every shard of every index (at most 500 per
      // node) until it is cleared or expires, and a caller that stops at its limit never asks
      // for the page that would clear it: one scroll per session pcap ran the cluster out.
      const n = await this.api.request<{ count: number }>({ method: 'POST', path: `${this.target}/_count`, body: { query }, query: { ignore_unavailable: true, allow_no_indices: true } });
      if (n.count <= size) return { hits: (await this.esSearch(body)).hits.hits as Q[] };
      r = await this.esSearch(body, { scroll: SCROLL });
    }
    const hits = r.hits.hits as Q[];
    const id = r._scroll_id as string | undefined;
    if (id) this.openScrolls.add(id);
    if (hits.length < size || !id) {
      if (id) await this.clearScroll(id);
      return { hits };
    }
    return { hits, after: id };
  }

  private async clearScroll(id: string): Promise<void> {
    this.openScrolls.delete(id);
    await this.api.request({ method: 'DELETE', path: '/_search/scroll', body: { scroll_id: [id] } }, [404]).catch(() => undefined);
  }

  async packetRefs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<PacketRef>> {
    const r = await this.page(sq, ['node', 'lastPacket', 'packetPos', 'fileId'], limit, after);
    return {
      rows: r.hits.map((h) => ({
        id: String(h._id), node: String(h._source?.node ?? ''), lastPacket: num(h._source?.lastPacket),
        packetPos: ((h._source?.packetPos as unknown[]) ?? []).map(Number), fileId: ((h._source?.fileId as unknown[]) ?? []).map(Number),
      })),
      after: r.after,
    };
  }

  async docs(sq: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<SessionDoc>> {
    const r = await this.page(sq, true, limit, after);
    return { rows: r.hits.map((h) => this.toDoc(h)), after: r.after };
  }

  /**
   * Add/remove tags without scripting (the integration-test distributions have no lang-painless):
   * the matches are read through a scroll, each changed document is written back whole with the
   * tags changed as Arkime's script does (added ones appended when missing, `tags`/`tagsCnt`
   * removed when none is left), guarded by its sequence number so a concurrent write wins, and
   * refreshed so the next query sees them. Unchanged documents are not counted.
   */
  async updateTags(sq: SessionQuery, add: string[], remove: string[], limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const max = Math.floor(limit);
    const page = Math.min(max, 1000);
    let r = await this.esSearch({ query: await this.query(sq), size: page, sort: ['_doc'], seq_no_primary_term: true }, { scroll: SCROLL });
    let seen = 0, updated = 0;
    try {
      for (;;) {
        const hits = (r.hits.hits as Q[]).slice(0, max - seen);
        seen += hits.length;
        const lines: unknown[] = [];
        for (const h of hits) {
          const src = (h._source ?? {}) as Q;
          const before: unknown[] = Array.isArray(src.tags) ? src.tags : src.tags === undefined || src.tags === null ? [] : [src.tags];
          const l = before.filter((t) => !remove.includes(String(t)));
          let changed = l.length !== before.length;
          for (const a of add) if (!l.includes(a)) { l.push(a); changed = true; }
          if (!changed) continue;
          const doc: Q = { ...src };
          if (l.length) { doc.tags = l; doc.tagsCnt = l.length; } else { delete doc.tags; delete doc.tagsCnt; }
          lines.push({ index: { _index: h._index, _id: h._id, if_seq_no: h._seq_no, if_primary_term: h._primary_term } }, doc);
        }
        if (lines.length) {
          const b = await this.api.request<{ items: Q[] }>({ method: 'POST', path: '/_bulk', bulkBody: lines, query: { refresh: true } });
          // a conflict is a document changed since it was read: its writer wins (conflicts=proceed)
          updated += (b.items ?? []).filter((it) => { const st = num(it.index?.status); return st >= 200 && st < 300; }).length;
        }
        if (seen >= max || hits.length < page || !r._scroll_id) break;
        r = await this.api.request({ method: 'POST', path: '/_search/scroll', body: { scroll: SCROLL, scroll_id: r._scroll_id } });
        if (!(r.hits.hits as Q[]).length) break;
      }
    } finally {
      if (r._scroll_id) await this.clearScroll(r._scroll_id);
    }
    return updated;
  }

  async close(): Promise<void> {
    for (const id of [...this.openScrolls]) await this.clearScroll(id);
  }
}
