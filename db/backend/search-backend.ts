// What the viewer asks of a session store. Routes talk only to this interface, so the embedded
// store (session-query.ts) and an Elasticsearch backend answer the same requests. Field names are
// document paths (Arkime "db fields": `source.ip`, `http.host`); expressions are Arkime's language,
// compiled by the backend for its own store.

/** Which time a session's range is matched by (Arkime's `bounding`). */
export type Bounding = 'last' | 'first' | 'both' | 'either' | 'database';

/** A count or sum as a backend returns it (number, bigint, string or null) as a number; null is 0. */
export const numberOf = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** Which sessions a request is about. Every part is AND-ed. */
export interface SessionQuery {
  /** Expressions to AND together: the user's search, a view, the user's forced expression. */
  expressions: string[];
  /** Seconds since the epoch, inclusive. */
  start?: number;
  stop?: number;
  bounding?: Bounding;
  /** Only these session ids. */
  ids?: string[];
  /** Exact field == value conditions (spigraph per-value graphs). */
  terms?: { field: string; value: string | number }[];
  /** Widen the match to every segment sharing a matched session's rootId (`segments=all`). */
  segmentsAll?: boolean;
}

export interface SortKey { field: string; order: 'asc' | 'desc' }

export interface SessionDoc { id: string; index: string; doc: Record<string, unknown> }

export interface HistogramRequest {
  /** Bucket width in seconds. */
  intervalSec: number;
  /** Time field bucketed: lastPacket (default), firstPacket, @timestamp. */
  timeField?: string;
  /** Integer fields summed per bucket (`source.packets`...). */
  sums: string[];
}

/** One bucket: start in ms, session count, then one sum per requested field. */
export interface HistogramBucket { key: number; count: number; sums: number[] }

export interface TermBucket { key: string | number; doc_count: number }
export interface TermsResult { buckets: TermBucket[]; sum_other_doc_count: number }

export interface PairRequest {
  src: string;
  /** Destination field; `destination.ip:port` pairs the destination ip and port. */
  dst: string;
  /** Integer fields summed per pair. */
  sums: string[];
  /** Most pairs returned (by session count). */
  limit: number;
  minConn?: number;
  /**
   * Arkime's semantics: only the first `size` matches in `sort` order (sessions having both
   * fields) are examined, as its /api/connections reads one page of sessions. Without it every
   * match is aggregated.
   */
  sample?: { sort: SortKey[]; size: number };
}

export interface PairBucket { src: string; dst: string; count: number; sums: number[]; nodes: string[] }

/**
 * Several fields' top values over one query (SPI view): each field's terms result, the match
 * count, and `sample` when the counts are estimates scaled up from that many sampled sessions.
 */
export interface TermsMany { fields: TermsResult[]; count: number; sample?: { sessions: number } }

/** Just what an export needs to find a session's packets. */
export interface PacketRef {
  id: string;
  node: string;
  lastPacket: number;
  packetPos: number[];
  fileId: number[];
}

export interface ExportPage<T> { rows: T[]; after?: unknown }

/** Matches sharing a node and a list of pcap file numbers; `sums` as asked for. */
export interface FileGroup { node: string; fileIds: number[]; count: number; sums?: number[] }

/** See SessionSearchBackend.exportSnapshot. */
export interface ExportSnapshot {
  groups: FileGroup[];
  refs(): AsyncIterable<PacketRef[]>;
  close(): Promise<void>;
}

export interface SessionSearchBackend {
  /** Sessions in the store, ignoring any query (recordsTotal). */
  total(): Promise<number>;
  count(q: SessionQuery): Promise<number>;
  search(q: SessionQuery, o: { sort?: SortKey[]; start?: number; length: number }): Promise<SessionDoc[]>;
  /** One session by id (no query), or undefined. */
  get(id: string, q?: SessionQuery): Promise<SessionDoc | undefined>;
  histogram(q: SessionQuery, h: HistogramRequest): Promise<HistogramBucket[]>;
  terms(q: SessionQuery, field: string, size: number): Promise<TermsResult>;
  /** The terms of several fields at once, where the store can share the work. */
  termsMany?(q: SessionQuery, fields: { field: string; size: number }[], o?: { exact?: boolean }): Promise<TermsMany>;
  pairs(q: SessionQuery, p: PairRequest): Promise<PairBucket[]>;
  /** Sum of integer fields over the matches (export size estimates). */
  sums(q: SessionQuery, fields: string[]): Promise<number[]>;
  /** Export pages in lastPacket order; pass the previous page's `after` to continue. */
  packetRefs(q: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<PacketRef>>;
  /** Export pages of whole documents in lastPacket order (CSV). */
  docs(q: SessionQuery, limit: number, after?: unknown): Promise<ExportPage<SessionDoc>>;
  /**
   * The first `limit` matches' packet references in lastPacket order as one streamed statement
   * (batches of a few thousand), where the store can: no paging, no count first. With
   * `ids: false` the ids may be left empty (a local export does not need them).
   */
  streamPacketRefs?(q: SessionQuery, limit: number, o?: { ids?: boolean }): AsyncIterable<PacketRef[]>;
  /** Whole documents likewise (CSV). */
  streamDocs?(q: SessionQuery, limit: number): AsyncIterable<SessionDoc[]>;
  /**
   * The matches grouped by node and list of pcap file numbers (few groups: a file holds many
   * sessions), so a viewer can tell how many sessions of an export have their pcap gone.
   */
  fileGroups?(q: SessionQuery): Promise<FileGroup[]>;
  /**
   * The first `limit` matches of an export in lastPacket order, found by one pass over the store
   * and kept until `close()`: their file groups (with `sums` per group) and then their packet
   * references read from what was kept, not by searching again.
   */
  exportSnapshot?(q: SessionQuery, limit: number, o: { ids?: boolean; sums: string[] }): Promise<ExportSnapshot>;
  /** Add or remove tags on every match; visible to the next query. Returns sessions changed. */
  updateTags(q: SessionQuery, add: string[], remove: string[], limit: number): Promise<number>;
  /** Whether a document path can be searched, sorted or aggregated. */
  hasField(field: string): boolean;
  close(): Promise<void>;
}

/** A request problem the user can fix (bad expression, unknown field): HTTP 400 with this text. */
export class QueryError extends Error {}

/** A query ran past the store's time bound (queryTimeout) and was stopped: 503 for the user. */
export class QueryTimeoutError extends QueryError {}
