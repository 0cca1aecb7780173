import test from 'node:test';
import assert from 'node:assert/strict';
import { DocBuilder, PlainTarget, type DocTarget } from './doc-shape.js';

/** The same writes through a DocBuilder and a plain object give the same JSON, key order included. */
function both(write: (t: DocTarget) => void): [string, string] {
  const b = new DocBuilder();
  write(b);
  const plain: Record<string, unknown> = {};
  write(new PlainTarget(plain));
  return [JSON.stringify(b.build()), JSON.stringify(plain)];
}

test('a built object has the keys of plain assignment in the same order, overwrites in place', () => {
  const [a, b] = both((t) => {
    t.set('firstPacket', 1); t.set('srcRIR', 'ARIN'); t.set('source', { ip: '1.2.3.4' });
    t.setPath('http.host', ['a']); t.setPath('http.hostCnt', 1); t.set('protocol', ['tcp']);
    t.setPath('http.uri', ['a/']); t.set('firstPacket', 2); t.setPath('source.port', 80);
  });
  assert.equal(a, b);
  assert.equal(a, '{"firstPacket":2,"srcRIR":"ARIN","source":{"ip":"1.2.3.4","port":80},"http":{"host":["a"],"hostCnt":1,"uri":["a/"]},"protocol":["tcp"]}');
});

test('a group replaced by a value, a value replaced by a group, and many keys', () => {
  const [a, b] = both((t) => {
    t.setPath('dns.host', ['x']); t.set('dns', [{ host: ['x'] }]); t.set('dnsCnt', 1);
    t.set('tls', 'text'); t.setPath('tls.version', ['1.3']);
    for (let i = 0; i < 60; i++) t.setPath(`email.k${i}`, i);
    for (let i = 0; i < 40; i++) t.set(`top${i}`, i);
  });
  assert.equal(a, b);
  assert.match(a, /^\{"dns":\[\{"host":\["x"\]\}\],"dnsCnt":1,"tls":\{"version":\["1\.3"\]\},"email":\{"k0":0,/);
});

test('`__proto__` and array-index keys behave as under assignment', () => {
  const [a, b] = both((t) => { t.set('b', 1); t.set('7', 2); t.set('__proto__', { x: 1 }); t.set('a', 3); });
  assert.equal(a, b);
  assert.equal(a, '{"7":2,"b":1,"a":3}');
});

test('the builder starts empty after build and after reset (a build that threw half way)', () => {
  const b = new DocBuilder();
  b.set('a', 1); b.setPath('g.x', 1);
  assert.deepEqual(b.build(), { a: 1, g: { x: 1 } });
  b.set('stale', 1); b.setPath('h.y', 2);
  b.reset();
  b.set('b', 2); b.setPath('g.z', 3);
  assert.deepEqual(b.build(), { b: 2, g: { z: 3 } });
  // A pooled group builder that was replaced (never built) does not leak into the next object.
  b.setPath('dns.host', ['x']); b.set('dns', []);
  assert.deepEqual(b.build(), { dns: [] });
  b.setPath('dns.ip', ['1.1.1.1']);
  assert.deepEqual(b.build(), { dns: { ip: ['1.1.1.1'] } });
});
