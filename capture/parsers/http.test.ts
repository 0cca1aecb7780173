import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { TestSession } from './testing.js';
import { containsPassword, httpParser } from './http.js';
import { HttpStream, type HttpHead, type HttpSink } from './http-message.js';

const CONFIG = `[default]
parseQSValue=true
parseCookieValue=true
supportSha256=true
parseHTTPHeaderRequestAll=true
parseHTTPHeaderResponseAll=true
maxReqBody=2000
magicMode=basic
[headers-http-request]
referer=type:string;count:true;unique:true
authorization=type:string;count:true
[headers-http-response]
location=type:string
`;

const md5 = (b: Uint8Array | string) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const bytes = (...parts: (string | Uint8Array)[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p))));

test('GET with a 200 html response fills the http group', () => {
  const s = new TestSession(CONFIG);
  const body = '<html><body>hi</body></html>';
  const doc = s.run(httpParser, [
    [0, 'GET /a/b?x=1&y=%41%42&flag HTTP/1.1\r\nHost: Example.COM:8080\r\nUser-Agent: t/1\r\nAccept: */*\r\nX-Forwarded-For: 10.1.2.3, 10.9.9.9\r\nReferer: http://r/\r\n\r\n'],
    [1, `HTTP/1.1 200 OK\r\nContent-Type: text/HTML\r\nContent-Length: ${body.length}\r\nLocation: /next\r\n\r\n${body}`],
  ]) as { http: Record<string, unknown> };
  const h = doc.http;
  assert.deepEqual(h.host, ['Example.COM:8080', 'example.com']);
  assert.deepEqual(h.uri, ['example.com:8080/a/b?x=1&y=%41%42&flag']);
  assert.deepEqual(h.path, ['/a/b']);
  assert.deepEqual(h.key, ['x', 'y']); // a last key without '=' is not kept (Arkime)
  assert.deepEqual(h.value, ['1', 'AB']);
  assert.deepEqual(h.method, ['GET']);
  assert.deepEqual(h['method-GET'], 1);
  assert.deepEqual(h.clientVersion, ['1.1']);
  assert.deepEqual(h.statuscode, [200]);
  assert.deepEqual(h.useragent, ['t/1']);
  assert.deepEqual(h.xffIp, ['10.1.2.3']); // " 10.9.9.9" is not parsed, as in Arkime
  assert.deepEqual(h.requestHeader, ['host', 'user-agent', 'accept', 'x-forwarded-for', 'referer']);
  assert.deepEqual(h.requestHeaderField, ['accept']);
  assert.deepEqual(h.requestHeaderValue, ['*/*']);
  assert.deepEqual(h['request-referer'], ['http://r/']);
  assert.deepEqual(h['response-location'], ['/next']);
  assert.deepEqual(h.responseHeaderField, ['content-type', 'content-length']);
  assert.deepEqual(h.responseHeaderValue, ['text/html', String(body.length)]);
  assert.deepEqual(h.bodyMagic, ['text/html']);
  assert.deepEqual(h.md5, [md5(body)]);
  assert.deepEqual(h.sha256, [sha256(body)]);
  assert.deepEqual((doc as unknown as { protocol: string[] }).protocol, ['http']);
});

test('chunked gzip body: md5 of the de-chunked, still compressed bytes; magic x-gzip', () => {
  const gz = gzipSync(Buffer.from('{"a":1}'.repeat(50)));
  const half = gz.length >> 1;
  const chunked = bytes(
    `${half.toString(16)}\r\n`, gz.subarray(0, half), '\r\n',
    `${(gz.length - half).toString(16)};ext=1\r\n`, gz.subarray(half), '\r\n0\r\n\r\n',
  );
  const s = new TestSession(CONFIG);
  const head = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n';
  const resp = bytes(head, chunked);
  // split the response in three segments, one inside the chunk-size line
  const cut1 = head.length + 1, cut2 = head.length + 20;
  const doc = s.run(httpParser, [
    [0, 'GET / HTTP/1.1\r\nHost: h\r\n\r\n'],
    [1, resp.slice(0, cut1)], [1, resp.slice(cut1, cut2)], [1, resp.slice(cut2)],
  ]) as { http: Record<string, unknown> };
  assert.deepEqual(doc.http.md5, [md5(gz)]);
  assert.deepEqual(doc.http.bodyMagic, ['application/x-gzip']);
});

