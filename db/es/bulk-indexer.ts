// Bulk indexing of session documents with a disk spool.
//
// Documents become NDJSON `index` actions carrying their index name and `_id` at add() time, so
// a batch is the same bytes however often it is sent: a replay after a lost answer overwrites
// the same ids instead of adding copies. Batches are sealed at `bulkBytes` or every `flushMs`,
// gzipped and sent with at most `concurrency` in flight. Overload answers (429, 5xx, per-item
// es_rejected_execution) are retried with exponential backoff. When the cluster cannot be
// reached, every batch from the failed one on goes to `spoolDir` as `<seq>.ndjson.gz` (written
// to a temporary name, synced, renamed) and one replay loop sends the spool oldest first, one
// batch at a time, before normal sending resumes; so order is kept and nothing is lost. A spool
// left by a previous process is replayed first. When the spool reaches `spoolMaxBytes` the
// indexer keeps batches in memory and `flush()` waits: backpressure instead of loss.
//
// A request that cannot reach one node is tried on the next configured node at once (a dead
// data node must not send a healthy cluster's traffic to the spool). A document the cluster
// refuses for good (mapping conflict, value over a field's limit) is counted, logged with its
// session id and appended to the dead-letter file (`esDeadLetterFile`, one JSON line per
// document with its index, id, status, error and source) so it can be fixed and resent; the
// rest of the batch goes on.
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { newSessionId, partitionSuffix, PARTITION_PREFIX, type RotateIndex } from '../backend/partition-name.js';
import { UnreachableError, type RawResponse } from './http.js';
import { fsyncDir } from '../fsync.js';

export interface BulkHttp {
  /** Configured nodes; an unreachable node is followed by a try on each other node. */
  readonly nodeCount?: number;
  request(method: string, path: string, body?: Buffer, headers?: Record<string, string>, avoid?: ReadonlySet<string>): Promise<RawResponse>;
}

export interface BulkIndexerOptions {
  http: BulkHttp;
  prefix: string;
  rotateIndex: RotateIndex;
  bulkBytes: number;
  flushMs: number;
  concurrency: number;
  maxRetries: number;
  spoolDir: string;
  spoolMaxBytes: number;
  gzip: boolean;
  /** Where refused documents are kept; default `<spoolDir>/dead-letter.ndjson`. */
  deadLetterFile?: string;
  /** First retry delay; doubles up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?: (line: string) => void;
}

export interface BulkStats {
  docs: number; batches: number; sentBatches: number; indexedDocs: number; rejectedDocs: number;
  retries: number; spooledBatches: number; replayedBatches: number; spoolBytes: number;
  /** Requests that found a node unreachable and went on to the next node. */
  failovers: number;
  /** NDJSON bytes of the documents added, and request body bytes sent (gzipped, retries included). */
  ndjsonBytes: number; sentBytes: number;
}

interface Batch { seq: number; ndjson: string; gz?: Buffer; docs: number; spoolFile?: string }

const SPOOL_RE = /^(\d{16})\.ndjson(\.gz)?$/;
const RETRYABLE = new Set([429, 502, 503, 504]);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Refusals logged one by one; past this only the count and the dead-letter file grow. */
const MAX_REFUSAL_LOGS = 100;

interface BulkItem { _index?: string; _id?: string; status: number; error?: { type?: string; reason?: string; caused_by?: { type?: string; reason?: string } } }

export class BulkIndexer {
  readonly stats: BulkStats = { docs: 0, batches: 0, sentBatches: 0, indexedDocs: 0, rejectedDocs: 0, retries: 0, spooledBatches: 0, replayedBatches: 0, spoolBytes: 0, failovers: 0, ndjsonBytes: 0, sentBytes: 0 };
  readonly deadLetterFile: string;
  private cur: string[] = [];
  private curBytes = 0;
  private curDocs = 0;
  private seq = 0;
  private readonly queue: Batch[] = [];
  /** Batches that could not go to the spool because it is full; they follow the spool in order. */
  private readonly overflow: Batch[] = [];
  private inflight = 0;
  /** Documents of the batches being sent. */
  private inflightDocs = 0;
  private spooling = false;
  private replaying = false;
  private closed = false;
  private timer?: NodeJS.Timeout;
  private waiters: (() => void)[] = [];
  private lastError?: string;
  /** The last request reached no node at all (as opposed to an overloaded cluster that answers). */
  private unreachable = false;
  private refusalsLogged = 0;
  private readonly o: Required<Omit<BulkIndexerOptions, 'log' | 'deadLetterFile'>> & { log: (l: string) => void };

