// Where capture writes session documents: the embedded store by default, or Elasticsearch /
// OpenSearch bulk indexing when `elasticsearch=` is set. Both take documents, make them durable
// on flush() (ES: acknowledged or spooled to disk), and finish on close().
export interface SessionSink {
  append(docs: Iterable<Record<string, unknown>>): void;
  flush(): Promise<void>;
  close(): Promise<void>;
}
