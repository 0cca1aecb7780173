// A stand-in for the viewer, speaking the viewer contract with synthetic sessions, so the UI can
// be driven in a browser without a store. The end-to-end test runs the same scenario against the
// real `packrat viewer`; this one pins the UI's own behaviour.
import http from 'node:http';
import { readFileSync, existsSync, statSync } from 'node:fs';
import { join, extname } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { tcpConversation, pcapBytes, type Endpoint, type Frame } from '../../capture/synth/traffic.js';

interface Doc { id: string; node: string; [k: string]: any }

const FIELDS = [
  { exp: 'ip.src', dbField: 'source.ip', type: 'ip', friendlyName: 'Src IP', group: 'general', help: 'Source IP' },
  { exp: 'port.src', dbField: 'source.port', type: 'integer', friendlyName: 'Src Port', group: 'general', help: 'Source port' },
  { exp: 'ip.dst', dbField: 'destination.ip', type: 'ip', friendlyName: 'Dst IP', group: 'general', help: 'Destination IP' },
  { exp: 'port.dst', dbField: 'destination.port', type: 'integer', friendlyName: 'Dst Port', group: 'general', help: 'Destination port' },
  { exp: 'packets', dbField: 'network.packets', type: 'integer', friendlyName: 'Packets', group: 'general', help: 'Total packets' },
  { exp: 'bytes', dbField: 'network.bytes', type: 'integer', friendlyName: 'Bytes', group: 'general', help: 'Total bytes' },
  { exp: 'databytes', dbField: 'totDataBytes', type: 'integer', friendlyName: 'Data bytes', group: 'general', help: 'Payload bytes' },
  { exp: 'starttime', dbField: 'firstPacket', type: 'date', friendlyName: 'Start Time', group: 'general', help: 'First packet' },
  { exp: 'stoptime', dbField: 'lastPacket', type: 'date', friendlyName: 'Stop Time', group: 'general', help: 'Last packet' },
  { exp: 'ip.protocol', dbField: 'ipProtocol', type: 'integer', friendlyName: 'IP Protocol', group: 'general', help: 'IP protocol' },
  { exp: 'protocols', dbField: 'protocol', type: 'termfield', friendlyName: 'Protocols', group: 'general', help: 'Protocols seen' },
  { exp: 'node', dbField: 'node', type: 'termfield', friendlyName: 'Arkime Node', group: 'general', help: 'Capture node' },
  { exp: 'tags', dbField: 'tags', type: 'termfield', friendlyName: 'Tags', group: 'general', help: 'Tags' },
  { exp: 'host.http', dbField: 'http.host', type: 'lotermfield', friendlyName: 'Hostname', group: 'http', help: 'HTTP host header' },
  { exp: 'http.method', dbField: 'http.method', type: 'termfield', friendlyName: 'Request Method', group: 'http', help: 'HTTP method' },
];
const BY_EXP = new Map(FIELDS.map((f) => [f.exp, f]));

function getPath(doc: any, path: string): any {
  let cur = doc;
  for (const p of path.split('.')) { if (cur === undefined || cur === null) return undefined; cur = cur[p]; }
  return cur;
}

export interface StubData { docs: Doc[]; frames: Map<string, Frame[]>; client: Map<string, string> }

export function stubData(count = 40, startSec = 1_763_700_000): StubData {
  const docs: Doc[] = [];
  const frames = new Map<string, Frame[]>();
  const client = new Map<string, string>();
  const enc = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const c: Endpoint = { ip: [10, 0, 0, 1 + (i % 5)], port: 40000 + i, mac: [0, 1, 2, 3, 4, 5] };
    const s: Endpoint = { ip: [192, 0, 2, 10 + (i % 3)], port: i % 4 === 0 ? 8080 : 80, mac: [0, 6, 7, 8, 9, 10] };
    const host = `host${i % 3}.example`;
    const req = enc.encode(`GET /item/${i} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    const res = enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${5 + i}\r\n\r\n${'x'.repeat(5 + i)}`);
    const f = tcpConversation(c, s, (startSec + i * 90) * 1_000_000, req, res);
    const id = `2511${String(i).padStart(4, '0')}-stub`;
    let cb = 0, sb = 0, cp = 0, sp = 0;
    for (const fr of f) { if (fr.data[26 + 3] === c.ip[3] && fr.data[26] === c.ip[0]) { cp++; cb += fr.data.length; } else { sp++; sb += fr.data.length; } }
    docs.push({
      id, node: 'stub', firstPacket: Math.floor(f[0].tsUs / 1000), lastPacket: Math.floor(f[f.length - 1].tsUs / 1000), ipProtocol: 6,
      source: { ip: c.ip.join('.'), port: c.port, packets: cp, bytes: cb }, destination: { ip: s.ip.join('.'), port: s.port, packets: sp, bytes: sb },
      network: { packets: f.length, bytes: cb + sb }, client: { bytes: req.length }, server: { bytes: res.length }, totDataBytes: req.length + res.length,
      protocol: ['tcp', 'http'], http: { host: [host], method: ['GET'], uri: [`${host}/item/${i}`] }, tags: i % 2 ? ['odd'] : [],
      packetPos: [-1, 24], fileId: [1],
    });
    frames.set(id, f);
    client.set(id, c.ip.join('.'));
  }
  return { docs, frames, client };
}

