// Where capture writes session documents: the embedded store by default, or Elasticsearch /
// OpenSearch bulk indexing when `elasticsearch=` is set. Both take documents, make them durable
// on flush() (ES: acknowledged or spooled to disk), and finish on close().
import { resolve } from 'node:path';
import type { Config } from '../config.js';
import type { FieldRegistry } from '../fields/registry.js';
import { EmbeddedSessionStore } from '../store/session-store.js';
import { BulkIndexer } from './bulk-indexer.js';
import { RawHttp } from './http.js';
import { esSettings, usesElasticsearch, type EsSettings } from './settings.js';

export interface SessionSink {
  append(docs: Iterable<Record<string, unknown>>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}

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
  flush(): Promise<void> { return this.indexer.flush(); }
  async close(): Promise<void> {
    await this.indexer.close();
    process.stderr.write(`packrat: elasticsearch: ${this.indexer.summary()}\n`);
    const left = this.indexer.spooledBatches;
    if (left) process.stderr.write(`packrat: ${left} bulk batches remain spooled; the next capture or \`packrat db replay-spool\` sends them\n`);
    this.http.close();
  }
}

/** The one place capture chooses its session sink. */
export async function openSessionSink(config: Config, registry: FieldRegistry): Promise<SessionSink> {
  if (usesElasticsearch(config)) return EsSessionSink.open(esSettings(config));
  return EmbeddedSessionStore.open(resolve(config.str('dataDir', './data')), { rotateIndex: config.str('rotateIndex', 'daily'), registry });
}
