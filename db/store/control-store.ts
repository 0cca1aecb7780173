// Control data in SQLite (WAL mode: a capture, a viewer and a cron job share one file):
// the pcap file registry (Arkime files_v30), file-number sequences, published field definitions
// and capture stats.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Field } from '../fields/registry.js';

export interface FileRecord {
  node: string; num: number; name: string; first: number; locked: boolean; filesize?: number;
  packetPosEncoding?: string; packets?: number; packetsSize?: number; lastTimestamp?: number;
  finishTimestamp?: number; sessionsStarted?: number; sessionsPresent?: number;
}

const MIGRATIONS: string[] = [
  `CREATE TABLE files (id TEXT PRIMARY KEY, node TEXT NOT NULL, num INTEGER NOT NULL, name TEXT NOT NULL,
     first INTEGER, locked INTEGER NOT NULL DEFAULT 0, doc TEXT NOT NULL);
   CREATE INDEX files_name ON files(name);
   CREATE TABLE sequence (id TEXT PRIMARY KEY, value INTEGER NOT NULL);
   CREATE TABLE fields (exp TEXT PRIMARY KEY, doc TEXT NOT NULL);
   CREATE TABLE stats (node TEXT PRIMARY KEY, doc TEXT NOT NULL, updated INTEGER NOT NULL);`,
];

export class ControlStore {
  private constructor(readonly db: Database.Database) {}

  static open(dataDir: string): ControlStore {
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(join(dataDir, 'control.sqlite'));
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 10000');
    db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const migrate = db.transaction(() => {
      const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
      let v = row?.version ?? 0;
      if (!row) db.prepare('INSERT INTO schema_version VALUES (0)').run();
      for (; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
      db.prepare('UPDATE schema_version SET version = ?').run(v);
    });
    migrate.immediate();
    return new ControlStore(db);
  }

  /** Next file number for a node (Arkime's `fn-<node>` sequence). */
  nextFileNum(node: string): number {
    const id = `fn-${node}`;
    return this.db.transaction(() => {
      this.db.prepare('INSERT INTO sequence (id, value) VALUES (?, 0) ON CONFLICT(id) DO NOTHING').run(id);
      this.db.prepare('UPDATE sequence SET value = value + 1 WHERE id = ?').run(id);
      return (this.db.prepare('SELECT value FROM sequence WHERE id = ?').get(id) as { value: number }).value;
    }).immediate();
  }

  createFile(f: FileRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO files (id, node, num, name, first, locked, doc) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(`${f.node}-${f.num}`, f.node, f.num, f.name, f.first, f.locked ? 1 : 0, JSON.stringify(f));
  }

  updateFile(node: string, num: number, patch: Partial<FileRecord>): void {
    const cur = this.getFile(node, num);
    if (!cur) return;
    const doc = { ...cur, ...patch };
    this.db.prepare('UPDATE files SET first = ?, locked = ?, doc = ? WHERE id = ?').run(doc.first, doc.locked ? 1 : 0, JSON.stringify(doc), `${node}-${num}`);
  }

  getFile(node: string, num: number): FileRecord | undefined {
    const r = this.db.prepare('SELECT doc FROM files WHERE id = ?').get(`${node}-${num}`) as { doc: string } | undefined;
    return r ? JSON.parse(r.doc) as FileRecord : undefined;
  }

  files(): FileRecord[] {
    return (this.db.prepare('SELECT doc FROM files ORDER BY node, num').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as FileRecord);
  }

  /** Publish field definitions (Arkime's `fields` index) so viewers know every parser's fields. */
  publishFields(list: readonly Field[]): void {
    const ins = this.db.prepare('INSERT OR REPLACE INTO fields (exp, doc) VALUES (?, ?)');
    this.db.transaction(() => { for (const f of list) if (!f.nodb) ins.run(f.exp, JSON.stringify(f)); })();
  }

  putStats(node: string, doc: Record<string, unknown>): void {
    this.db.prepare('INSERT OR REPLACE INTO stats (node, doc, updated) VALUES (?, ?, ?)').run(node, JSON.stringify(doc), Date.now());
  }

  close(): void { this.db.close(); }
}
