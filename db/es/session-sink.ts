// Capture's session sink on Elasticsearch / OpenSearch: bulk indexing with a disk spool. A
// flush() is done when the cluster acknowledged or the batch is spooled.
import type { SessionSink } from '../backend/session-sink.js';
import { BulkIndexer } from './bulk-indexer.js';
import { RawHttp } from './http.js';
import type { EsSettings } from './settings.js';

export class EsSessionSink implements SessionSink {
  private constructor(readonly indexer: BulkIndexer, private readonly http: RawHttp) {}

  /** No request is made here: a cluster that is down at start only means the spool fills first. */
  static open(s: EsSettings): EsSessionSink {
    const http = new RawHttp(s);
    return new EsSessionSink(new BulkIndexer({
      http, prefix: s.prefix, rotateIndex: s.rotateIndex, bulkBytes: s.bulkBytes, flushMs: s.flushMs,
      concurrency: s.concurrency, maxRetries: s.maxRetries, spoolDir: s.spoolDir, spoolMaxBytes: s.spoolMaxBytes, gzip: s.gzip,
      deadLetterFile: s.deadLetterFile,
    }), http);
  }

  append(docs: Iterable<Record<string, unknown>>): void { for (const d of docs) this.indexer.add(d); }
  get pendingCount(): number { return this.indexer.pendingDocs; }
  flush(): Promise<void> { return this.indexer.flush(); }
  async close(): Promise<void> {
    await this.indexer.close();
    process.stderr.write(`packrat: elasticsearch: ${this.indexer.summary()}\n`);
    const left = this.indexer.spooledBatches;
    if (left) process.stderr.write(`packrat: ${left} bulk batches remain spooled; the next capture or \`packrat db replay-spool\` sends them\n`);
    this.http.close();
  }
}