class BadExpression extends Error { constructor(msg: string, readonly position: number) { super(`${msg} at position ${position}`); } }

/** The few expression forms the UI produces: `exp == value` clauses joined by `&&`, optional parentheses. */
function filter(docs: Doc[], expression: string): Doc[] {
  const text = expression.trim();
  if (!text) return docs;
  const clauses: Array<(d: Doc) => boolean> = [];
  let pos = 0;
  for (const raw of text.split('&&')) {
    const part = raw.trim().replace(/^\(+|\)+$/g, '');
    const m = /^([\w.-]+)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|(\S+))$/.exec(part);
    if (!m) {
      const bad = /^([\w.-]+)\s*(==|!=)\s*$/.exec(part);
      throw new BadExpression(bad ? 'Unexpected end of expression' : `Unexpected token '${part.split(/\s+/)[0]}'`, pos + raw.indexOf(part) + (bad ? part.length : 0));
    }
    const [, exp, op, quoted, bare] = m;
    const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare;
    const paths = exp === 'ip' ? ['source.ip', 'destination.ip'] : BY_EXP.has(exp) ? [BY_EXP.get(exp)!.dbField] : null;
    if (!paths) throw new BadExpression(`Unknown field ${exp}`, pos + raw.indexOf(exp));
    const has = (d: Doc) => paths.some((p) => { const v = getPath(d, p); return (Array.isArray(v) ? v : [v]).some((x) => x !== undefined && String(x) === value); });
    clauses.push(op === '==' ? has : (d) => !has(d));
    pos += raw.length + 2;
  }
  return docs.filter((d) => clauses.every((c) => c(d)));
}

function histo(docs: Doc[]): any {
  const interval = 60;
  const b = new Map<number, number[]>();
  for (const d of docs) {
    const k = Math.floor(d.firstPacket / 60000) * 60000;
    const v = b.get(k) ?? [0, 0, 0, 0, 0];
    v[0]++; v[1] += d.source.packets; v[2] += d.destination.packets; v[3] += d.source.bytes; v[4] += d.destination.bytes;
    b.set(k, v);
  }
  const keys = [...b.keys()].sort((x, y) => x - y);
  const s = (i: number) => keys.map((k) => [k, b.get(k)![i]]);
  return { interval, xmin: keys[0] ?? 0, xmax: (keys[keys.length - 1] ?? 0) + 60000, sessionsHisto: s(0), 'source.packetsHisto': s(1), 'destination.packetsHisto': s(2), 'source.bytesHisto': s(3), 'destination.bytesHisto': s(4), sessionsTotal: docs.length };
}

function terms(docs: Doc[], path: string, size: number) {
  const counts = new Map<string, number>();
  for (const d of docs) { const v = getPath(d, path); for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) counts.set(String(x), (counts.get(String(x)) ?? 0) + 1); }
  const all = [...counts].sort((a, b) => b[1] - a[1]);
  const top = all.slice(0, size);
  return { buckets: top.map(([key, doc_count]) => ({ key, doc_count })), sum_other_doc_count: all.slice(size).reduce((n, [, c]) => n + c, 0), doc_count_error_upper_bound: 0 };
}

const LOGIN_FORM = `<!doctype html><title>Log in</title><form method="post" action="/api/login"><input name="username"><input name="password" type="password"><button>Log in</button></form>`;

export interface StubServer { url: string; close(): Promise<void>; requests: string[] }