  constructor(opts: BulkIndexerOptions) {
    this.o = { backoffMs: 200, maxBackoffMs: 30000, log: (l) => process.stderr.write(l + '\n'), ...opts };
    this.deadLetterFile = opts.deadLetterFile || path.join(this.o.spoolDir, 'dead-letter.ndjson');
    fs.mkdirSync(this.o.spoolDir, { recursive: true });
    const left = this.spoolFiles();
    for (const f of left) this.stats.spoolBytes += fs.statSync(path.join(this.o.spoolDir, f)).size;
    if (left.length) {
      this.seq = Number(SPOOL_RE.exec(left[left.length - 1])![1]) + 1;
      this.o.log(`packrat: replaying ${left.length} bulk batches spooled in ${this.o.spoolDir}`);
      this.spooling = true;
      void this.replay();
    }
    this.timer = setInterval(() => { if (this.curDocs) this.seal(); }, this.o.flushMs);
    this.timer.unref();
  }

  /** Index name for a document: `<prefix>sessions3-<suffix of lastPacket in UTC>`. */
  indexFor(doc: Record<string, unknown>): { index: string; suffix: string } {
    const last = typeof doc.lastPacket === 'number' ? doc.lastPacket : Date.now();
    const suffix = partitionSuffix(last, this.o.rotateIndex);
    return { index: this.o.prefix + PARTITION_PREFIX + suffix, suffix };
  }

  /** Queue one session document. Its `_id` (given or new) is fixed now, before any send. */
  add(doc: Record<string, unknown>): string {
    if (this.closed) throw new Error('bulk indexer is closed');
    const { index, suffix } = this.indexFor(doc);
    let id: string;
    let body = doc;
    if (typeof doc._id === 'string' && doc._id !== '') {
      id = doc._id;
      const { _id, ...rest } = doc; // `_id` is metadata, ES refuses it inside the body
      body = rest;
    } else id = newSessionId(suffix);
    const lines = `{"index":{"_index":${JSON.stringify(index)},"_id":${JSON.stringify(id)}}}\n${JSON.stringify(body)}\n`;
    this.cur.push(lines);
    const bytes = Buffer.byteLength(lines);
    this.curBytes += bytes;
    this.stats.ndjsonBytes += bytes;
    this.curDocs++;
    this.stats.docs++;
    if (this.curBytes >= this.o.bulkBytes) this.seal();
    return id;
  }

  /** Seal the current batch and wait until every sealed batch is acknowledged or safely spooled. */
  async flush(): Promise<void> {
    if (this.curDocs) this.seal();
    await this.until(() => this.queue.length === 0 && this.inflight === 0 && this.overflow.length === 0);
    if (this.lastError && this.spooling) this.o.log(`packrat: elasticsearch ${this.unreachable ? 'unreachable' : 'overloaded'} (${this.lastError}); ${this.spoolFiles().length} batches spooled in ${this.o.spoolDir}`);
  }

  /** Wait until everything, spool included, has been acknowledged by the cluster. */
  async drain(): Promise<void> {
    await this.flush();
    await this.until(() => !this.spooling && !this.replaying && this.queue.length === 0 && this.inflight === 0);
  }

  /**
   * Flush, then send the spool while the cluster answers (an overloaded cluster is waited for),
   * and stop; only when no node can be reached do spooled batches stay on disk for the next process.
   */
  async close(): Promise<void> {
    await this.flush();
    await this.until(() => !this.spooling || this.unreachable);
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.notify();
  }

  get spooledBatches(): number { return this.spoolFiles().length; }

  /** Documents added that are neither acknowledged nor spooled yet. */
  get pendingDocs(): number {
    let n = this.curDocs + this.inflightDocs;
    for (const b of this.queue) n += b.docs;
    for (const b of this.overflow) n += b.docs;
    return n;
  }

  // ---------------------------------------------------------------- internals

