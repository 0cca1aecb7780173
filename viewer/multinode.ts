// Multi-node packet access. Several capture nodes share one session store, but a node's pcap files
// stay on that node. When this viewer cannot read a session's file itself, it asks the viewer of
// the node that owns it (the node section's `viewUrl`) over HTTP, signed with `serverSecret`.
// Decision, per session: this viewer's own node → read here; another node whose first file is
// registered here and readable → read here (one host, shared dataDir); another node with a
// `viewUrl` → ask that viewer; otherwise read here, which reports the file as gone.
import { accessSync, constants } from 'node:fs';
import type { Config } from '../db/config.js';
import type { FileDoc } from '../db/backend/control-store.js';
import { MAX_CAPLEN, PCAP_HEADER_LEN, PCAP_RECORD_HEADER_LEN, parsePcapHeader, recordFault, u32, type PcapHeader } from '../db/pcap/format.js';
import { HttpError } from './http.js';
import { SIGNATURE_HEADER, signRequest } from './multinode-auth.js';
import { resolveOutboundUrl, type OutboundPolicy } from './outbound-url.js';

/** Sessions per remote pcap request (ids travel in the query string). */
export const REMOTE_BATCH = 100;
/** How long a readability answer for a file is trusted (files expire, mounts come and go). */
const READABLE_TTL_MS = 60_000;
/**
 * Which addresses a viewUrl may have: other viewers sit on loopback (one host) or a private
 * network, never on a link-local address, where cloud metadata services answer.
 */
const VIEW_URL_POLICY: OutboundPolicy = { allowLoopback: true, allowPrivate: true, allowLinkLocal: false };
/** Arkime waits 20 minutes for a proxied request. */
const REMOTE_TIMEOUT_MS = 20 * 60 * 1000;

export const INTERNAL_PREFIX = '/api/internal';
export const internalPacketsPath = (node: string, id: string) => `${INTERNAL_PREFIX}/session/${encodeURIComponent(node)}/${encodeURIComponent(id)}/packets`;
export const internalPcapPath = (node: string, ids: string[]) =>
  `${INTERNAL_PREFIX}/sessions/${encodeURIComponent(node)}/pcap?ids=${ids.map(encodeURIComponent).join(',')}`;

/** Another node's viewer failed or sent bad data: 502 for the user's request. */
export class RemoteNodeError extends HttpError {
  constructor(message: string) { super(502, message); }
}

/** The first `-fileNum` marker of a packetPos, or undefined when the session has no packets. */
export function firstFileNum(packetPos: readonly number[]): number | undefined {
  for (const v of packetPos) if (v < 0) return -v;
  return undefined;
}

export class NodeLinks {
  /** This viewer's node name (`-n`). */
  readonly node: string;
  readonly secret: string | undefined;
  private readonly readable = new Map<string, { ok: boolean; at: number }>();
  private readonly warned = new Set<string>();

  constructor(private readonly config: Config, private readonly log: (line: string) => void = (s) => { process.stderr.write(s + '\n'); }) {
    this.node = config.node;
    // Arkime falls back to passwordSecret when serverSecret is unset
    this.secret = config.raw('serverSecret') || config.raw('passwordSecret') || undefined;
  }

  /**
   * `viewUrl` of a node's own section (or its nodeClass section), without a trailing '/'. Only a
   * node's own section counts: a node name that is also the name of [default] or of another
   * kind of section (a nodeClass, `headers-http-request`) is no node with a viewer.
   */
  viewUrl(node: string): string | undefined {
    if (node === 'default' || node === '' || !this.config.sections.has(node) || this.classes().has(node)) return undefined;
    const sec = this.config.sections.get(node);
    const cls = sec?.get('nodeClass');
    const url = sec?.get('viewUrl') ?? (cls ? this.config.sections.get(cls)?.get('viewUrl') : undefined);
    return url ? url.replace(/\/+$/, '') : undefined;
  }

  /** Section names some node uses as its nodeClass. */
  private classes(): Set<string> {
    const out = new Set<string>();
    for (const sec of this.config.sections.values()) { const c = sec.get('nodeClass'); if (c) out.add(c); }
    return out;
  }

  /**
   * The viewUrl that must serve this session's packets, or undefined to read them here. `files`
   * answers registry lookups (PcapFiles, primed with this session).
   */
  remoteFor(node: string, packetPos: readonly number[], files: { peek(node: string, num: number): FileDoc | undefined }): string | undefined {
    if (node === this.node) return undefined;
    const url = this.viewUrl(node);
    if (url === undefined) return undefined;
    const num = firstFileNum(packetPos);
    if (num === undefined) return undefined;
    return this.readableHere(node, num, files) ? undefined : url;
  }

  private readableHere(node: string, num: number, files: { peek(node: string, num: number): FileDoc | undefined }): boolean {
    const key = `${node}-${num}`;
    const now = Date.now();
    const c = this.readable.get(key);
    if (c && now - c.at < READABLE_TTL_MS) return c.ok;
    let ok = false;
    const doc = files.peek(node, num);
    if (doc) { try { accessSync(doc.name, constants.R_OK); ok = true; } catch { ok = false; } }
    if (this.readable.size > 10000) this.readable.clear();
    this.readable.set(key, { ok, at: now });
    return ok;
  }

