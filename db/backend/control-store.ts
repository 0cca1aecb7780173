// What capture, the viewer and the db commands ask of the control data: the pcap file registry,
// sequences, node stats, published fields, users, views and history. Two implementations: SQLite
// in dataDir (db/store/sqlite-control-store.ts) and Arkime's admin indices in the cluster
// (db/es/es-control-store.ts). Every method is async because the cluster one makes requests;
// callers do this per file, per stats interval or per request, never per packet.
//
// Tag edits are not here: the embedded session store overlays them on immutable segments and
// keeps them beside its own control database, while the cluster updates session documents in
// place (EsSearchBackend.updateTags). Either way the viewer only calls SessionSearchBackend.updateTags.

/** A `files` document (Arkime `files_v30`, id `<node>-<num>`; reference 1.7). */
export interface FileDoc {
  id?: string; num: number; node: string; name: string; first?: number; filesize?: number; locked?: number;
  packetPosEncoding?: string; packets?: number; packetsSize?: number; lastTimestamp?: number;
  finishTimestamp?: number; sessionsStarted?: number; sessionsPresent?: number;
  [key: string]: unknown;
}

/**
 * A `users` document (Arkime `users_v30`, id userId; reference 7). `passHash` is a bcrypt hash:
 * Packrat does not write Arkime's `passStore` (AES of an MD5 digest tied to passwordSecret).
 * `apiKey` holds the SHA-256 of a key for scripts (Packrat's). The key's scope (Packets-at-REST)
 * binds requests made with that key only, not the user's password or browser logins:
 * `apiKeyNodes` the capture nodes whose sessions it may see (empty or absent: all), and
 * `apiKeyAllow` the client addresses it may come from, as addresses or CIDRs (empty or absent: any).
 */
export interface UserDoc {
  userId: string; userName?: string; passHash?: string; roles?: string[]; expression?: string;
  enabled?: boolean; apiKey?: string; apiKeyNodes?: string[]; apiKeyAllow?: string[];
  settings?: Record<string, unknown>;
  /** Every export and session document this user gets has its addresses anonymised (Crypto-PAn); they cannot turn it off. */
  anonymize?: boolean;
  [key: string]: unknown;
}

/** A `views` document; `shared: true` shows it to every user. */
export interface ViewDoc { id?: string; user: string; name: string; expression: string; [key: string]: unknown }

/** A `history_v1-*` document; `timestamp` in seconds as Arkime writes it (ms is accepted too). */
export interface HistoryDoc { id?: string; timestamp: number; userId: string; api?: string; query?: string; [key: string]: unknown }

export type Doc = Record<string, unknown>;

export type CaptureRequestState = 'queued' | 'running' | 'paused' | 'done' | 'cancelled' | 'failed';
/** States a capture request never leaves. */
export const FINAL_CAPTURE_REQUEST_STATES: readonly CaptureRequestState[] = ['done', 'cancelled', 'failed'];

/**
 * A capture request (pcapdaemon's model; db/capture-request.ts validates the request itself):
 * one document per node that runs it. `node` is the node that runs it; `request` the validated
 * request. The node updates `packets`/`bytes` (pcap bytes kept: 24-byte header, 16 per record,
 * captured lengths) and `seen` about once a second while it runs.
 */
export interface CaptureRequestDoc {
  id: string; node: string; state: CaptureRequestState; request: Doc;
  /** ms since the epoch */
  created: number; started?: number; finished?: number; updated?: number;
  packets: number; bytes: number; seen?: number;
  /** duration | timeout | packets | bytes | cancel | shutdown | error */
  stopReason?: string; error?: string;
  /** What each destination got: { folder: path, url: status, import: sessions }. */
  delivered?: Doc;
  /** api | redis, and who asked. */
  via?: string; user?: string;
  [key: string]: unknown;
}

export interface ControlStore {
  /** Where the data lives (a file or a cluster and prefix), for messages. */
  readonly where: string;

  /** Next number of a named sequence, atomic across processes and nodes (Arkime `sequence`). */
  nextSequence(name: string): Promise<number>;
  /** Next pcap file number of a node: sequence `fn-<node>`. */
  nextFileNum(node: string): Promise<number>;

