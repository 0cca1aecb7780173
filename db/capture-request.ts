// Capture requests, pcapdaemon's message format: what a request may say, and the one check that
// both the viewer (POST /api/capture-requests) and a capture node (its Redis channel) run on it.
// A request that fails names the field; nothing is stored for it. Compiling the BPF needs
// libpcap, which lives in the capture addon: the caller passes `checkBpf` (the viewer gets it
// from bin/viewer-cmd.ts, which may load the addon; db/ never does).
//
//   { "node": "name" | "any", "nodere": "regex", "interface": "eth1" | ["eth1", "eth2"],
//     "alias": "public" | [...], "bpf": "udp port 53", "snap": 1500, "packets": 50,
//     "bytes": 100000, "duration": 60, "timeout": 15, "tags": "a,b" | ["a", "b"],
//     "customer": "c", "alertid": 655443, "reply": "channel",
//     "destination": { "import": true, "folder": "/abs/dir", "url": "https://host/upload" },
//     "transforms": { ... capture/transform's TransformSpec } }
import { randomBytes } from 'node:crypto';
import { resolve, sep } from 'node:path';
import type { Config } from './config.js';

export class CaptureRequestError extends Error {
  constructor(readonly field: string, message: string) { super(`${field}: ${message}`); }
}

export interface CaptureDestination { import?: boolean; folder?: string; url?: string }

/** A request once checked: limits are whole numbers > 0, tags a list. */
export interface CaptureRequest {
  node?: string; nodere?: string; interface?: string[]; alias?: string[]; bpf?: string; snap: number;
  packets?: number; bytes: number; duration: number; timeout?: number;
  tags: string[]; customer?: string; alertid?: string | number; reply?: string;
  destination: CaptureDestination; transforms?: Record<string, unknown>;
}

/** A node's bounds on requests (config keys of the same names). */
export interface CaptureRequestLimits {
  /** `captureRequestMaxBytes`: a request's byte limit (pcap bytes held in memory) at most, and when it gives none. */
  maxBytes: number;
  /** `captureRequestMaxDuration` (s): a request's duration at most, and when it gives none. */
  maxDuration: number;
  /** `captureRequestMaxPackets`: a request's packet limit at most. */
  maxPackets: number;
  /** `captureRequestFolderRoot`: destination folders must lie inside it; empty: no folder destinations. */
  folderRoot: string;
  /** `captureRequestUrls`: URL prefixes a destination.url must start with; none: no URL destinations. */
  urlPrefixes: string[];
}

export function captureRequestLimits(config: Config): CaptureRequestLimits {
  return {
    maxBytes: config.int('captureRequestMaxBytes', 100_000_000, 1024, 2 ** 31 - 1),
    maxDuration: config.int('captureRequestMaxDuration', 3600, 1, 7 * 86400),
    maxPackets: config.int('captureRequestMaxPackets', 1_000_000, 1, 2 ** 31 - 1),
    folderRoot: config.str('captureRequestFolderRoot', ''),
    urlPrefixes: config.list('captureRequestUrls'),
  };
}

const FIELDS = new Set(['node', 'nodere', 'interface', 'alias', 'bpf', 'snap', 'packets', 'bytes', 'duration', 'timeout',
  'tags', 'customer', 'alertid', 'reply', 'destination', 'transforms']);
const DEST_FIELDS = new Set(['import', 'folder', 'url']);

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw new CaptureRequestError(field, 'must be a non-empty string');
  return v;
}

function strList(v: unknown, field: string): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  throw new CaptureRequestError(field, 'must be a string or a list of strings');
}

function count(v: unknown, field: string, max: number, maxKey: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new CaptureRequestError(field, `must be a whole number above 0 (got ${JSON.stringify(v)})`);
  if (v > max) throw new CaptureRequestError(field, `${v} is above this installation's bound ${max} (${maxKey})`);
  return v;
}

/**
 * Check a request (a parsed JSON value, or its text). Throws CaptureRequestError naming the
 * field: unknown fields, wrong types, negative or missing limits, a bad node regex, a BPF that
 * libpcap refuses, a destination that is not one.
 */