  /** A signed GET to another viewer; one retry when the connection fails before any answer. */
  async request(base: string, pathAndQuery: string): Promise<Response> {
    if (!this.secret) throw new RemoteNodeError(`cannot ask ${base} for packets: serverSecret is not set in the config`);
    let u: URL;
    try { u = await resolveOutboundUrl(base + pathAndQuery, VIEW_URL_POLICY); } catch (e) {
      throw new RemoteNodeError(`viewUrl ${base} is refused: ${(e as Error).message}`);
    }
    const signed = u.pathname + u.search;
    let res: Response | undefined;
    for (let attempt = 0; !res; attempt++) {
      try {
        // a redirect is not followed: it would lead the viewer to a URL no config named
        res = await fetch(u, { headers: { [SIGNATURE_HEADER]: signRequest(this.secret, 'GET', signed) }, signal: AbortSignal.timeout(REMOTE_TIMEOUT_MS), redirect: 'manual' });
      } catch (e) {
        const cause = (e as Error).cause as Error | undefined;
        if (attempt >= 1) throw new RemoteNodeError(`viewer ${base} is unreachable: ${cause?.message ?? (e as Error).message}`);
      }
    }
    if (res.status >= 300 && res.status < 400) throw new RemoteNodeError(`viewer ${base} answered a redirect (${res.status}) to ${u.pathname}: not followed`);
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      let msg = text;
      try { msg = (JSON.parse(text) as { text?: string }).text ?? text; } catch { /* not JSON */ }
      throw new RemoteNodeError(`viewer ${base} answered ${res.status} to ${u.pathname}: ${msg.slice(0, 300)}`);
    }
    return res;
  }

  /**
   * These links for a request whose API key reaches only `nodes` (undefined: every node): they
   * refuse to ask for another node's packets, whatever session list the caller built.
   */
  scoped(nodes: readonly string[] | undefined): NodeLinks {
    if (!nodes) return this;
    const view = Object.create(this) as NodeLinks;
    Object.defineProperty(view, 'scope', { value: [...nodes] });
    return view;
  }

  private readonly scope: readonly string[] | undefined;

  private inScope(node: string): void {
    if (this.scope && !this.scope.includes(node)) throw new HttpError(403, `API key is scoped to ${this.scope.join(', ')}: no packets of node ${node} are fetched for it`);
  }

  /** The packets pane JSON of one session, from the viewer of the node that owns its file. */
  async packetsJson(base: string, node: string, id: string, maxPackets: number): Promise<unknown> {
    this.inScope(node);
    const res = await this.request(base, `${internalPacketsPath(node, id)}?packets=${maxPackets}`);
    return res.json();
  }

  /**
   * pcap records of these sessions (all of `node`, in the order given) from that node's viewer.
   * Yields the reader each time bytes arrive; take its records with `next()` before continuing.
   */
  async *pcap(base: string, node: string, ids: string[]): AsyncGenerator<PcapStreamReader> {
    this.inScope(node);
    const res = await this.request(base, internalPcapPath(node, ids));
    const rd = new PcapStreamReader(`viewer ${base} (node ${node})`);
    if (!res.body) return;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      rd.push(chunk);
      yield rd;
    }
    rd.finish();
  }

  /** One line per node and cause, not one per session. */
  warn(base: string, e: Error): void {
    const key = `${base} ${e.message}`;
    if (this.warned.has(key)) return;
    if (this.warned.size > 1000) this.warned.clear();
    this.warned.add(key);
    this.log(`packrat viewer: ${e.message}; those sessions are left out of the export`);
  }
}

/**
 * Reads a pcap byte stream that arrives in chunks of any size. `next()` hands out whole records as
 * offsets into `buffer`, valid until the next `push`; records cut across chunks wait for the rest.
 */
export class PcapStreamReader {
  buffer = Buffer.allocUnsafe(1 << 20);
  header: PcapHeader | undefined;
  readonly headerBytes = new Uint8Array(PCAP_HEADER_LEN);
  private start = 0;
  private end = 0;
  /** Stream offset of buffer[0], for error messages. */
  private base = 0;

  constructor(readonly source: string) {}

  push(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buffer.length) {
      const live = this.end - this.start;
      const target = live + chunk.length > this.buffer.length ? Buffer.allocUnsafe(Math.max(this.buffer.length * 2, live + chunk.length)) : this.buffer;
      this.buffer.copy(target, 0, this.start, this.end);
      this.buffer = target;
      this.base += this.start;
      this.start = 0;
      this.end = live;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Offset of the next whole record's 16-byte header in `buffer`, or -1 until more bytes come. */
  next(): number {
    const b = this.buffer;
    if (!this.header) {
      if (this.end - this.start < PCAP_HEADER_LEN) return -1;
      try { this.header = parsePcapHeader(b, this.start); } catch (e) { throw new RemoteNodeError(`${this.source}: not a pcap stream: ${(e as Error).message}`); }
      this.headerBytes.set(b.subarray(this.start, this.start + PCAP_HEADER_LEN));
      this.start += PCAP_HEADER_LEN;
    }
    if (this.end - this.start < PCAP_RECORD_HEADER_LEN) return -1;
    const le = this.header.littleEndian;
    const caplen = u32(b, this.start + 8, le);
    const fault = recordFault(caplen, u32(b, this.start + 12, le), Math.max(MAX_CAPLEN, this.header.snaplen));
    if (fault) throw new RemoteNodeError(`${this.source}: ${fault} at byte offset ${this.base + this.start} of the pcap stream`);
    if (this.end - this.start < PCAP_RECORD_HEADER_LEN + caplen) return -1;
    const off = this.start;
    this.start += PCAP_RECORD_HEADER_LEN + caplen;
    return off;
  }

  /** At the end of the stream: bytes left over mean the stream was cut mid-record. */
  finish(): void {
    if (this.end > this.start) throw new RemoteNodeError(`${this.source}: pcap stream ends inside a record at byte offset ${this.base + this.start}`);
  }
}