  private seal(): void {
    const ndjson = this.cur.join('');
    const b: Batch = { seq: this.seq++, ndjson, docs: this.curDocs };
    this.cur = []; this.curBytes = 0; this.curDocs = 0;
    this.stats.batches++;
    if (this.overflow.length) this.overflow.push(b);
    else if (this.spooling) this.toSpool(b);
    else { this.queue.push(b); this.pump(); }
  }

  private body(b: Batch): Buffer {
    if (!this.o.gzip) return Buffer.from(b.ndjson);
    return (b.gz ??= gzipSync(b.ndjson, { level: 1 }));
  }

  private pump(): void {
    while (!this.spooling && this.inflight < this.o.concurrency && this.queue.length) {
      const b = this.queue.shift()!;
      this.inflight++;
      const docs = b.docs; // a retry may narrow b to its refused documents
      this.inflightDocs += docs;
      void this.sendWithRetry(b).then((ok) => {
        this.inflight--;
        this.inflightDocs -= docs;
        if (!ok) this.enterSpooling(b);
        this.pump();
        this.notify();
      });
    }
  }

  /** True when the batch was acknowledged; false when the cluster is unreachable or still overloaded. */
  private async sendWithRetry(b: Batch): Promise<boolean> {
    let batch = b;
    const nodes = Math.max(1, this.o.http.nodeCount ?? 1);
    const dead = new Set<string>(); // nodes this batch found unreachable
    for (let attempt = 0; ; attempt++) {
      let r: RawResponse;
      const body = this.body(batch);
      this.stats.sentBytes += body.length;
      try {
        r = await this.o.http.request('POST', '/_bulk', body, {
          'content-type': 'application/x-ndjson', ...(this.o.gzip ? { 'content-encoding': 'gzip' } : {}),
        }, dead);
      } catch (e) {
        if (!(e instanceof UnreachableError)) throw e;
        this.lastError = e.message;
        // try each other node once before calling the cluster unreachable
        dead.add(e.node);
        if (dead.size < nodes) { this.stats.failovers++; attempt--; continue; }
        this.unreachable = true;
        this.keepOnly(b, batch);
        return false;
      }
      dead.clear();
      this.unreachable = false;
      this.lastError = undefined;
      let retry: string[] | undefined;
      if (RETRYABLE.has(r.status)) retry = undefined;
      else if (r.status >= 200 && r.status < 300) {
        retry = this.itemsToRetry(batch, r.body);
        if (retry.length === 0) { this.stats.sentBatches++; return true; }
      } else if (r.status === 401 || r.status === 403) {
        // credentials or privileges: nothing wrong with the documents, keep them until it is fixed
        this.lastError = `_bulk answered ${r.status} on ${r.node}: ${r.body.toString('utf8', 0, 200)}`;
        this.keepOnly(b, batch);
        return false;
      } else {
        const why = r.body.toString('utf8', 0, 300);
        this.o.log(`packrat: _bulk answered ${r.status} on ${r.node}: ${why}; the batch's ${batch.docs} documents go to ${this.deadLetterFile}`);
        const pairs = batch.ndjson.split('\n');
        const dead: string[] = [];
        for (let i = 0; i + 1 < pairs.length; i += 2) dead.push(this.deadLine(pairs[i], pairs[i + 1], { status: r.status, error: { type: 'bulk_request_refused', reason: why } }));
        this.refuse(b, dead);
        return true;
      }
      if (retry) batch = { seq: b.seq, ndjson: retry.join(''), docs: retry.length };
      if (attempt >= this.o.maxRetries) {
        this.lastError = retry ? `${batch.docs} documents still refused with 429 after ${attempt + 1} attempts` : `_bulk still answered ${r.status} after ${attempt + 1} attempts`;
        this.keepOnly(b, batch);
        return false;
      }
      this.stats.retries++;
      await sleep(this.backoff(attempt));
    }
  }

  /**
   * After a partial success only the documents still owed are spooled. (A spool file being
   * replayed is resent whole; the ids make the repeat an overwrite, not a copy.)
   */
  private keepOnly(b: Batch, rest: Batch): void {
    if (rest === b || b.spoolFile) return;
    b.ndjson = rest.ndjson; b.docs = rest.docs; b.gz = undefined;
  }

