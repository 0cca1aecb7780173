// The control store in the cluster: Arkime's own admin indices, under their unversioned aliases
// (`<prefix>files` → `<prefix>files_v30`...), with Arkime's ids and document shapes, so every
// capture node and viewer sharing the cluster sees one registry, one user list and every node's
// stats (reference 0, 1.7, 1.9, 6, 7). `packrat db init` creates the indices (admin.ts); writes
// name the alias with `require_alias`, so a cluster that was never initialised answers with an
// error instead of growing an unmapped index under the alias's name.
//
// Writes refresh before they return: control data is written rarely (per file, per stats
// interval, per admin action) and read back at once by another process.
import { partitionSuffix } from '../backend/partition-name.js';
import type { CaptureRequestDoc, CaptureRequestState, ControlStore, Doc, FileDoc, HistoryDoc, UserDoc, ViewDoc } from '../backend/control-store.js';
import { EsResponseError, type EsApi } from './client.js';

type Hit = { _id: string; _index: string; _source: Doc; sort?: unknown[]; _seq_no?: number; _primary_term?: number };
type Q = Record<string, unknown>;

const PAGE = 1000;
/** Admin indices other than files stay small (users, views, node stats, field definitions). */
const SMALL = 10000;
// Arkime's history docs carry seconds; a timestamp this large can only be milliseconds.
const MS_THRESHOLD = 1e11;
const WRITE = { refresh: 'true', require_alias: 'true' } as const;
/** No answer (connection refused or cut), overloaded, or a node between states: worth a retry. */
const TRANSIENT = new Set([0, 429, 502, 503, 504]);

export class EsControlStore implements ControlStore {
  readonly where: string;
  private readonly p: string;

  private outage = false;

  /**
   * `ownsApi`: close() closes the client too. `outageMs`: how long a request keeps retrying
   * while the cluster is unreachable or overloaded (capture waits out an outage, as its bulk
   * spool does, rather than failing a file's registration; a viewer answers at once).
   */
  constructor(private readonly api: EsApi, private readonly ownsApi = false, private readonly outageMs = 0) {
    this.p = api.settings.prefix;
    this.where = `${api.settings.nodes.join(',')} prefix '${this.p}'`;
  }

  private index(name: string): string { return this.p + name; }