  /** Register a pcap file; `id` defaults to `<node>-<num>`. Replaces an existing doc of that id. */
  registerFile(doc: FileDoc): Promise<FileDoc>;
  /** Merge `patch` into a file doc (capture on close: filesize, packets, finishTimestamp...). */
  updateFile(id: string, patch: Partial<FileDoc>): Promise<FileDoc>;
  fileById(id: string): Promise<FileDoc | undefined>;
  fileByNum(node: string, num: number): Promise<FileDoc | undefined>;
  /** The newest file of that exact name. */
  fileByName(name: string): Promise<FileDoc | undefined>;
  /** Files whose name matches `pattern` (`*` and `?` wildcards, as in `file == /data/*.pcap`), by node and num. */
  filesByName(pattern: string): Promise<FileDoc[]>;
  /** Every file (of one node), by node and num. */
  listFiles(node?: string): Promise<FileDoc[]>;
  deleteFile(id: string): Promise<boolean>;

  /** A node's latest stats doc (Arkime `stats/<node>`). */
  putStats(node: string, doc: Doc): Promise<void>;
  getStats(node: string): Promise<Doc | undefined>;
  /** Every node's stats doc, by node name. */
  allStats(): Promise<Doc[]>;
  /** A node's stats and dstats (db.pl rm-node). */
  deleteStats(node: string): Promise<void>;
  /** Arkime dstats ring: id `<node>-<(currentTime/interval) % 1440>-<interval>`, currentTime in s. Returns the id. */
  putDStats(node: string, interval: number, doc: Doc & { currentTime: number }): Promise<string>;
  /** A node's dstats of one interval with currentTime in [start, stop] seconds, oldest first. */
  dstats(node: string, interval: number, start: number, stop: number): Promise<Doc[]>;

  /** Publish field definitions (the `fields` index), keyed by expression; replaces same-named ones. */
  publishFields(defs: (Doc & { exp?: string; expression?: string })[]): Promise<void>;
  /** Published definitions by expression. */
  publishedFields(): Promise<Doc[]>;

  /** Throws `user <id> already exists` when it does. */
  createUser(u: UserDoc): Promise<void>;
  getUser(userId: string): Promise<UserDoc | undefined>;
  /** The user holding this (hashed) API key. */
  getUserByApiKey(apiKey: string): Promise<UserDoc | undefined>;
  /** Every user, by userId. */
  listUsers(): Promise<UserDoc[]>;
  /** Replace the given properties (objects whole, not merged); throws when there is no such user. */
  updateUser(userId: string, patch: Partial<UserDoc>): Promise<UserDoc>;
  deleteUser(userId: string): Promise<boolean>;

  /** Returns the new view's id. */
  createView(v: ViewDoc): Promise<string>;
  getView(id: string): Promise<ViewDoc | undefined>;
  /** Views of a user plus shared ones, by name; every view without `user`. */
  listViews(user?: string): Promise<ViewDoc[]>;
  updateView(id: string, patch: Partial<ViewDoc>): Promise<ViewDoc>;
  deleteView(id: string): Promise<boolean>;

  /** Returns the new entry's id. */
  addHistory(h: HistoryDoc): Promise<string>;
  /** Newest first; `since` in the unit the entries carry. */
  listHistory(o?: { userId?: string; since?: number; limit?: number }): Promise<HistoryDoc[]>;
  deleteHistory(id: string): Promise<boolean>;
  /** Remove (or with dryRun only count) history older than `beforeMs` (`db expire --history`). */
  expireHistory(beforeMs: number, o?: { dryRun?: boolean }): Promise<number>;

  /** Store a new capture request (its id chosen by the caller); throws when the id exists. */
  addCaptureRequest(doc: CaptureRequestDoc): Promise<void>;
  getCaptureRequest(id: string): Promise<CaptureRequestDoc | undefined>;
  /** Newest first; only those of `node` and in `states` when given. */
  listCaptureRequests(o?: { node?: string; states?: readonly CaptureRequestState[] }): Promise<CaptureRequestDoc[]>;
  /**
   * Merge `patch` into a request, atomically, only while its state is one of `ifStates` (any
   * state when absent). Returns the updated doc, or undefined when there is no such request or
   * its state was another (a node claims a queued request this way, and learns that it was
   * cancelled when its count update is refused).
   */
  updateCaptureRequest(id: string, patch: Partial<CaptureRequestDoc>, ifStates?: readonly CaptureRequestState[]): Promise<CaptureRequestDoc | undefined>;

  close(): Promise<void>;
}