  /** Parse a bulk answer: count successes, dead-letter documents ES refused for good, return the ones to resend. */
  private itemsToRetry(b: Batch, body: Buffer): string[] {
    let res: { errors?: boolean; items?: Record<string, BulkItem>[] };
    try { res = JSON.parse(body.toString('utf8')); } catch { this.o.log('packrat: _bulk answer is not JSON; batch counted as sent'); this.stats.indexedDocs += b.docs; return []; }
    if (!res.errors) { this.stats.indexedDocs += b.docs; return []; }
    const pairs = b.ndjson.split('\n');
    const retry: string[] = [];
    const dead: string[] = [];
    const items = res.items ?? [];
    for (let i = 0; i < items.length; i++) {
      const it = Object.values(items[i])[0];
      if (it.status < 300) { this.stats.indexedDocs++; continue; }
      if (RETRYABLE.has(it.status)) { retry.push(`${pairs[i * 2]}\n${pairs[i * 2 + 1]}\n`); continue; }
      dead.push(this.deadLine(pairs[i * 2], pairs[i * 2 + 1], it));
    }
    this.refuse(b, dead);
    return retry;
  }

  /** One dead-letter line: where the document was going, why it was refused, and the document. */
  private deadLine(action: string, source: string, it: Pick<BulkItem, 'status' | 'error'>): string {
    let meta: { _index?: string; _id?: string } = {};
    try { meta = (Object.values(JSON.parse(action))[0] ?? {}) as typeof meta; } catch { /* keep what we have */ }
    const error = it.error ? { type: it.error.type, reason: it.error.reason, ...(it.error.caused_by ? { caused_by: it.error.caused_by } : {}) } : undefined;
    return `{"time":${Date.now()},"index":${JSON.stringify(meta._index ?? '')},"id":${JSON.stringify(meta._id ?? '')},"status":${it.status},"error":${JSON.stringify(error ?? null)},"doc":${source || 'null'}}\n`;
  }

