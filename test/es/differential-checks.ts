// The viewer routes asked of two viewers over the same pcaps (one on the embedded store, one on
// the cluster), each check returning the differences it found (empty: same answers). Used by
// differential.test.ts; kept apart so a check can be run against viewers already started.
//
// Normalised, and only this (each is legitimately different between two imports or stores):
//  - session ids (random per import: newSessionId) and rootId (a per-import sequence): sessions
//    are paired by what capture wrote deterministically, `sessionKey` (node, protocol, endpoints,
//    first/last packet, packetPos, packet count), and a rootId is replaced by the smallest key of
//    the sessions carrying it;
//  - `@timestamp`, the time of saving;
//  - the order within a run of equal sort keys: Arkime leaves it unspecified (ES: shard and doc
//    order; embedded: the random id), so such a run is compared as a set. Where a whole export's
//    bytes depend on that order (sessions sharing lastPacket), the export is compared byte for
//    byte without those sessions and as a multiset of records with them.
import { parsePcapHeader, u32, PCAP_RECORD_HEADER_LEN } from '../../db/pcap/format.js';

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface Viewer { name: string; base: string; key: string }

export interface Pairing {
  /** sessionKey -> id, per side. */
  ids: Map<string, string>[];
  /** id -> sessionKey, per side. */
  keys: Map<string, string>[];
  /** rootId -> canonical (the smallest key of the sessions carrying it), per side. */
  roots: Map<string, string>[];
  /** Keys of sessions that have packets and share their lastPacket with another such session. */
  tiedLast: Set<string>;
  all: J[][];
}

export const SESSION_FIELDS = 'node,ipProtocol,source.ip,source.port,destination.ip,destination.port,firstPacket,lastPacket,packetPos,network.packets,rootId';

export function sessionKey(d: J): string {
  return JSON.stringify([d.node, d.ipProtocol, d.source?.ip, d.source?.port, d.destination?.ip, d.destination?.port, d.firstPacket, d.lastPacket,
    d.packetPos ?? [], d.network?.packets]);
}

const qs = (p: Record<string, string | number>) => new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)])).toString();

