// The embedded control store: pcap file registry, sequences, node stats, published fields,
// users, views, history and tag edits in one SQLite file (WAL mode, so capture, viewer and cron
// jobs can share it). The schema is versioned; migrations are idempotent and run inside a
// transaction. SqliteControl is synchronous (better-sqlite3); SqliteControlStore is the same
// behind the async ControlStore interface. The embedded session backend uses SqliteControl
// directly for its tag overlay and `file ==` lookups, which it needs inside a query build.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CaptureRequestDoc, CaptureRequestState, ControlStore, Doc, FileDoc, HistoryDoc, UserDoc, ViewDoc } from '../backend/control-store.js';

export type { FileDoc, HistoryDoc, UserDoc, ViewDoc };

/** Sync view and history rows carry SQLite's integer ids; the async interface shows them as strings. */
type SqlViewDoc = Omit<ViewDoc, 'id'> & { id?: number };
type SqlHistoryDoc = Omit<HistoryDoc, 'id'> & { id?: number };

type Row = Record<string, unknown>;

// Arkime's history docs carry seconds; a timestamp this large can only be milliseconds.
const MS_THRESHOLD = 1e11;

const MIGRATIONS: string[] = [
  // 1: everything Arkime keeps in its admin indices
  `CREATE TABLE IF NOT EXISTS files (id TEXT PRIMARY KEY, node TEXT NOT NULL, num INTEGER NOT NULL, name TEXT NOT NULL,
     first INTEGER, locked INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
   CREATE UNIQUE INDEX IF NOT EXISTS files_node_num ON files(node, num);
   CREATE INDEX IF NOT EXISTS files_name ON files(name);
   CREATE TABLE IF NOT EXISTS sequence (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
   CREATE TABLE IF NOT EXISTS stats (node TEXT PRIMARY KEY, updated INTEGER NOT NULL, doc TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS dstats (id TEXT PRIMARY KEY, node TEXT NOT NULL, interval INTEGER NOT NULL,
     currentTime INTEGER NOT NULL, doc TEXT NOT NULL);
   CREATE INDEX IF NOT EXISTS dstats_node_time ON dstats(node, interval, currentTime);
   CREATE TABLE IF NOT EXISTS fields (exp TEXT PRIMARY KEY, doc TEXT NOT NULL);
   CREATE TABLE IF NOT EXISTS users (userId TEXT PRIMARY KEY, userName TEXT, passHash TEXT, roles TEXT NOT NULL DEFAULT '[]',
     expression TEXT, enabled INTEGER NOT NULL DEFAULT 1, apiKey TEXT UNIQUE, settings TEXT NOT NULL DEFAULT '{}',
     doc TEXT NOT NULL DEFAULT '{}');
   CREATE TABLE IF NOT EXISTS views (id INTEGER PRIMARY KEY AUTOINCREMENT, user TEXT NOT NULL, name TEXT NOT NULL,
     expression TEXT NOT NULL, doc TEXT NOT NULL DEFAULT '{}');
   CREATE UNIQUE INDEX IF NOT EXISTS views_user_name ON views(user, name);
   CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp INTEGER NOT NULL, userId TEXT NOT NULL,
     api TEXT, query TEXT, doc TEXT NOT NULL DEFAULT '{}');
   CREATE INDEX IF NOT EXISTS history_time ON history(timestamp);`,
  // 2: tags added/removed in the viewer; session segments are immutable, so the edited tag list
  // of a session lives here and overlays the stored one at query time
  `CREATE TABLE IF NOT EXISTS tag_edits (id TEXT PRIMARY KEY, tags TEXT NOT NULL, updated INTEGER NOT NULL);`,
  // 3: capture requests (pcapdaemon's model), one row per request and node
  `CREATE TABLE IF NOT EXISTS capture_requests (id TEXT PRIMARY KEY, node TEXT NOT NULL, state TEXT NOT NULL,
     created INTEGER NOT NULL, doc TEXT NOT NULL);
   CREATE INDEX IF NOT EXISTS capture_requests_node_state ON capture_requests(node, state);`,
];

export const CONTROL_SCHEMA_VERSION = MIGRATIONS.length;

/** `*` and `?` wildcards (Arkime file expressions) to a SQL GLOB with other glob characters escaped. */
function wildcardToGlob(pattern: string): string {
  return pattern.replace(/[[\]]/g, (c) => `[${c}]`);
}