export function parseCaptureRequest(input: unknown, limits: CaptureRequestLimits, checkBpf?: (expr: string, snap: number) => void,
  checkTransforms?: (spec: Record<string, unknown>) => void): CaptureRequest {
  let v = input;
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    try { v = JSON.parse(String(v)); } catch (e) { throw new CaptureRequestError('request', `not JSON: ${(e as Error).message}`); }
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CaptureRequestError('request', 'must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.has(k)) throw new CaptureRequestError(k, `unknown field (fields: ${[...FIELDS].join(', ')})`);

  const r: CaptureRequest = { snap: 16384, bytes: limits.maxBytes, duration: limits.maxDuration, tags: [], destination: {} };
  if (o.node !== undefined && o.nodere !== undefined) throw new CaptureRequestError('nodere', 'give node or nodere, not both');
  if (o.node !== undefined) r.node = str(o.node, 'node');
  else if (o.nodere !== undefined) {
    r.nodere = str(o.nodere, 'nodere');
    try { new RegExp(r.nodere); } catch (e) { throw new CaptureRequestError('nodere', (e as Error).message); }
  } else throw new CaptureRequestError('node', 'a request needs node (a node name, or "any") or nodere');
  if (o.interface !== undefined && o.alias !== undefined) throw new CaptureRequestError('alias', 'give interface or alias, not both');
  if (o.interface !== undefined) r.interface = strList(o.interface, 'interface');
  if (o.alias !== undefined) r.alias = strList(o.alias, 'alias');
  if (o.snap !== undefined) {
    if (typeof o.snap !== 'number' || !Number.isInteger(o.snap) || o.snap < 64 || o.snap > 65535) throw new CaptureRequestError('snap', `must be a whole number from 64 to 65535 (got ${JSON.stringify(o.snap)})`);
    r.snap = o.snap;
  }
  if (o.bpf !== undefined) {
    r.bpf = str(o.bpf, 'bpf');
    try { checkBpf?.(r.bpf, r.snap); } catch (e) { throw new CaptureRequestError('bpf', (e as Error).message); }
  }
  r.packets = count(o.packets, 'packets', limits.maxPackets, 'captureRequestMaxPackets');
  const bytes = count(o.bytes, 'bytes', limits.maxBytes, 'captureRequestMaxBytes');
  const duration = count(o.duration, 'duration', limits.maxDuration, 'captureRequestMaxDuration');
  r.timeout = count(o.timeout, 'timeout', limits.maxDuration, 'captureRequestMaxDuration');
  if (r.packets === undefined && bytes === undefined && duration === undefined && r.timeout === undefined) {
    throw new CaptureRequestError('packets', 'a request needs at least one limit: packets, bytes, duration or timeout');
  }
  if (bytes !== undefined) r.bytes = bytes;
  if (duration !== undefined) r.duration = duration;
  if (o.tags !== undefined) r.tags = strList(o.tags, 'tags');
  if (o.customer !== undefined) r.customer = str(o.customer, 'customer');
  if (o.alertid !== undefined) {
    if (typeof o.alertid !== 'string' && typeof o.alertid !== 'number') throw new CaptureRequestError('alertid', 'must be a string or a number');
    r.alertid = o.alertid;
  }
  if (o.reply !== undefined) r.reply = str(o.reply, 'reply');
  if (o.transforms !== undefined) {
    if (typeof o.transforms !== 'object' || o.transforms === null || Array.isArray(o.transforms)) throw new CaptureRequestError('transforms', 'must be an object');
    r.transforms = o.transforms as Record<string, unknown>;
    // the transforms live in capture/: the caller passes their check, which throws an error with `key`
    try { checkTransforms?.(r.transforms); } catch (e) {
      const key = (e as { key?: unknown }).key;
      throw new CaptureRequestError(typeof key === 'string' ? `transforms.${key}` : 'transforms', `transforms.${(e as Error).message}`);
    }
  }

  const d = o.destination;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) throw new CaptureRequestError('destination', 'a request needs a destination object: { import: true, folder: "/dir", url: "https://..." }');
  for (const k of Object.keys(d)) if (!DEST_FIELDS.has(k)) throw new CaptureRequestError(`destination.${k}`, 'unknown field (import, folder, url)');
  const dd = d as Record<string, unknown>;
  if (dd.import !== undefined) {
    if (typeof dd.import !== 'boolean') throw new CaptureRequestError('destination.import', 'must be true or false');
    r.destination.import = dd.import;
  }
  if (dd.folder !== undefined) {
    r.destination.folder = str(dd.folder, 'destination.folder');
    checkFolder(r.destination.folder, limits.folderRoot);
  }
  if (dd.url !== undefined) {
    const u = str(dd.url, 'destination.url');
    checkUrl(u, limits.urlPrefixes);
    r.destination.url = u;
  }
  if (!r.destination.import && !r.destination.folder && !r.destination.url) throw new CaptureRequestError('destination', 'names no destination (import, folder or url)');
  return r;
}

/**
 * A destination folder must be absolute and inside `root` (captureRequestFolderRoot): the node
 * writes there with its own rights, so a requester does not choose any folder of the host.
 */
export function checkFolder(folder: string, root: string): void {
  if (!folder.startsWith('/')) throw new CaptureRequestError('destination.folder', 'must be an absolute path');
  if (!root) throw new CaptureRequestError('destination.folder', 'folder destinations are off on this installation (captureRequestFolderRoot= is not set)');
  const r = resolve(root);
  const f = resolve(folder);
  if (f !== r && !f.startsWith(r.endsWith(sep) ? r : r + sep)) throw new CaptureRequestError('destination.folder', `${folder} is not inside ${r} (captureRequestFolderRoot)`);
}

/**
 * A destination URL must be http(s) and start with one of `prefixes` (captureRequestUrls): the
 * node posts from inside the network, so a requester does not choose any address it can reach.
 */
export function checkUrl(u: string, prefixes: readonly string[]): void {
  let url: URL;
  try { url = new URL(u); } catch { throw new CaptureRequestError('destination.url', `not a URL: ${u}`); }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CaptureRequestError('destination.url', 'must be http:// or https://');
  if (prefixes.length === 0) throw new CaptureRequestError('destination.url', 'URL destinations are off on this installation (captureRequestUrls= is not set)');
  const norm = (p: string) => { try { return new URL(p).href; } catch { return p; } };
  if (!prefixes.some((p) => url.href.startsWith(norm(p)))) throw new CaptureRequestError('destination.url', `${u} starts with none of captureRequestUrls (${prefixes.join(' ')})`);
}

/** Whether a request is for `node` ("any" matches every node). */
export function requestMatchesNode(r: Pick<CaptureRequest, 'node' | 'nodere'>, node: string): boolean {
  if (r.node !== undefined) return r.node === 'any' || r.node === node;
  return r.nodere !== undefined && new RegExp(r.nodere).test(node);
}

export function newCaptureRequestId(): string { return randomBytes(8).toString('hex'); }

/** The tags of the sessions a request imports: its own, `capture-request:<id>`, customer and alert id. */
export function captureRequestTags(r: CaptureRequest, id: string): string[] {
  const tags = [...r.tags, `capture-request:${id}`];
  if (r.customer !== undefined) tags.push(`customer:${r.customer}`);
  if (r.alertid !== undefined) tags.push(`alertid:${r.alertid}`);
  return tags;
}