export async function fetchFrom(v: Viewer, p: string, body?: J): Promise<Response> {
  return fetch(v.base + p, body
    ? { method: 'POST', headers: { authorization: `Bearer ${v.key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }
    : { headers: { authorization: `Bearer ${v.key}` } });
}

async function json(v: Viewer, p: string, body?: J): Promise<J> {
  const r = await fetchFrom(v, p, body);
  if (r.status !== 200) throw new Error(`${v.name} ${p}: ${r.status} ${await r.text()}`);
  return (await r.json()) as J;
}

const stable = (x: unknown): string => JSON.stringify(x, (_k, val) => (val && typeof val === 'object' && !Array.isArray(val)
  ? Object.fromEntries(Object.keys(val).sort().map((k) => [k, val[k]])) : val));

/** First difference between two JSON values, as a path and both values; undefined when equal. */
export function firstDiff(a: unknown, b: unknown, at = ''): string | undefined {
  if (stable(a) === stable(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) {
      const d = firstDiff((a as J)[k], (b as J)[k], `${at}.${k}`);
      if (d) return d;
    }
  }
  return `${at || '.'}: embedded ${JSON.stringify(a)?.slice(0, 200)} cluster ${JSON.stringify(b)?.slice(0, 200)}`;
}

/** All sessions of each side, paired by sessionKey. */
export async function pairSessions(vs: Viewer[]): Promise<{ pairing: Pairing; diffs: string[] }> {
  const diffs: string[] = [];
  const all = await Promise.all(vs.map((v) => json(v, `/api/sessions?${qs({ date: -1, length: 100000, fields: SESSION_FIELDS, order: 'firstPacket:asc' })}`)));
  const pairing: Pairing = { ids: [], keys: [], roots: [], tiedLast: new Set(), all: all.map((a) => a.data) };
  all.forEach((a, i) => {
    const ids = new Map<string, string>(), keys = new Map<string, string>(), roots = new Map<string, string>();
    for (const d of a.data as J[]) {
      const k = sessionKey(d);
      if (ids.has(k)) diffs.push(`${vs[i].name}: two sessions with key ${k}`);
      ids.set(k, d.id); keys.set(d.id, k);
      // the segments of one session share firstPacket: the smallest key names the root
      if (d.rootId !== undefined && (!roots.has(d.rootId) || k < roots.get(d.rootId)!)) roots.set(d.rootId, k);
    }
    pairing.ids.push(ids); pairing.keys.push(keys); pairing.roots.push(roots);
  });
  if (all[0].recordsTotal !== all[1].recordsTotal) diffs.push(`recordsTotal: embedded ${all[0].recordsTotal} cluster ${all[1].recordsTotal}`);
  const [k0, k1] = pairing.ids.map((m) => new Set(m.keys()));
  for (const k of k0) if (!k1.has(k)) diffs.push(`only in embedded: ${k}`);
  for (const k of k1) if (!k0.has(k)) diffs.push(`only in cluster: ${k}`);
  const byLast = new Map<number, string[]>();
  for (const d of all[0].data as J[]) if (d.packetPos?.length) byLast.set(d.lastPacket, [...(byLast.get(d.lastPacket) ?? []), sessionKey(d)]);
  for (const ks of byLast.values()) if (ks.length > 1) ks.forEach((k) => pairing.tiedLast.add(k));
  return { pairing, diffs };
}

/** A session document or row with its id and rootId replaced by their pairing keys, @timestamp dropped. */
function normalise(d: J, side: number, p: Pairing): J {
  const out: J = { ...d };
  if (out.id !== undefined) out.id = p.keys[side].get(out.id) ?? `unpaired ${out.id}`;
  if (out.rootId !== undefined) out.rootId = p.roots[side].get(out.rootId) ?? `unpaired root ${out.rootId}`;
  delete out['@timestamp'];
  return out;
}

/** Rows with each run of equal `key` sorted (the order inside such a run is unspecified). */
export function tieNormalise<T>(rows: T[], key: (r: T) => string): T[] {
  const out: T[] = [];
  for (let i = 0; i < rows.length;) {
    let j = i + 1;
    while (j < rows.length && key(rows[j]) === key(rows[i])) j++;
    out.push(...rows.slice(i, j).sort((a, b) => (stable(a) < stable(b) ? -1 : stable(a) > stable(b) ? 1 : 0)));
    i = j;
  }
  return out;
}

const getPath = (o: J, f: string): unknown => f.split('.').reduce<unknown>((x, k) => (x && typeof x === 'object' ? (x as J)[k] : undefined), o);

/** The sessions list in `order`, read in pages of `length`, with the first page's graph and map. */
export async function compareSessionsList(vs: Viewer[], p: Pairing, o: { expression?: string; order: string; length: number; extra?: J }): Promise<string[]> {
  const sortKeys = o.order.split(',').map((s) => s.split(':'));
  const sortFields = sortKeys.map(([f]) => f);
  // the value a row sorts by: a list's smallest ascending, its largest descending
  const sortValue = (r: J) => stable(sortKeys.map(([f, dir]) => {
    const v = getPath(r, f);
    if (!Array.isArray(v)) return v;
    return [...v].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[dir === 'desc' ? v.length - 1 : 0];
  }));
  const fields = [...new Set([...SESSION_FIELDS.split(','), ...sortFields, 'network.bytes', 'http.host', 'protocol', 'tags'])].join(',');
  const diffs: string[] = [];
  const label = `sessions ${o.expression ?? ''} order=${o.order} length=${o.length}`;
  const lists: J[][] = [[], []];
  for (let start = 0; ; start += o.length) {
    const q = { date: -1, fields, order: o.order, start, length: o.length, facets: start === 0 ? 1 : 0, map: start === 0 ? 1 : 0,
      ...(o.expression ? { expression: o.expression } : {}), ...(o.extra ?? {}) };
    const pages = await Promise.all(vs.map((v) => json(v, `/api/sessions?${qs(q)}`)));
    for (const k of ['recordsTotal', 'recordsFiltered', 'graph', 'map']) {
      const d = firstDiff(pages[0][k], pages[1][k], k);
      if (d) diffs.push(`${label} start=${start}: ${d}`);
    }
    const keys = pages.map((pg) => (pg.data as J[]).map(sortValue));
    const d = firstDiff(keys[0], keys[1], 'sort keys');
    if (d) diffs.push(`${label} start=${start}: ${d}`);
    pages.forEach((pg, i) => lists[i].push(...(pg.data as J[]).map((r) => normalise(r, i, p))));
    if (pages[0].data.length < o.length || diffs.length) {
      if (lists[0].length !== pages[0].recordsFiltered && !diffs.length) diffs.push(`${label}: paged ${lists[0].length} of ${pages[0].recordsFiltered}`);
      break;
    }
  }
  // every match once: paging neither repeats nor skips a session
  lists.forEach((l, i) => { if (new Set(l.map((r) => r.id)).size !== l.length) diffs.push(`${label}: ${vs[i].name} pages repeat a session`); });
  const norm = lists.map((l) => tieNormalise(l, sortValue));
  const d = firstDiff(norm[0], norm[1], 'rows');
  if (d) diffs.push(`${label}: ${d}`);
  return diffs;
}

/** Every session's document, packets and pcap. */
export async function compareSessions(vs: Viewer[], p: Pairing): Promise<{ diffs: string[]; compared: number }> {
  const diffs: string[] = [];
  let compared = 0;
  const one = async (key: string, id0: string) => {
    const id1 = p.ids[1].get(key);
    if (!id1) return;
    const ids = [id0, id1];
    const docs = await Promise.all(vs.map((v, i) => json(v, `/api/session/test/${ids[i]}`)));
    const d = firstDiff(normalise(docs[0], 0, p), normalise(docs[1], 1, p), 'detail');
    if (d) diffs.push(`${key}: ${d}`);
    const pk = await Promise.all(vs.map((v, i) => json(v, `/api/session/test/${ids[i]}/packets`)));
    const d2 = firstDiff(normalise(pk[0], 0, p), normalise(pk[1], 1, p), 'packets');
    if (d2) diffs.push(`${key}: ${d2}`);
    const pc = await Promise.all(vs.map(async (v, i) => { const r = await fetchFrom(v, `/api/session/test/${ids[i]}/pcap`); return { s: r.status, b: Buffer.from(await r.arrayBuffer()) }; }));
    if (pc[0].s !== pc[1].s || !pc[0].b.equals(pc[1].b)) diffs.push(`${key}: session pcap differs (status ${pc[0].s}/${pc[1].s}, ${pc[0].b.length}/${pc[1].b.length} bytes)`);
    compared++;
  };
  const entries = [...p.ids[0]];
  for (let i = 0; i < entries.length; i += 4) await Promise.all(entries.slice(i, i + 4).map(([k, id]) => one(k, id)));
  return { diffs, compared };
}

/** Records (header + data) of a classic pcap file after its global header. */
export function pcapRecords(buf: Buffer): Buffer[] {
  if (buf.length < 24) return [];
  const h = parsePcapHeader(buf, 0);
  const out: Buffer[] = [];
  for (let off = 24; off < buf.length;) {
    const n = PCAP_RECORD_HEADER_LEN + u32(buf, off + 8, h.littleEndian);
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

async function bytesOf(vs: Viewer[], path: string, body?: J): Promise<{ status: number; bytes: Buffer; headers: Record<string, string | null> }[]> {
  return Promise.all(vs.map(async (v) => {
    const r = await fetchFrom(v, path, body);
    return { status: r.status, bytes: Buffer.from(await r.arrayBuffer()), headers: { bound: r.headers.get('x-packrat-bound'), type: r.headers.get('content-type') } };
  }));
}

/**
 * pcap export by expression: byte for byte; with sessions sharing lastPacket among the matches,
 * the same records as a multiset, and byte for byte again over the matches without them (by ids).
 */
export async function comparePcapExport(vs: Viewer[], p: Pairing, expression: string): Promise<{ diffs: string[]; byteEqual: boolean; tied: number }> {
  const diffs: string[] = [];
  const label = `sessions.pcap ${expression}`;
  const [a, b] = await bytesOf(vs, `/api/sessions.pcap?${qs({ date: -1, ...(expression ? { expression } : {}) })}`);
  if (a.status !== b.status || a.headers.bound !== b.headers.bound) diffs.push(`${label}: status ${a.status}/${b.status} bound ${a.headers.bound}/${b.headers.bound}`);
  const matches = (await json(vs[0], `/api/sessions?${qs({ date: -1, length: 100000, fields: SESSION_FIELDS, ...(expression ? { expression } : {}) })}`)).data as J[];
  const tied = matches.filter((d) => p.tiedLast.has(sessionKey(d)));
  const byteEqual = a.bytes.equals(b.bytes);
  if (tied.length === 0) {
    if (!byteEqual) diffs.push(`${label}: ${a.bytes.length}/${b.bytes.length} bytes, not equal`);
    return { diffs, byteEqual, tied: 0 };
  }
  if (!a.bytes.subarray(0, 24).equals(b.bytes.subarray(0, 24))) diffs.push(`${label}: pcap headers differ`);
  const sorted = (buf: Buffer) => pcapRecords(buf).map((r) => r.toString('hex')).sort();
  if (firstDiff(sorted(a.bytes), sorted(b.bytes))) diffs.push(`${label}: records differ as a multiset (${a.bytes.length}/${b.bytes.length} bytes)`);
  const untied = matches.filter((d) => !p.tiedLast.has(sessionKey(d))).map(sessionKey);
  if (untied.length) {
    const byIds = await Promise.all(vs.map(async (v, i) => {
      const r = await fetchFrom(v, '/api/sessions.pcap', { date: '-1', ids: untied.map((k) => p.ids[i].get(k)).join(',') });
      return Buffer.from(await r.arrayBuffer());
    }));
    if (!byIds[0].equals(byIds[1])) diffs.push(`${label}: export by ids of the ${untied.length} matches not sharing lastPacket differs (${byIds[0].length}/${byIds[1].length} bytes)`);
  }
  return { diffs, byteEqual, tied: tied.length };
}

/** CSV export: same header, same rows (rows sharing lastPacket compared as a set). */
export async function compareCsv(vs: Viewer[], expression: string, fields?: string): Promise<string[]> {
  const [a, b] = await bytesOf(vs, `/api/sessions.csv?${qs({ date: -1, ...(expression ? { expression } : {}), ...(fields ? { fields } : {}) })}`);
  const label = `sessions.csv ${expression} ${fields ?? ''}`;
  if (a.status !== b.status) return [`${label}: status ${a.status}/${b.status}`];
  if (a.bytes.equals(b.bytes)) return [];
  const rows = (buf: Buffer) => buf.toString('utf8').split('\r\n');
  const [ra, rb] = [rows(a.bytes), rows(b.bytes)];
  if (ra[0] !== rb[0]) return [`${label}: header ${ra[0]} / ${rb[0]}`];
  const lastCol = ra[0].split(', ').findIndex((h) => /^Stop Time$|lastPacket/i.test(h.trim()));
  if (lastCol < 0) return [`${label}: rows differ and there is no lastPacket column to explain it`];
  const key = (r: string) => r.split(',')[lastCol];
  const d = firstDiff(tieNormalise(ra, key), tieNormalise(rb, key), 'csv rows');
  return d ? [`${label}: ${d}`] : [];
}

/** One JSON route asked of both (ids and rootIds normalised where they appear at the top level of rows). */
export async function compareJson(vs: Viewer[], path: string, norm: (x: J) => J = (x) => x): Promise<string[]> {
  const [a, b] = await Promise.all(vs.map(async (v) => { const r = await fetchFrom(v, path); return { status: r.status, body: await r.text() }; }));
  if (a.status !== b.status) return [`${path}: status ${a.status}/${b.status}: ${a.body.slice(0, 200)} / ${b.body.slice(0, 200)}`];
  let ja: unknown, jb: unknown;
  try { ja = JSON.parse(a.body); jb = JSON.parse(b.body); } catch { return a.body === b.body ? [] : [`${path}: text differs: ${a.body.slice(0, 300)} / ${b.body.slice(0, 300)}`]; }
  const d = firstDiff(norm(ja as J), norm(jb as J), '');
  return d ? [`${path}: ${d}`] : [];
}