export class SqliteControl {
  private constructor(readonly db: Database.Database, readonly file: string) {}

  static open(dataDir: string, opts: { readOnly?: boolean; busyTimeoutMs?: number } = {}): SqliteControl {
    if (!opts.readOnly) fs.mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, 'control.sqlite');
    const db = new Database(file, { readonly: opts.readOnly ?? false, fileMustExist: opts.readOnly ?? false });
    db.pragma(`busy_timeout = ${opts.busyTimeoutMs ?? 10000}`);
    if (!opts.readOnly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    }
    const store = new SqliteControl(db, file);
    if (!opts.readOnly) store.migrate();
    return store;
  }

  private migrate(): void {
    this.db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    this.db.transaction(() => {
      const row = this.db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number | null };
      const have = row.v ?? 0;
      if (have > MIGRATIONS.length) throw new Error(`${this.file}: schema version ${have} is newer than this program (${MIGRATIONS.length})`);
      for (let v = have; v < MIGRATIONS.length; v++) {
        this.db.exec(MIGRATIONS[v]);
        this.db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(v + 1);
      }
    }).immediate();
  }

  schemaVersion(): number {
    return (this.db.prepare('SELECT max(version) AS v FROM schema_version').get() as { v: number }).v;
  }

  close(): void { this.db.close(); }

  // ------------------------------------------------------------- sequence & files

  /** Next number of a named sequence, atomic across processes (Arkime `sequence` doc `fn-<node>`). */
  nextSequence(name: string): number {
    const r = this.db.prepare('INSERT INTO sequence (name, value) VALUES (?, 1) ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value')
      .get(name) as { value: number };
    return r.value;
  }

  nextFileNum(node: string): number { return this.nextSequence(`fn-${node}`); }

  /** Register a pcap file; `id` defaults to `<node>-<num>`. Replaces an existing doc of that id. */
  registerFile(doc: FileDoc): FileDoc {
    if (!doc.node || !Number.isInteger(doc.num) || !doc.name) throw new Error(`file doc needs node, num and name: ${JSON.stringify(doc)}`);
    const full: FileDoc = { ...doc, id: doc.id ?? `${doc.node}-${doc.num}` };
    this.db.prepare('INSERT OR REPLACE INTO files (id, node, num, name, first, locked, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(full.id, full.node, full.num, full.name, full.first ?? null, full.locked ?? 0, JSON.stringify(full));
    return full;
  }

  /** Merge `patch` into a file doc (capture on close: filesize, packets, finishTimestamp...). */
  updateFile(id: string, patch: Partial<FileDoc>): FileDoc {
    return this.db.transaction(() => {
      const cur = this.fileById(id);
      if (!cur) throw new Error(`no file with id ${id}`);
      const next = { ...cur, ...patch, id };
      this.db.prepare('UPDATE files SET name = ?, first = ?, locked = ?, doc = ? WHERE id = ?')
        .run(next.name, next.first ?? null, next.locked ?? 0, JSON.stringify(next), id);
      return next;
    }).immediate();
  }

  fileById(id: string): FileDoc | undefined { return this.oneFile('SELECT doc FROM files WHERE id = ?', id); }
  fileByNum(node: string, num: number): FileDoc | undefined { return this.oneFile('SELECT doc FROM files WHERE node = ? AND num = ?', node, num); }
  fileByName(name: string): FileDoc | undefined { return this.oneFile('SELECT doc FROM files WHERE name = ? ORDER BY num DESC LIMIT 1', name); }

  /** Files whose name matches `pattern` (`*` and `?` wildcards, as in `file == /data/*.pcap`). */
  filesByName(pattern: string): FileDoc[] {
    const rows = pattern.includes('*') || pattern.includes('?')
      ? this.db.prepare('SELECT doc FROM files WHERE name GLOB ? ORDER BY node, num').all(wildcardToGlob(pattern))
      : this.db.prepare('SELECT doc FROM files WHERE name = ? ORDER BY node, num').all(pattern);
    return (rows as { doc: string }[]).map((r) => JSON.parse(r.doc) as FileDoc);
  }

  listFiles(node?: string): FileDoc[] {
    const rows = node === undefined ? this.db.prepare('SELECT doc FROM files ORDER BY node, num').all()
      : this.db.prepare('SELECT doc FROM files WHERE node = ? ORDER BY num').all(node);
    return (rows as { doc: string }[]).map((r) => JSON.parse(r.doc) as FileDoc);
  }

  deleteFile(id: string): boolean { return this.db.prepare('DELETE FROM files WHERE id = ?').run(id).changes > 0; }

  private oneFile(sql: string, ...args: unknown[]): FileDoc | undefined {
    const r = this.db.prepare(sql).get(...args) as { doc: string } | undefined;
    return r ? JSON.parse(r.doc) as FileDoc : undefined;
  }

  // ------------------------------------------------------------- stats

  putStats(node: string, doc: Row): void {
    this.db.prepare('INSERT OR REPLACE INTO stats (node, updated, doc) VALUES (?, ?, ?)').run(node, Date.now(), JSON.stringify(doc));
  }

  getStats(node: string): Row | undefined {
    const r = this.db.prepare('SELECT doc FROM stats WHERE node = ?').get(node) as { doc: string } | undefined;
    return r ? JSON.parse(r.doc) as Row : undefined;
  }

  allStats(): Row[] {
    return (this.db.prepare('SELECT doc FROM stats ORDER BY node').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as Row);
  }

  deleteStats(node: string): void {
    this.db.prepare('DELETE FROM stats WHERE node = ?').run(node);
    this.db.prepare('DELETE FROM dstats WHERE node = ?').run(node);
  }

  /** Arkime dstats ring: id `<node>-<(currentTime/interval) % 1440>-<interval>`, currentTime in s. */
  putDStats(node: string, interval: number, doc: Row & { currentTime: number }): string {
    const id = `${node}-${Math.floor(doc.currentTime / interval) % 1440}-${interval}`;
    this.db.prepare('INSERT OR REPLACE INTO dstats (id, node, interval, currentTime, doc) VALUES (?, ?, ?, ?, ?)')
      .run(id, node, interval, doc.currentTime, JSON.stringify({ ...doc, nodeName: node, interval }));
    return id;
  }

  dstats(node: string, interval: number, start: number, stop: number): Row[] {
    return (this.db.prepare('SELECT doc FROM dstats WHERE node = ? AND interval = ? AND currentTime BETWEEN ? AND ? ORDER BY currentTime')
      .all(node, interval, start, stop) as { doc: string }[]).map((r) => JSON.parse(r.doc) as Row);
  }

  // ------------------------------------------------------------- fields

  /** Publish field definitions (the `fields` index), keyed by expression; replaces same-named ones. */
  publishFields(defs: (Row & { exp?: string; expression?: string })[]): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO fields (exp, doc) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const d of defs) {
        const exp = d.exp ?? d.expression;
        if (typeof exp !== 'string' || exp === '') throw new Error(`field definition without expression: ${JSON.stringify(d)}`);
        put.run(exp, JSON.stringify(d));
      }
    }).immediate();
  }

  publishedFields(): Row[] {
    return (this.db.prepare('SELECT doc FROM fields ORDER BY exp').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as Row);
  }

  // ------------------------------------------------------------- users

  private userFromRow(r: Row | undefined): UserDoc | undefined {
    if (!r) return undefined;
    return {
      ...(JSON.parse(r.doc as string) as Row),
      userId: r.userId as string, userName: (r.userName as string | null) ?? undefined,
      passHash: (r.passHash as string | null) ?? undefined, roles: JSON.parse(r.roles as string) as string[],
      expression: (r.expression as string | null) ?? undefined, enabled: r.enabled === 1,
      apiKey: (r.apiKey as string | null) ?? undefined, settings: JSON.parse(r.settings as string) as Record<string, unknown>,
    };
  }

  createUser(u: UserDoc): void {
    if (!u.userId) throw new Error('user needs a userId');
    const { userId, userName, passHash, roles, expression, enabled, apiKey, settings, ...rest } = u;
    try {
      this.db.prepare(`INSERT INTO users (userId, userName, passHash, roles, expression, enabled, apiKey, settings, doc)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(userId, userName ?? null, passHash ?? null, JSON.stringify(roles ?? []),
        expression ?? null, enabled === false ? 0 : 1, apiKey ?? null, JSON.stringify(settings ?? {}), JSON.stringify(rest));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error(`user ${userId} already exists`);
      throw e;
    }
  }

  getUser(userId: string): UserDoc | undefined {
    return this.userFromRow(this.db.prepare('SELECT * FROM users WHERE userId = ?').get(userId) as Row | undefined);
  }

  getUserByApiKey(apiKey: string): UserDoc | undefined {
    return this.userFromRow(this.db.prepare('SELECT * FROM users WHERE apiKey = ?').get(apiKey) as Row | undefined);
  }

  listUsers(): UserDoc[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY userId').all() as Row[]).map((r) => this.userFromRow(r)!);
  }

  updateUser(userId: string, patch: Partial<UserDoc>): UserDoc {
    return this.db.transaction(() => {
      const cur = this.getUser(userId);
      if (!cur) throw new Error(`no user ${userId}`);
      const next = { ...cur, ...patch, userId };
      this.db.prepare('DELETE FROM users WHERE userId = ?').run(userId);
      this.createUser(next);
      return this.getUser(userId)!;
    }).immediate();
  }

  deleteUser(userId: string): boolean { return this.db.prepare('DELETE FROM users WHERE userId = ?').run(userId).changes > 0; }

  // ------------------------------------------------------------- views

  createView(v: SqlViewDoc): number {
    const { id: _id, user, name, expression, ...rest } = v;
    return Number(this.db.prepare('INSERT INTO views (user, name, expression, doc) VALUES (?, ?, ?, ?)')
      .run(user, name, expression, JSON.stringify(rest)).lastInsertRowid);
  }

  private viewFromRow(r: Row): SqlViewDoc {
    return { ...(JSON.parse(r.doc as string) as Row), id: r.id as number, user: r.user as string, name: r.name as string, expression: r.expression as string };
  }

  getView(id: number): SqlViewDoc | undefined {
    const r = this.db.prepare('SELECT * FROM views WHERE id = ?').get(id) as Row | undefined;
    return r ? this.viewFromRow(r) : undefined;
  }

  /** Views of a user plus shared ones (`shared: true` in the doc). */
  listViews(user?: string): SqlViewDoc[] {
    const rows = (this.db.prepare('SELECT * FROM views ORDER BY name').all() as Row[]).map((r) => this.viewFromRow(r));
    return user === undefined ? rows : rows.filter((v) => v.user === user || v.shared === true);
  }

  updateView(id: number, patch: Partial<SqlViewDoc>): SqlViewDoc {
    const cur = this.getView(id);
    if (!cur) throw new Error(`no view ${id}`);
    const { id: _id, user, name, expression, ...rest } = { ...cur, ...patch };
    this.db.prepare('UPDATE views SET user = ?, name = ?, expression = ?, doc = ? WHERE id = ?').run(user, name, expression, JSON.stringify(rest), id);
    return this.getView(id)!;
  }

  deleteView(id: number): boolean { return this.db.prepare('DELETE FROM views WHERE id = ?').run(id).changes > 0; }

  // ------------------------------------------------------------- history

  addHistory(h: SqlHistoryDoc): number {
    const { id: _id, timestamp, userId, api, query, ...rest } = h;
    return Number(this.db.prepare('INSERT INTO history (timestamp, userId, api, query, doc) VALUES (?, ?, ?, ?, ?)')
      .run(timestamp, userId, api ?? null, query ?? null, JSON.stringify(rest)).lastInsertRowid);
  }

  listHistory(o: { userId?: string; since?: number; limit?: number } = {}): SqlHistoryDoc[] {
    const rows = this.db.prepare(`SELECT * FROM history WHERE (@userId IS NULL OR userId = @userId) AND (@since IS NULL OR timestamp >= @since)
      ORDER BY timestamp DESC, id DESC LIMIT @limit`).all({ userId: o.userId ?? null, since: o.since ?? null, limit: o.limit ?? 1000 }) as Row[];
    return rows.map((r) => ({ ...(JSON.parse(r.doc as string) as Row), id: r.id as number, timestamp: r.timestamp as number,
      userId: r.userId as string, api: (r.api as string | null) ?? undefined, query: (r.query as string | null) ?? undefined }));
  }

  deleteHistory(id: number): boolean { return this.db.prepare('DELETE FROM history WHERE id = ?').run(id).changes > 0; }

  /** Delete (or count) history before `beforeMs`; timestamps may be s (Arkime) or ms. */
  expireHistory(beforeMs: number, dryRun = false): number {
    const where = 'FROM history WHERE (timestamp < @ms / 1000) OR (timestamp >= @threshold AND timestamp < @ms)';
    const p = { ms: beforeMs, threshold: MS_THRESHOLD };
    return dryRun ? (this.db.prepare(`SELECT count(*) AS n ${where}`).get(p) as { n: number }).n : this.db.prepare(`DELETE ${where}`).run(p).changes;
  }

  // ------------------------------------------------------------- capture requests

  addCaptureRequest(doc: CaptureRequestDoc): void {
    try {
      this.db.prepare('INSERT INTO capture_requests (id, node, state, created, doc) VALUES (?, ?, ?, ?, ?)')
        .run(doc.id, doc.node, doc.state, doc.created, JSON.stringify(doc));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new Error(`capture request ${doc.id} already exists`);
      throw e;
    }
  }

  getCaptureRequest(id: string): CaptureRequestDoc | undefined {
    const r = this.db.prepare('SELECT doc FROM capture_requests WHERE id = ?').get(id) as { doc: string } | undefined;
    return r ? JSON.parse(r.doc) as CaptureRequestDoc : undefined;
  }

  listCaptureRequests(o: { node?: string; states?: readonly CaptureRequestState[] } = {}): CaptureRequestDoc[] {
    // The state filter in SQL (index node, state): a node polls for its queued requests every second.
    const states = o.states ? ` AND state IN (${o.states.map(() => '?').join(',') || "''"})` : '';
    const rows = this.db.prepare(`SELECT doc FROM capture_requests WHERE (? IS NULL OR node = ?)${states} ORDER BY created DESC, id DESC`)
      .all(o.node ?? null, o.node ?? null, ...(o.states ?? [])) as { doc: string }[];
    return rows.map((r) => JSON.parse(r.doc) as CaptureRequestDoc);
  }

  updateCaptureRequest(id: string, patch: Partial<CaptureRequestDoc>, ifStates?: readonly CaptureRequestState[]): CaptureRequestDoc | undefined {
    return this.db.transaction(() => {
      const cur = this.getCaptureRequest(id);
      if (!cur || (ifStates && !ifStates.includes(cur.state))) return undefined;
      const next: CaptureRequestDoc = { ...cur, ...patch, id, updated: Date.now() };
      this.db.prepare('UPDATE capture_requests SET state = ?, doc = ? WHERE id = ?').run(next.state, JSON.stringify(next), id);
      return next;
    }).immediate();
  }

  // ------------------------------------------------------------- tag edits (viewer addtags/removetags)

  /** Changes whenever a tag edit is written, so readers can cache the overlay. */
  tagEditsVersion(): number {
    const r = this.db.prepare("SELECT value FROM sequence WHERE name = 'tagEdits'").get() as { value: number } | undefined;
    return r?.value ?? 0;
  }

  /** Edited tag lists by session id. */
  allTagEdits(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.db.prepare('SELECT id, tags FROM tag_edits').all() as { id: string; tags: string }[]) out.set(r.id, JSON.parse(r.tags) as string[]);
    return out;
  }

  /** Store the full tag list of each session (replacing earlier edits) and bump the version. */
  putTagEdits(edits: Map<string, string[]>): void {
    const put = this.db.prepare('INSERT OR REPLACE INTO tag_edits (id, tags, updated) VALUES (?, ?, ?)');
    this.db.transaction(() => {
      const now = Date.now();
      for (const [id, tags] of edits) put.run(id, JSON.stringify(tags), now);
      this.nextSequence('tagEdits');
    }).immediate();
  }
}

const str = (id: number | undefined): string | undefined => (id === undefined ? undefined : String(id));
const sqlId = (id: string): number => (/^\d+$/.test(id) ? Number(id) : -1);

/** SqliteControl behind the async ControlStore interface. */
export class SqliteControlStore implements ControlStore {
  readonly where: string;
  constructor(readonly sync: SqliteControl) { this.where = sync.file; }

  static open(dataDir: string, opts: { readOnly?: boolean; busyTimeoutMs?: number } = {}): SqliteControlStore {
    return new SqliteControlStore(SqliteControl.open(dataDir, opts));
  }

  async nextSequence(name: string): Promise<number> { return this.sync.nextSequence(name); }
  async nextFileNum(node: string): Promise<number> { return this.sync.nextFileNum(node); }
  async registerFile(doc: FileDoc): Promise<FileDoc> { return this.sync.registerFile(doc); }
  async updateFile(id: string, patch: Partial<FileDoc>): Promise<FileDoc> { return this.sync.updateFile(id, patch); }
  async fileById(id: string): Promise<FileDoc | undefined> { return this.sync.fileById(id); }
  async fileByNum(node: string, num: number): Promise<FileDoc | undefined> { return this.sync.fileByNum(node, num); }
  async fileByName(name: string): Promise<FileDoc | undefined> { return this.sync.fileByName(name); }
  async filesByName(pattern: string): Promise<FileDoc[]> { return this.sync.filesByName(pattern); }
  async listFiles(node?: string): Promise<FileDoc[]> { return this.sync.listFiles(node); }
  async deleteFile(id: string): Promise<boolean> { return this.sync.deleteFile(id); }

  async putStats(node: string, doc: Doc): Promise<void> { this.sync.putStats(node, doc); }
  async getStats(node: string): Promise<Doc | undefined> { return this.sync.getStats(node); }
  async allStats(): Promise<Doc[]> { return this.sync.allStats(); }
  async deleteStats(node: string): Promise<void> { this.sync.deleteStats(node); }
  async putDStats(node: string, interval: number, doc: Doc & { currentTime: number }): Promise<string> { return this.sync.putDStats(node, interval, doc); }
  async dstats(node: string, interval: number, start: number, stop: number): Promise<Doc[]> { return this.sync.dstats(node, interval, start, stop); }

  async publishFields(defs: (Doc & { exp?: string; expression?: string })[]): Promise<void> { this.sync.publishFields(defs); }
  async publishedFields(): Promise<Doc[]> { return this.sync.publishedFields(); }

  async createUser(u: UserDoc): Promise<void> { this.sync.createUser(u); }
  async getUser(userId: string): Promise<UserDoc | undefined> { return this.sync.getUser(userId); }
  async getUserByApiKey(apiKey: string): Promise<UserDoc | undefined> { return this.sync.getUserByApiKey(apiKey); }
  async listUsers(): Promise<UserDoc[]> { return this.sync.listUsers(); }
  async updateUser(userId: string, patch: Partial<UserDoc>): Promise<UserDoc> { return this.sync.updateUser(userId, patch); }
  async deleteUser(userId: string): Promise<boolean> { return this.sync.deleteUser(userId); }

  private view(v: SqlViewDoc | undefined): ViewDoc | undefined { return v && { ...v, id: str(v.id) } as ViewDoc; }
  async createView(v: ViewDoc): Promise<string> { const { id: _id, ...rest } = v; return String(this.sync.createView(rest)); }
  async getView(id: string): Promise<ViewDoc | undefined> { return this.view(this.sync.getView(sqlId(id))); }
  async listViews(user?: string): Promise<ViewDoc[]> { return this.sync.listViews(user).map((v) => this.view(v)!); }
  async updateView(id: string, patch: Partial<ViewDoc>): Promise<ViewDoc> {
    const { id: _id, ...rest } = patch;
    return this.view(this.sync.updateView(sqlId(id), rest))!;
  }
  async deleteView(id: string): Promise<boolean> { return this.sync.deleteView(sqlId(id)); }

  async addHistory(h: HistoryDoc): Promise<string> { const { id: _id, ...rest } = h; return String(this.sync.addHistory(rest)); }
  async listHistory(o: { userId?: string; since?: number; limit?: number } = {}): Promise<HistoryDoc[]> {
    return this.sync.listHistory(o).map((h) => ({ ...h, id: str(h.id) }) as HistoryDoc);
  }
  async deleteHistory(id: string): Promise<boolean> { return this.sync.deleteHistory(sqlId(id)); }
  async expireHistory(beforeMs: number, o: { dryRun?: boolean } = {}): Promise<number> { return this.sync.expireHistory(beforeMs, o.dryRun); }

  async addCaptureRequest(doc: CaptureRequestDoc): Promise<void> { this.sync.addCaptureRequest(doc); }
  async getCaptureRequest(id: string): Promise<CaptureRequestDoc | undefined> { return this.sync.getCaptureRequest(id); }
  async listCaptureRequests(o?: { node?: string; states?: readonly CaptureRequestState[] }): Promise<CaptureRequestDoc[]> { return this.sync.listCaptureRequests(o); }
  async updateCaptureRequest(id: string, patch: Partial<CaptureRequestDoc>, ifStates?: readonly CaptureRequestState[]): Promise<CaptureRequestDoc | undefined> {
    return this.sync.updateCaptureRequest(id, patch, ifStates);
  }

  async close(): Promise<void> { this.sync.close(); }
}