  private async req<T = any>(r: Parameters<EsApi['request']>[0], ignore: number[] = []): Promise<T> {
    const deadline = Date.now() + this.outageMs;
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        const out = await this.api.request<T>(r, ignore);
        if (this.outage) { this.outage = false; process.stderr.write(`packrat: control store ${this.where} answers again\n`); }
        return out;
      } catch (e) {
        if (!(e instanceof EsResponseError) || !TRANSIENT.has(e.status) || Date.now() + wait > deadline) return this.failed(r, e);
        if (!this.outage) { this.outage = true; process.stderr.write(`packrat: control store ${this.where}: ${e.message.slice(0, 200)}; retrying for up to ${Math.round(this.outageMs / 1000)} s\n`); }
        await new Promise((res) => setTimeout(res, wait));
      }
    }
  }

  private failed(r: Parameters<EsApi['request']>[0], e: unknown): never {
    const body = (e as EsResponseError).body as { error?: { type?: string } } | undefined;
    if (e instanceof EsResponseError && e.status === 404 && body?.error?.type === 'index_not_found_exception') {
      throw new Error(`${this.where}: Arkime's admin indices are missing (${r.method} ${r.path}); run \`packrat db init\` first`);
    }
    throw e;
  }

  private async get(index: string, id: string): Promise<Hit | undefined> {
    const r = await this.req<{ found?: boolean } & Hit>({ method: 'GET', path: `/${this.index(index)}/_doc/${encodeURIComponent(id)}` }, [404]);
    return r?.found ? r : undefined;
  }

  private async put(index: string, id: string, doc: Doc, query: Q = {}): Promise<void> {
    await this.req({ method: 'PUT', path: `/${this.index(index)}/_doc/${encodeURIComponent(id)}`, body: doc, query: { ...WRITE, ...query } as never });
  }

  private async delete(index: string, id: string): Promise<boolean> {
    const r = await this.req<{ result?: string }>({ method: 'DELETE', path: `/${this.index(index)}/_doc/${encodeURIComponent(id)}`, query: { refresh: 'true' } }, [404]);
    return r?.result === 'deleted';
  }

  private async search(index: string, body: Q): Promise<Hit[]> {
    const r = await this.req<{ hits: { hits: Hit[] } }>({ method: 'POST', path: `/${index}/_search`, body, query: { ignore_unavailable: true, allow_no_indices: true } });
    return r.hits.hits;
  }

  /** Every match of a query in `sort` order, a page at a time (search_after). */
  private async all(index: string, query: Q, sort: Q[]): Promise<Hit[]> {
    const out: Hit[] = [];
    let after: unknown[] | undefined;
    for (;;) {
      const hits = await this.search(index, { query, sort, size: PAGE, ...(after ? { search_after: after } : {}) });
      out.push(...hits);
      if (hits.length < PAGE) return out;
      after = hits[hits.length - 1].sort;
    }
  }

  /**
   * Delete every match: found by search, removed by `_bulk` (`_delete_by_query` lives in the
   * reindex module, which a minimal cluster may lack). Returns how many went.
   */
  private async deleteWhere(index: string, query: Q): Promise<number> {
    let n = 0;
    for (;;) {
      const hits = await this.search(index, { query, size: PAGE, _source: false });
      if (hits.length === 0) return n;
      const r = await this.req<{ items: { delete: { result?: string } }[] }>({
        method: 'POST', path: '/_bulk', bulkBody: hits.map((h) => ({ delete: { _index: h._index, _id: h._id } })), query: { refresh: 'true' },
      });
      n += r.items.filter((i) => i.delete.result === 'deleted').length;
      if (hits.length < PAGE) return n;
    }
  }

  /**
   * Read, merge, write back only if nobody wrote in between (if_seq_no), else again: the same
   * shallow merge as the embedded store, where `_update` would merge objects deeply.
   */
  private async merge(index: string, id: string, patch: Doc, missing: string): Promise<Doc> {
    const out = await this.casUpdate(index, id, (cur) => { if (!cur) throw new Error(missing); return { ...cur, ...patch }; });
    return out!;
  }

  /**
   * Compare and set: `make` turns the current source (undefined when there is none) into the
   * next one, or undefined to leave it; written only if nobody wrote in between, else again.
   */
  private async casUpdate(index: string, id: string, make: (cur: Doc | undefined) => Doc | undefined): Promise<Doc | undefined> {
    for (let attempt = 0; ; attempt++) {
      const cur = await this.get(index, id);
      const made = make(cur?._source);
      if (!cur || !made) return undefined;
      const next = dropUndefined(made);
      try {
        await this.put(index, id, next, { if_seq_no: cur._seq_no!, if_primary_term: cur._primary_term! });
        return next;
      } catch (e) {
        if (!(e instanceof EsResponseError && e.status === 409) || attempt >= 20) throw e;
      }
    }
  }

  // ------------------------------------------------------------- sequence & files

  /** Arkime's getSequenceNumber: index an empty doc `<name>` and use its new `_version`. */
  async nextSequence(name: string): Promise<number> {
    const r = await this.req<{ _version: number }>({ method: 'POST', path: `/${this.index('sequence')}/_doc/${encodeURIComponent(name)}`, body: {}, query: WRITE });
    return r._version;
  }

  nextFileNum(node: string): Promise<number> { return this.nextSequence(`fn-${node}`); }

  async registerFile(doc: FileDoc): Promise<FileDoc> {
    if (!doc.node || !Number.isInteger(doc.num) || !doc.name) throw new Error(`file doc needs node, num and name: ${JSON.stringify(doc)}`);
    const { id: given, ...source } = doc;
    const id = given ?? `${doc.node}-${doc.num}`;
    await this.put('files', id, dropUndefined(source));
    return { ...source, id };
  }

  async updateFile(id: string, patch: Partial<FileDoc>): Promise<FileDoc> {
    const { id: _id, ...rest } = patch;
    return { ...(await this.merge('files', id, rest, `no file with id ${id}`)), id } as FileDoc;
  }

  private file(h: Hit | undefined): FileDoc | undefined { return h && { ...h._source, id: h._id } as FileDoc; }

  async fileById(id: string): Promise<FileDoc | undefined> { return this.file(await this.get('files', id)); }

  /** By its usual id first (a realtime get), then by search for a file registered under another id. */
  async fileByNum(node: string, num: number): Promise<FileDoc | undefined> {
    const f = await this.fileById(`${node}-${num}`);
    if (f?.node === node && f.num === num) return f;
    return this.file((await this.search(this.index('files'), { query: { bool: { filter: [{ term: { node } }, { term: { num } }] } }, size: 1 }))[0]);
  }

  async fileByName(name: string): Promise<FileDoc | undefined> {
    return this.file((await this.search(this.index('files'), { query: { term: { name } }, sort: [{ num: 'desc' }], size: 1 }))[0]);
  }

  async filesByName(pattern: string): Promise<FileDoc[]> {
    const query = pattern.includes('*') || pattern.includes('?') ? { wildcard: { name: { value: pattern.replace(/\\/g, '\\\\') } } } : { term: { name: pattern } };
    return (await this.all(this.index('files'), query, [{ node: 'asc' }, { num: 'asc' }])).map((h) => this.file(h)!);
  }

  async listFiles(node?: string): Promise<FileDoc[]> {
    const query = node === undefined ? { match_all: {} } : { term: { node } };
    return (await this.all(this.index('files'), query, [{ node: 'asc' }, { num: 'asc' }])).map((h) => this.file(h)!);
  }

  deleteFile(id: string): Promise<boolean> { return this.delete('files', id); }

  // ------------------------------------------------------------- stats (id = node name) and dstats

  async putStats(node: string, doc: Doc): Promise<void> { await this.put('stats', node, doc); }

  async getStats(node: string): Promise<Doc | undefined> { return (await this.get('stats', node))?._source; }

  async allStats(): Promise<Doc[]> {
    const hits = await this.search(this.index('stats'), { query: { match_all: {} }, size: SMALL });
    return hits.sort((a, b) => cmp(a._id, b._id)).map((h) => h._source);
  }

  async deleteStats(node: string): Promise<void> {
    await this.delete('stats', node);
    await this.deleteWhere(this.index('dstats'), { term: { nodeName: node } });
  }

  async putDStats(node: string, interval: number, doc: Doc & { currentTime: number }): Promise<string> {
    const id = `${node}-${Math.floor(doc.currentTime / interval) % 1440}-${interval}`;
    await this.put('dstats', id, { ...doc, nodeName: node, interval });
    return id;
  }

  async dstats(node: string, interval: number, start: number, stop: number): Promise<Doc[]> {
    const query = { bool: { filter: [{ term: { nodeName: node } }, { term: { interval } }, { range: { currentTime: { gte: start, lte: stop } } }] } };
    return (await this.search(this.index('dstats'), { query, sort: [{ currentTime: 'asc' }], size: 1440 })).map((h) => h._source);
  }

  // ------------------------------------------------------------- fields (id = expression)

  async publishFields(defs: (Doc & { exp?: string; expression?: string })[]): Promise<void> {
    const lines: unknown[] = [];
    for (const d of defs) {
      const exp = d.exp ?? d.expression;
      if (typeof exp !== 'string' || exp === '') throw new Error(`field definition without expression: ${JSON.stringify(d)}`);
      lines.push({ index: { _index: this.index('fields'), _id: exp } }, dropUndefined(d));
    }
    if (lines.length === 0) return;
    const r = await this.req<{ errors: boolean; items: { index: { error?: unknown } }[] }>({ method: 'POST', path: '/_bulk', bulkBody: lines, query: WRITE });
    const bad = r.errors ? r.items.find((i) => i.index.error) : undefined;
    if (bad) throw new Error(`publishing fields to ${this.index('fields')}: ${JSON.stringify(bad.index.error).slice(0, 300)}`);
  }

  async publishedFields(): Promise<Doc[]> {
    const hits = await this.search(this.index('fields'), { query: { match_all: {} }, size: SMALL });
    return hits.sort((a, b) => cmp(a._id, b._id)).map((h) => h._source);
  }

  // ------------------------------------------------------------- users (id = userId)

  /** The embedded store's defaults, so both answer alike. */
  private static userDoc(u: UserDoc): UserDoc {
    return dropUndefined({ ...u, roles: u.roles ?? [], enabled: u.enabled !== false, settings: u.settings ?? {} }) as UserDoc;
  }

  async createUser(u: UserDoc): Promise<void> {
    if (!u.userId) throw new Error('user needs a userId');
    const r = await this.req<{ status?: number }>({ method: 'PUT', path: `/${this.index('users')}/_create/${encodeURIComponent(u.userId)}`, body: EsControlStore.userDoc(u), query: WRITE }, [409]);
    if (r?.status === 409) throw new Error(`user ${u.userId} already exists`);
  }

  async getUser(userId: string): Promise<UserDoc | undefined> { return (await this.get('users', userId))?._source as UserDoc | undefined; }

  async getUserByApiKey(apiKey: string): Promise<UserDoc | undefined> {
    return (await this.search(this.index('users'), { query: { term: { apiKey } }, size: 1 }))[0]?._source as UserDoc | undefined;
  }

  async listUsers(): Promise<UserDoc[]> {
    return (await this.search(this.index('users'), { query: { match_all: {} }, sort: [{ userId: 'asc' }], size: SMALL })).map((h) => h._source as UserDoc);
  }

  async updateUser(userId: string, patch: Partial<UserDoc>): Promise<UserDoc> {
    return EsControlStore.userDoc(await this.merge('users', userId, { ...patch, userId }, `no user ${userId}`) as UserDoc);
  }

  deleteUser(userId: string): Promise<boolean> { return this.delete('users', userId); }

  // ------------------------------------------------------------- views (ids made by the cluster)

  private view(h: Hit | undefined): ViewDoc | undefined { return h && { ...h._source, id: h._id } as ViewDoc; }

  async createView(v: ViewDoc): Promise<string> {
    const { id: _id, ...doc } = v;
    const r = await this.req<{ _id: string }>({ method: 'POST', path: `/${this.index('views')}/_doc`, body: dropUndefined(doc), query: WRITE });
    return r._id;
  }

  async getView(id: string): Promise<ViewDoc | undefined> { return this.view(await this.get('views', id)); }

  async listViews(user?: string): Promise<ViewDoc[]> {
    const query = user === undefined ? { match_all: {} } : { bool: { should: [{ term: { user } }, { term: { shared: true } }], minimum_should_match: 1 } };
    return (await this.search(this.index('views'), { query, sort: [{ name: 'asc' }], size: SMALL })).map((h) => this.view(h)!);
  }

  async updateView(id: string, patch: Partial<ViewDoc>): Promise<ViewDoc> {
    const { id: _id, ...rest } = patch;
    return { ...(await this.merge('views', id, rest, `no view ${id}`)), id } as ViewDoc;
  }

  deleteView(id: string): Promise<boolean> { return this.delete('views', id); }

  // ------------------------------------------------------------- history: weekly <prefix>history_v1-YYwWW

  private historyPattern(): string { return `${this.p}history_v1-*`; }

  async addHistory(h: HistoryDoc): Promise<string> {
    const { id: _id, ...doc } = h;
    const ms = doc.timestamp >= MS_THRESHOLD ? doc.timestamp : doc.timestamp * 1000;
    // Arkime's history docs carry seconds; the index is the week of the entry
    const r = await this.req<{ _id: string }>({
      method: 'POST', path: `/${this.p}history_v1-${partitionSuffix(ms, 'weekly')}/_doc`,
      body: dropUndefined({ ...doc, timestamp: Math.floor(ms / 1000) }), query: { refresh: 'true' },
    });
    return r._id;
  }

  async listHistory(o: { userId?: string; since?: number; limit?: number } = {}): Promise<HistoryDoc[]> {
    const filter: Q[] = [];
    if (o.userId !== undefined) filter.push({ term: { userId: o.userId } });
    // the format said in the query too: Elasticsearch 9 reads a bare number as milliseconds whatever the mapping's format
    if (o.since !== undefined) filter.push({ range: { timestamp: { gte: o.since >= MS_THRESHOLD ? Math.floor(o.since / 1000) : o.since, format: 'epoch_second' } } });
    const hits = await this.search(this.historyPattern(), { query: { bool: { filter } }, sort: [{ timestamp: 'desc' }], size: o.limit ?? 1000 });
    return hits.map((h) => ({ ...h._source, id: h._id }) as HistoryDoc);
  }

  async deleteHistory(id: string): Promise<boolean> {
    return (await this.deleteWhere(this.historyPattern(), { ids: { values: [id] } })) > 0;
  }

  async expireHistory(beforeMs: number, o: { dryRun?: boolean } = {}): Promise<number> {
    const query = { range: { timestamp: { lt: Math.floor(beforeMs / 1000), format: 'epoch_second' } } };
    const q = { ignore_unavailable: true, allow_no_indices: true };
    if (o.dryRun) return (await this.req<{ count: number }>({ method: 'POST', path: `/${this.historyPattern()}/_count`, body: { query }, query: q })).count;
    return this.deleteWhere(this.historyPattern(), query);
  }

  // ------------------------------------------------------------- capture requests (`capturerequests`)

  async addCaptureRequest(doc: CaptureRequestDoc): Promise<void> {
    const r = await this.req<{ status?: number }>({ method: 'PUT', path: `/${this.index('capturerequests')}/_create/${encodeURIComponent(doc.id)}`, body: dropUndefined(doc), query: WRITE }, [409]);
    if (r?.status === 409) throw new Error(`capture request ${doc.id} already exists`);
  }

  async getCaptureRequest(id: string): Promise<CaptureRequestDoc | undefined> {
    return (await this.get('capturerequests', id))?._source as CaptureRequestDoc | undefined;
  }

  async listCaptureRequests(o: { node?: string; states?: readonly CaptureRequestState[] } = {}): Promise<CaptureRequestDoc[]> {
    const filter: Q[] = [];
    if (o.node !== undefined) filter.push({ term: { node: o.node } });
    if (o.states) filter.push({ terms: { state: [...o.states] } });
    const hits = await this.all(this.index('capturerequests'), { bool: { filter } }, [{ created: 'desc' }, { id: 'desc' }]);
    return hits.map((h) => h._source as CaptureRequestDoc);
  }

  async updateCaptureRequest(id: string, patch: Partial<CaptureRequestDoc>, ifStates?: readonly CaptureRequestState[]): Promise<CaptureRequestDoc | undefined> {
    return await this.casUpdate('capturerequests', id, (cur) => {
      if (!cur || (ifStates && !ifStates.includes((cur as CaptureRequestDoc).state))) return undefined;
      return { ...cur, ...patch, id, updated: Date.now() };
    }) as CaptureRequestDoc | undefined;
  }

  async close(): Promise<void> { if (this.ownsApi) await this.api.close(); }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** JSON leaves undefined out anyway; this keeps merged docs and returned docs alike. */
function dropUndefined<T extends Doc>(d: T): T {
  const out = { ...d };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}
