// The sessions3 template is generated from the field registry: every field a parser or the core
// defines must appear at its document path with the type its kind implies, and the fixed parts
// (dynamic templates, analyzers, Arkime's special fields) must match Arkime's db.pl.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fields, FieldRegistry } from '../../db/fields/registry.js';
import '../../db/fields/core.js';
import '../../capture/parsers/index.js';
import { esTypeOf, sessionsTemplate, sessionsMappings, TemplateError, ARKIME_DB_VERSION } from '../../db/es/templates.js';

type M = Record<string, any>;

/** Mapping at a dotted path in a properties tree. */
function at(props: M, path: string): M | undefined {
  const parts = path.split('.');
  let cur: M | undefined = { properties: props };
  for (const p of parts) cur = cur?.properties?.[p];
  return cur;
}

const tpl = sessionsTemplate(fields, { prefix: 'tests_', schemaVersion: 2 }) as M;
const props = tpl.template.mappings.properties as M;

test('every registry field is mapped at its db path with the type of its kind', () => {
  let checked = 0;
  for (const f of fields.all()) {
    if (f.viewerOnly && !f.db.endsWith('Tokens')) continue;
    if (f.db === '_id' || f.regex) continue;
    const want = esTypeOf(f.kind);
    if (!want) continue;
    const m = at(props, f.db);
    assert.ok(m, `${f.exp} (${f.db}) missing from the template`);
    assert.equal(m.type, f.db.endsWith('Tokens') ? 'text' : want.type, `${f.exp} (${f.db})`);
    const cnt = FieldRegistry.cntPath(f);
    if (cnt) assert.equal(at(props, cnt)?.type, 'long', `${cnt}`);
    checked++;
  }
  assert.ok(checked > 150, `only ${checked} fields checked`);
});

test("Arkime's sessions3 essentials (reference 1.3, 1.8)", () => {
  const expect: [string, string][] = [
    ['source.ip', 'ip'], ['destination.ip', 'ip'], ['source.port', 'long'], ['network.packets', 'long'],
    ['firstPacket', 'date'], ['lastPacket', 'date'], ['@timestamp', 'date'], ['node', 'keyword'],
    ['protocol', 'keyword'], ['protocolCnt', 'long'], ['http.host', 'keyword'], ['http.hostCnt', 'long'],
    ['source.mac-cnt', 'long'], ['network.vlan.id-cnt', 'long'], ['fileId', 'long'], ['packetRange', 'date_range'],
    ['tags', 'keyword'], ['client.bytes', 'long'], ['source.as.number', 'long'], ['source.geo.country_iso_code', 'keyword'],
  ];
  for (const [p, t] of expect) assert.equal(at(props, p)?.type, t, p);
  assert.deepEqual(at(props, 'packetPos'), { type: 'long', index: false });
  assert.deepEqual(at(props, 'packetLen'), { type: 'integer', index: false });
  assert.equal(at(props, 'http.host')?.copy_to, 'http.hostTokens');
  assert.equal(at(props, 'http.hostTokens')?.analyzer, 'wordSplit');
  const m = tpl.template.mappings as M;
  assert.equal(m.dynamic, true);
  assert.deepEqual(m._meta, { molochDbVersion: ARKIME_DB_VERSION, packratSchemaVersion: 2 });
  assert.deepEqual(m.dynamic_templates, [
    { template_ip_end: { match: '*Ip', mapping: { type: 'ip' } } },
    { template_ip_alone: { match: 'ip', mapping: { type: 'ip' } } },
    { template_word_split: { match: '*Tokens', mapping: { analyzer: 'wordSplit', type: 'text', norms: false } } },
    { template_string: { match_mapping_type: 'string', mapping: { type: 'keyword' } } },
  ]);
  assert.deepEqual(tpl.index_patterns, ['tests_sessions3-*']);
  assert.deepEqual(tpl.template.settings.analysis.analyzer.wordSplit, { type: 'custom', tokenizer: 'pattern', filter: ['lowercase'] });
  assert.equal(tpl.template.settings.index.refresh_interval, '60s');
  assert.equal(tpl.template.settings.index.number_of_replicas, 0);
});

test('object-array fields (dns, cert) map as plain objects so dns.host matches across the array', () => {
  assert.equal(at(props, 'dns.host')?.type, 'keyword');
  assert.equal(at(props, 'dns')?.type, undefined, 'not nested');
  assert.equal(at(props, 'cert.notAfter')?.type, 'date');
});

test('a path used both as a value and as an object is refused with both field names', () => {
  const r = new FieldRegistry();
  r.define({ exp: 'a.b', db: 'a.b', kind: 'integer', group: 'g', friendly: 'x', help: 'x' });
  r.define({ exp: 'a.b.c', db: 'a.b.c', kind: 'integer', group: 'g', friendly: 'x', help: 'x' });
  assert.throws(() => sessionsMappings(r, 1), (e: Error) => e instanceof TemplateError && /a\.b/.test(e.message) && /a\.b\.c/.test(e.message));
});