export async function startStub(uiDir: string, users: Record<string, string>, data = stubData()): Promise<StubServer> {
  const sessions = new Map<string, { user: string; csrf: string }>();
  const requests: string[] = [];
  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }); res.end(JSON.stringify(body));
  };
  const readBody = (req: http.IncomingMessage) => new Promise<string>((ok) => { let s = ''; req.on('data', (c) => { s += c; }); req.on('end', () => ok(s)); });

  const server = http.createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const q = Object.fromEntries(u.searchParams);
    const path = u.pathname;
    requests.push(`${req.method} ${path}${u.search}`);
    const sid = /PACKRAT-SESSION=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const sess = sid ? sessions.get(sid) : undefined;
    try {
      if (path === '/health') return json(res, 200, { ok: true });
      if (path === '/login') { res.writeHead(200, { 'content-type': 'text/html' }); return res.end(LOGIN_FORM); }
      if (path === '/api/login' && req.method === 'POST') {
        const body = await readBody(req);
        const p = (req.headers['content-type'] ?? '').includes('json') ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body));
        if (users[p.username] !== p.password) return json(res, 401, { success: false, text: 'bad user or password' });
        const id = randomBytes(16).toString('hex');
        sessions.set(id, { user: p.username, csrf: randomBytes(12).toString('hex') });
        res.writeHead(302, { 'set-cookie': `PACKRAT-SESSION=${id}; HttpOnly; Path=/; SameSite=Strict`, location: '/sessions' });
        return res.end();
      }
      if (path.startsWith('/api/')) {
        if (!sess) return json(res, 401, { success: false, text: 'not logged in' });
        if (req.method !== 'GET' && req.headers['x-packrat-csrf'] !== sess.csrf) return json(res, 403, { success: false, text: 'missing or bad CSRF token' });
        return await api(req, res, path, q, sess);
      }
      if (!sess) { res.writeHead(302, { location: '/login' }); return res.end(); }
      // The UI: a file from the build, else index.html (the SPA handles the path).
      const file = join(uiDir, path);
      const target = path !== '/' && existsSync(file) && statSync(file).isFile() ? file : join(uiDir, 'index.html');
      const type = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml' }[extname(target)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type }); res.end(readFileSync(target));
    } catch (e) {
      if (e instanceof BadExpression) return json(res, 400, { success: false, text: e.message });
      json(res, 500, { success: false, text: String((e as Error).message) });
    }
  });

  async function api(req: http.IncomingMessage, res: http.ServerResponse, path: string, q: Record<string, string>, sess: { user: string; csrf: string }) {
    const matched = () => filter(data.docs, q.expression ?? '');
    const strip = (d: Doc) => { const { packetPos, fileId, ...rest } = d; void packetPos; void fileId; return rest; };
    if (path === '/api/user') return json(res, 200, { userId: sess.user, userName: sess.user, roles: ['superAdmin'], csrfToken: sess.csrf });
    if (path === '/api/logout') { res.writeHead(200, { 'set-cookie': 'PACKRAT-SESSION=; Max-Age=0; Path=/' }); return res.end('{}'); }
    if (path === '/api/fields') return json(res, 200, FIELDS);
    if (path === '/api/sessions') {
      const m = matched();
      const [of, dir] = (q.order ?? 'firstPacket:desc').split(':');
      const sorted = [...m].sort((a, b) => { const x = getPath(a, of), y = getPath(b, of); return (x < y ? -1 : x > y ? 1 : 0) * (dir === 'asc' ? 1 : -1); });
      const start = Number(q.start ?? 0), length = Number(q.length ?? 100);
      return json(res, 200, { data: sorted.slice(start, start + length).map(strip), recordsTotal: data.docs.length, recordsFiltered: m.length, graph: histo(m), map: {} });
    }
    let mm = /^\/api\/session\/([^/]+)\/([^/]+)\/packets$/.exec(path);
    if (mm) {
      const f = data.frames.get(decodeURIComponent(mm[2]));
      if (!f) return json(res, 404, { success: false, text: 'no such session' });
      const c = data.client.get(decodeURIComponent(mm[2]))!.split('.').map(Number);
      const packets = f.map((fr, num) => ({ num, dir: fr.data[26] === c[0] && fr.data[29] === c[3] ? 0 : 1, ts: fr.tsUs / 1000, caplen: fr.data.length, wirelen: fr.data.length,
        hex: Buffer.from(fr.data).toString('hex'), ascii: Buffer.from(fr.data).toString('latin1').replace(/[^\x20-\x7e\r\n\t]/g, '.') }));
      return json(res, 200, { success: true, packets, reassembled: [] });
    }
    mm = /^\/api\/session\/([^/]+)\/([^/]+)$/.exec(path);
    if (mm) { const d = data.docs.find((x) => x.id === decodeURIComponent(mm![2])); return d ? json(res, 200, d) : json(res, 404, { success: false, text: 'no such session' }); }
    if (path === '/api/sessions.pcap') {
      const list = q.ids ? data.docs.filter((d) => q.ids.split(',').includes(d.id)) : matched();
      if (!list.length) return json(res, 404, { success: false, text: 'no sessions found' });
      const bounded = list.length > 30;
      const frames = list.slice(0, 30).flatMap((d) => data.frames.get(d.id)!);
      res.writeHead(200, { 'content-type': 'application/vnd.tcpdump.pcap', 'content-disposition': 'attachment; filename="sessions.pcap"', ...(bounded ? { 'x-packrat-bound': 'maxSessionsQueried=30' } : {}) });
      return res.end(pcapBytes(frames));
    }
    if (path === '/api/sessions.csv') { res.writeHead(200, { 'content-type': 'text/csv' }); return res.end(['Src IP, Dst IP', ...matched().map((d) => `${d.source.ip},${d.destination.ip}`)].join('\r\n')); }
    if (path === '/api/spiview') {
      const m = matched();
      const spi: Record<string, unknown> = {};
      for (const part of (q.spi ?? '').split(',').filter(Boolean)) { const [f, n] = part.split(':'); spi[f] = terms(m, f, Number(n) || 10); }
      // as the embedded store answers a large match: sampled unless exact=1 asks for every count
      const sampled = q.exact === '1' ? {} : { sampled: Math.ceil(m.length / 2) };
      return json(res, 200, { spi, protocols: { tcp: m.length, http: m.length }, recordsTotal: data.docs.length, recordsFiltered: m.length, graph: histo(m), map: {}, ...sampled });
    }
    if (path === '/api/spigraph') {
      const m = matched(); const field = q.field ?? 'node';
      const items = terms(m, field, Number(q.size) || 20).buckets.map((b) => { const sub = m.filter((d) => [getPath(d, field)].flat().map(String).includes(b.key)); return { name: b.key, count: b.doc_count, graph: histo(sub), map: {}, ...histo(sub) }; });
      return json(res, 200, { items, graph: histo(m), map: {}, recordsTotal: data.docs.length, recordsFiltered: m.length });
    }
    if (path === '/api/connections') {
      const m = matched(); const sf = q.srcField ?? 'source.ip', df = q.dstField ?? 'destination.ip';
      const idx = new Map<string, number>(); const nodes: any[] = []; const links = new Map<string, any>();
      const node = (id: string, type: number, d: Doc) => {
        let i = idx.get(id);
        if (i === undefined) { i = nodes.length; idx.set(id, i); nodes.push({ id, cnt: 0, sessions: 0, type, 'network.bytes': 0 }); }
        const n = nodes[i]; n.sessions++; n.cnt++; n['network.bytes'] += d.network.bytes; if (n.type !== type) n.type = 3; return i;
      };
      for (const d of m) { const s = node(String(getPath(d, sf)), 1, d), t = node(String(getPath(d, df)), 2, d); const k = `${s}-${t}`; const l = links.get(k) ?? { source: s, target: t, value: 0 }; l.value++; links.set(k, l); }
      return json(res, 200, { nodes, links: [...links.values()], recordsFiltered: m.length });
    }
    if (path === '/api/files') return json(res, 200, { data: [{ id: 'stub-1', num: 1, node: 'stub', name: '/tmp/stub.pcap', first: (data.docs[0]?.firstPacket ?? 0) / 1000, filesize: 123456, locked: 0 }], recordsTotal: 1, recordsFiltered: 1 });
    if (path === '/api/stats') return json(res, 200, { data: [{ id: 'stub', nodeName: 'stub', currentTime: Math.floor(Date.now() / 1000), totalSessions: data.docs.length, totalPackets: 400, totalK: 120, monitoring: 0, deltaPacketsPerSec: 0 }], recordsTotal: 1, recordsFiltered: 1 });
    if (path === '/api/users') return json(res, 200, { data: Object.keys(users).map((id) => ({ userId: id, userName: id, roles: ['superAdmin'], enabled: true })), recordsTotal: 1 });
    json(res, 404, { success: false, text: `no route ${req.method} ${path}` });
  }

  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((ok) => server.close(() => ok())) };
}