test('body without length runs to the end of the stream; 100-continue; request body', () => {
  const s = new TestSession(CONFIG);
  const doc = s.run(httpParser, [
    [0, 'POST /p HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 7\r\n\r\nhello\r\n'],
    [1, 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nConnection: close\r\n\r\n<?xml version="1.0"?><a/>'],
    [1, ' tail'],
  ]) as { http: Record<string, unknown> };
  const h = doc.http;
  assert.deepEqual(h.statuscode, [100, 200]);
  assert.deepEqual(h.requestBody, ['hello\r\n']);
  assert.deepEqual(h.bodyMagic, ['text/xml']);
  assert.deepEqual(h.md5, [md5('hello\r\n'), md5('<?xml version="1.0"?><a/> tail')]);
  assert.deepEqual(h['method-POST'], 1);
});

test('cookies, basic auth user, headers split across segments', () => {
  const s = new TestSession(CONFIG);
  const auth = Buffer.from('alice:secret').toString('base64');
  const req = `GET / HTTP/1.1\r\nHost: h\r\nCookie: a=1; b=; c = 2;d\r\nAuthorization: Basic ${auth}\r\n\r\n`;
  const doc = s.run(httpParser, [[0, req.slice(0, 30)], [0, req.slice(30, 31)], [0, req.slice(31)]]) as { http: Record<string, unknown> };
  const h = doc.http;
  assert.deepEqual(h.cookieKey, ['a', 'b', 'c ']);
  assert.deepEqual(h.cookieValue, ['1', '2']);
  assert.deepEqual(h.authType, ['basic']);
  assert.deepEqual(h.user, ['alice']);
  assert.deepEqual(h['request-authorization'], [`Basic ${auth}`]);
});

test('websocket after a 101: frames counted, text unmasked, method count lost with the HTTP parser', () => {
  const s = new TestSession(CONFIG);
  const mask = [1, 2, 3, 4];
  const masked = Buffer.from('hello').map((c, i) => c ^ mask[i & 3]);
  const doc = s.run(httpParser, [
    [0, 'GET /chat HTTP/1.1\r\nHost: w\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'],
    [1, bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n', new Uint8Array([0x81, 3]), 'hey')],
    [0, bytes(new Uint8Array([0x81, 0x85, ...mask]), masked)],
    [1, new Uint8Array([0x88, 4, 0x03, 0xe8])], [1, 'ok'],
  ]) as { http: Record<string, unknown>; websocket: Record<string, unknown>; protocol: string[] };
  assert.deepEqual(doc.websocket.textSample, ['hey', 'hello']);
  assert.equal(doc.websocket.frameCnt, 3);
  assert.equal(doc.websocket.maskedFromClient, 1);
  assert.equal(doc.websocket.payloadBytes, 3 + 5 + 4);
  assert.deepEqual(doc.websocket.closeCode, [1000]);
  assert.deepEqual(doc.websocket.closeReason, ['ok']);
  assert.deepEqual(doc.http.statuscode, [101]);
  assert.equal(doc.http['method-GET'], undefined);
  assert.ok(doc.protocol.includes('websocket'));
});

test('CONNECT asks for reclassification of the client side', () => {
  const s = new TestSession(CONFIG);
  const doc = s.run(httpParser, [
    [0, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'],
    [1, 'HTTP/1.1 200 Connection established\r\n\r\n'],
    [0, new Uint8Array([0x16, 0x03, 0x01, 0x00, 0x05])],
  ]) as { http: Record<string, unknown> };
  assert.deepEqual(s.reclassified, [0]);
  assert.deepEqual(doc.http.method, ['CONNECT']);
  assert.deepEqual(doc.http.uri, ['example.com:443']);
});

test('HTTP/2 preface: protocols http and http2, method PRI, uri *', () => {
  const s = new TestSession(CONFIG);
  const doc = s.run(httpParser, [[0, 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'], [1, new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0])]]) as {
    http: Record<string, unknown>; protocol: string[];
  };
  assert.deepEqual(doc.protocol, ['http', 'http2']);
  assert.deepEqual(doc.http.method, ['PRI']);
  assert.deepEqual(doc.http.clientVersion, ['2.0']);
  assert.deepEqual(doc.http.uri, ['*']);
});

test('HttpStream: consumed bytes, waits on partial lines, fails on a bad header', () => {
  const events: string[] = [];
  const sink: HttpSink = {
    messageBegin: () => events.push('begin'),
    url: (u) => events.push(`url ${u}`),
    header: (n, v) => events.push(`h ${n}=${v}`),
    headersComplete: (h: HttpHead) => events.push(`done ${h.method}${h.status}`),
    body: (_b, _o, l) => events.push(`body ${l}`),
    messageComplete: () => events.push('end'),
  };
  const st = new HttpStream(sink);
  const a = Buffer.from('GET /x HTTP/1.1\r\nA: 1\r\n');
  assert.equal(st.feed(a, 0, a.length), 17); // the header line waits for the next line (folding)
  const b = Buffer.from('A: 1\r\n  more\r\n\r\n');
  assert.equal(st.feed(b, 0, b.length), b.length);
  assert.deepEqual(events, ['begin', 'url /x', 'h A=1 more', 'done GET0', 'end']);
  const bad = Buffer.from('HTTP/1.1 200 OK\r\nno colon here\r\n\r\n');
  st.feed(bad, 0, bad.length);
  assert.ok(st.dead);
  assert.match(st.error ?? '', /bad header line/);
});

test('containsPassword: pass=, passwd=, password= in any case, anywhere in the region, not past it', () => {
  const has = (text: string, from = 0, to = text.length) => containsPassword(Buffer.from(text, 'latin1'), from, to - from);
  for (const t of ['pass=1', 'x&PassWd=2', 'user=a&PASSWORD=b', 'passpassword=', 'pApAsS=']) assert.equal(has(t), true, t);
  for (const t of ['pass', 'passw=', 'passwor=', 'password', 'pas=s', 'bypass', 'passwd', '']) assert.equal(has(t), false, t);
  assert.equal(has('xxpass=', 2), true);
  assert.equal(has('pass=', 0, 4), false, 'the = lies past the region');
  assert.equal(has('password=', 0, 8), false);
});