  /** Count, log (by session id) and keep refused documents in the dead-letter file. */
  private refuse(b: Batch, lines: string[]): void {
    if (!lines.length) return;
    this.stats.rejectedDocs += lines.length;
    try {
      const fd = fs.openSync(this.deadLetterFile, 'a');
      try { fs.writeSync(fd, lines.join('')); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
    } catch (e) {
      this.o.log(`packrat: cannot write the dead-letter file ${this.deadLetterFile}: ${(e as Error).message}; ${lines.length} refused documents are lost`);
    }
    for (const l of lines) {
      if (this.refusalsLogged >= MAX_REFUSAL_LOGS) break;
      const d = JSON.parse(l) as { index: string; id: string; status: number; error?: { type?: string; reason?: string } };
      this.o.log(`packrat: session ${d.id} refused by ${d.index} in bulk batch ${b.seq} (${d.status} ${d.error?.type ?? ''}: ${d.error?.reason ?? ''}); kept in ${this.deadLetterFile}`);
      if (++this.refusalsLogged === MAX_REFUSAL_LOGS) this.o.log(`packrat: further refused documents are only counted and kept in ${this.deadLetterFile}`);
    }
  }

  /** One line for the end of a run. */
  summary(): string {
    const s = this.stats;
    return `${s.docs} documents, ${s.indexedDocs} indexed, ${s.rejectedDocs} refused${s.rejectedDocs ? ` (kept in ${this.deadLetterFile})` : ''}, `
      + `${s.retries} retries, ${s.failovers} node failovers, ${s.spooledBatches} batches spooled, ${s.replayedBatches} replayed, `
      + `${s.ndjsonBytes} NDJSON bytes, ${s.sentBytes} bytes sent`;
  }

  private backoff(attempt: number): number {
    return Math.min(this.o.maxBackoffMs, this.o.backoffMs * 2 ** attempt);
  }

  private enterSpooling(failed: Batch): void {
    if (!this.spooling) this.o.log(`packrat: elasticsearch ${this.unreachable ? 'unreachable' : 'overloaded'} (${this.lastError ?? 'overloaded'}); spooling bulk batches to ${this.o.spoolDir}`);
    this.spooling = true;
    // Everything queued behind the failed batch goes to disk too, in sequence order.
    const all = [failed, ...this.queue.splice(0)].sort((a, c) => a.seq - c.seq);
    for (const b of all) this.toSpool(b);
    void this.replay();
  }

  private toSpool(b: Batch): void {
    if (this.overflow.length || this.stats.spoolBytes + this.body(b).length > this.o.spoolMaxBytes) {
      if (!this.overflow.length) this.o.log(`packrat: spool ${this.o.spoolDir} is full (esSpoolMaxMB); holding batches in memory, capture will wait`);
      this.overflow.push(b);
      return;
    }
    if (!this.writeSpool(b)) this.overflow.push(b);
  }

  /** Write one batch as a spool file; false (and logged) when the disk refuses. */
  private writeSpool(b: Batch): boolean {
    const gz = this.body(b);
    const name = `${String(b.seq).padStart(16, '0')}.ndjson${this.o.gzip ? '.gz' : ''}`;
    const file = path.join(this.o.spoolDir, name);
    const tmp = path.join(this.o.spoolDir, `.tmp-${process.pid}-${name}`);
    try {
      const fd = fs.openSync(tmp, 'w');
      try { fs.writeSync(fd, gz); fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
      fs.renameSync(tmp, file);
      fsyncDir(this.o.spoolDir);
    } catch (e) {
      this.o.log(`packrat: cannot write spool file ${file}: ${(e as Error).message}; holding the batch in memory`);
      return false;
    }
    this.stats.spooledBatches++;
    this.stats.spoolBytes += gz.length;
    b.ndjson = ''; b.gz = undefined; // on disk now
    return true;
  }

  private spoolFiles(): string[] {
    try { return fs.readdirSync(this.o.spoolDir).filter((f) => SPOOL_RE.test(f)).sort(); } catch { return []; }
  }

  /** Send the spool oldest first, one batch at a time, then the overflow, then resume normal sending. */
  private async replay(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      await this.until(() => this.inflight === 0); // batches in flight land in the spool before replay reads it
      let attempt = 0;
      for (;;) {
        const files = this.spoolFiles();
        const fromDisk = files.length > 0;
        let b: Batch | undefined;
        if (fromDisk) {
          const file = path.join(this.o.spoolDir, files[0]);
          const raw = fs.readFileSync(file);
          const gz = files[0].endsWith('.gz');
          const ndjson = (gz ? gunzipSync(raw) : raw).toString('utf8');
          b = { seq: Number(SPOOL_RE.exec(files[0])![1]), ndjson, docs: ndjson.split('\n').length >> 1, gz: gz && this.o.gzip ? raw : undefined, spoolFile: file };
        } else if (this.overflow.length) b = this.overflow[0];
        else break;
        if (await this.sendWithRetry(b)) {
          attempt = 0;
          if (b.spoolFile) {
            const size = fs.statSync(b.spoolFile).size;
            fs.unlinkSync(b.spoolFile);
            this.stats.spoolBytes -= size;
            this.stats.replayedBatches++;
            // room again: move held batches to disk, keeping their order behind the spool
            while (this.overflow.length && this.stats.spoolBytes + this.body(this.overflow[0]).length <= this.o.spoolMaxBytes) {
              if (!this.writeSpool(this.overflow[0])) break;
              this.overflow.shift();
            }
          } else this.overflow.shift();
          this.notify();
          continue;
        }
        if (b.spoolFile && b.docs === 0) { fs.unlinkSync(b.spoolFile); continue; }
        this.notify(); // close() waits for the spool only while the cluster answers
        if (this.closed && !fromDisk) break;
        await sleep(this.backoff(attempt++));
        if (this.closed) break;
      }
      if (!this.closed || (this.spoolFiles().length === 0 && this.overflow.length === 0)) {
        this.spooling = this.spoolFiles().length > 0 || this.overflow.length > 0;
      }
    } finally {
      this.replaying = false;
      if (!this.spooling) { if (this.lastError === undefined) this.o.log('packrat: elasticsearch reachable again; spool replayed'); this.pump(); }
      this.notify();
    }
  }

  private notify(): void {
    const w = this.waiters; this.waiters = [];
    for (const f of w) f();
  }

  private async until(cond: () => boolean): Promise<void> {
    while (!cond()) await new Promise<void>((r) => this.waiters.push(r));
  }
}
